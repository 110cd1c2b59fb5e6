// rpmlint on the RPMs a build made: what it finds goes to the build's log, with the counts of
// errors and warnings (the check step decides what they mean: build.rpmlint in kiln.yaml). The
// RPMs are untrusted (rpmlint unpacks them and reads what they hold): in a sandboxed build it runs
// in the sandbox too, seeing only the RPMs and the package's filters.
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { basename } from "node:path";
import { bwrapArgv } from "../sandbox/bubblewrap.js";
import type { LogSink } from "../util/capped-log.js";
import { exec, ExecError } from "../util/exec.js";

export interface RpmlintResult {
  errors: number;
  warnings: number;
}

/** Runs rpmlint over `rpms`, with the package's own filters (`rcFile`: `<name>.rpmlintrc`) when it exists. */
export async function runRpmlint(
  rpms: string[],
  o: { rcFile: string; home: string; log: LogSink; sandbox: boolean; signal?: AbortSignal },
): Promise<RpmlintResult> {
  const hasRc = existsSync(o.rcFile);
  const lint = (rc: string, files: string[]): string[] => ["rpmlint", ...(hasRc ? ["-r", rc] : []), ...files];
  const PATH = process.env.PATH ?? "/usr/bin:/bin";
  let argv: string[];
  let env: Record<string, string> = { PATH };
  if (o.sandbox) {
    // Each RPM at /kiln/rpms/NAME (one bind per file: the directories around them stay out of view).
    const inside = (r: string): string => `/kiln/rpms/${basename(r)}`;
    const readOnly = rpms.map((r) => ({ src: r, dest: inside(r) }));
    if (hasRc) readOnly.push({ src: o.rcFile, dest: "/kiln/rpmlintrc" });
    argv = bwrapArgv(
      { readOnly, env: { PATH: "/usr/bin:/bin", HOME: "/tmp", LANG: "C.UTF-8" }, cwd: "/tmp" },
      lint("/kiln/rpmlintrc", rpms.map(inside)),
    );
  } else {
    await mkdir(o.home, { recursive: true });
    argv = lint(o.rcFile, rpms);
    env = { PATH, HOME: o.home, LANG: "C.UTF-8" };
  }
  let out: string;
  try {
    const r = await exec(argv, { env, ...(o.signal ? { signal: o.signal } : {}) });
    out = r.stdout + r.stderr;
  } catch (e) {
    // An exit status says it found errors: the counts come from its summary line all the same.
    if (!(e instanceof ExecError) || e.code === null) throw e;
    out = e.stdout + e.stderr;
  }
  o.log.write(out.endsWith("\n") ? out : `${out}\n`);
  const m = /(\d+) errors?, (\d+) warnings?/.exec(out);
  if (!m) throw new Error(`rpmlint printed no summary:\n${out.split("\n").slice(-5).join("\n")}`);
  return { errors: Number(m[1]), warnings: Number(m[2]) };
}
