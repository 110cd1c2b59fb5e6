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

/**
 * Runs rpmlint over `rpms`, with the package's own filters (`<name>.rpmlintrc` beside its spec)
 * when `rcFile` exists. rpmlint's exit status says whether it found errors; the counts come from
 * its summary line.
 */
export async function runRpmlint(
  rpms: string[],
  o: { rcFile: string; home: string; log: LogSink; sandbox: boolean; signal?: AbortSignal },
): Promise<RpmlintResult> {
  const hasRc = existsSync(o.rcFile);
  let argv: string[];
  let env: Record<string, string>;
  if (o.sandbox) {
    // Each RPM at /kiln/rpms/NAME (one bind per file: the directories around them stay out of view).
    argv = bwrapArgv(
      {
        readOnly: [
          ...rpms.map((r) => ({ src: r, dest: `/kiln/rpms/${basename(r)}` })),
          ...(hasRc ? [{ src: o.rcFile, dest: "/kiln/rpmlintrc" }] : []),
        ],
        env: { PATH: "/usr/bin:/bin", HOME: "/tmp", LANG: "C.UTF-8" },
        cwd: "/tmp",
      },
      [
        "rpmlint",
        ...(hasRc ? ["-r", "/kiln/rpmlintrc"] : []),
        ...rpms.map((r) => `/kiln/rpms/${basename(r)}`),
      ],
    );
    env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
  } else {
    await mkdir(o.home, { recursive: true });
    argv = ["rpmlint", ...(hasRc ? ["-r", o.rcFile] : []), ...rpms];
    env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: o.home, LANG: "C.UTF-8" };
  }
  let out: string;
  try {
    const r = await exec(argv, { env, ...(o.signal ? { signal: o.signal } : {}) });
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
