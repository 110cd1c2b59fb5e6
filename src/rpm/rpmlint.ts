// rpmlint on the RPMs a build made: what it finds goes to the build's log, with the counts of
// errors and warnings (the check step decides what they mean: build.rpmlint in kiln.yaml).
import { existsSync, type WriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { exec, ExecError } from "../util/exec.js";

export interface RpmlintResult {
  errors: number;
  warnings: number;
}

/**
 * Runs rpmlint over `rpms`, with the package's own filters (`<name>.rpmlintrc` beside its spec)
 * when `rcFile` exists. rpmlint's exit status says whether it found errors; the counts come from
 * its summary line.
 */
export async function runRpmlint(
  rpms: string[],
  o: { rcFile: string; home: string; log: WriteStream; signal?: AbortSignal },
): Promise<RpmlintResult> {
  await mkdir(o.home, { recursive: true });
  const argv = ["rpmlint", ...(existsSync(o.rcFile) ? ["-r", o.rcFile] : []), ...rpms];
  let out: string;
  try {
    const r = await exec(argv, {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: o.home, LANG: "C.UTF-8" },
      ...(o.signal ? { signal: o.signal } : {}),
    });
    out = r.stdout + r.stderr;
  } catch (e) {
    if (!(e instanceof ExecError) || e.code === null) throw e;
    out = e.stdout + e.stderr;
  }
  o.log.write(out.endsWith("\n") ? out : `${out}\n`);
  const m = /(\d+) errors?, (\d+) warnings?/.exec(out);
  if (!m) throw new Error(`rpmlint printed no summary:\n${out.split("\n").slice(-5).join("\n")}`);
  return { errors: Number(m[1]), warnings: Number(m[2]) };
}
