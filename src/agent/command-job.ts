// A command job (POST /api/v1/commands): `sh -c COMMAND` in an empty directory, run as a build is —
// in the sandbox unless the job and this agent's policy both say off — with a clean environment:
// no credential of the agent's, nothing of its own environment.
import { mkdir, rm } from "node:fs/promises";
import { bwrapArgv, grantToSandbox } from "../sandbox/bubblewrap.js";
import { exec, ExecError } from "../util/exec.js";

const CLEAN_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";

/** Runs the command; resolves to null when it exited 0, else to what went wrong, in words. */
export async function runCommandJob(o: {
  command: string;
  dir: string;
  sandboxed: boolean;
  signal: AbortSignal;
}): Promise<string | null> {
  await mkdir(o.dir, { recursive: true });
  const env = { PATH: CLEAN_PATH, LANG: "C.UTF-8", TZ: "UTC" };
  let argv = ["sh", "-c", o.command];
  let cwd = o.dir;
  let runEnv: Record<string, string> = { ...env, HOME: o.dir };
  if (o.sandboxed) {
    await grantToSandbox(o.dir);
    argv = bwrapArgv(
      { readWrite: [{ src: o.dir, dest: "/kiln/work" }], env: { ...env, HOME: "/tmp" }, cwd: "/kiln/work" },
      argv,
    );
    cwd = "/";
    runEnv = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
  }
  try {
    await exec(argv, { cwd, env: runEnv, signal: o.signal });
    return null;
  } catch (e) {
    return e instanceof ExecError ? `exit status ${String(e.code ?? e.signalName)}` : (e as Error).message;
  } finally {
    await rm(o.dir, { recursive: true, force: true });
  }
}
