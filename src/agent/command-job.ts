// A command job (POST /api/v1/commands): `sh -c COMMAND` in an empty directory, run as a build is —
// in the sandbox unless the job and this agent's policy both say off — with a clean environment:
// no credential of the agent's, nothing of its own environment. Its output is the job's log.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { sandboxedExec } from "../executor/sandboxed-exec.js";
import { CappedLog } from "../util/capped-log.js";
import { ExecError } from "../util/exec.js";

const CLEAN_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";

/** Runs the command; resolves to null when it exited 0, else to what went wrong, in words. */
export async function runCommandJob(o: {
  command: string;
  /** The job's directory: `work/` is where the command runs; the log is written beside it. */
  dir: string;
  logName: string;
  maxLogBytes: number;
  sandboxed: boolean;
  /** How it runs, in words, for the log's first line ("in bubblewrap as kiln-build", "no sandbox: …"). */
  how: string;
  signal: AbortSignal;
}): Promise<string | null> {
  const work = join(o.dir, "work");
  await mkdir(work, { recursive: true });
  const log = new CappedLog(join(o.dir, o.logName), o.maxLogBytes);
  log.write(`kiln: sh -c ${JSON.stringify(o.command)}, ${o.how}\n`);
  const env = { PATH: CLEAN_PATH, LANG: "C.UTF-8", TZ: "UTC" };
  const failed = await sandboxedExec({
    argv: ["sh", "-c", o.command],
    ...(o.sandboxed
      ? {
          env: { ...env, HOME: "/tmp" },
          cwd: "/kiln/work",
          sandbox: { readWrite: [{ src: work, dest: "/kiln/work" }] },
        }
      : { env: { ...env, HOME: work }, cwd: work }),
    log,
    signal: o.signal,
  });
  let error: string | null = null;
  if (failed) {
    const e = failed.error;
    error = e instanceof ExecError ? `exit status ${String(e.code ?? e.signalName)}` : (e as Error).message;
  }
  log.write(error === null ? "kiln: the command succeeded\n" : `kiln: the command failed: ${error}\n`);
  await log.end();
  return error;
}
