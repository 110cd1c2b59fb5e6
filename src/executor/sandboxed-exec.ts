// The one way a job's untrusted command runs (rpmbuild, a run step, a command job, unpacking a
// built RPM): in bubblewrap when sandboxed, the directories it may write made the build user's
// first, or on the host as it is; its output into the job's capped log; stopped by the job's signal
// or its own timeout. The caller says what a failure means, so that each keeps its own words.
import { bwrapArgv, grantToSandbox, type Mount } from "../sandbox/bubblewrap.js";
import type { LogSink } from "../util/capped-log.js";
import { exec } from "../util/exec.js";

export interface SandboxedCommand {
  argv: string[];
  /** The command's whole environment (inside the sandbox, or on the host). */
  env: Record<string, string>;
  /** Where it runs: a path inside the sandbox when sandboxed, on the host when not. */
  cwd: string;
  /** Runs in bubblewrap, seeing only these binds; undefined: on the host, without the sandbox. */
  sandbox?: { readOnly?: Mount[]; readWrite?: Mount[] };
  /** Output goes here; without it, it is collected into the error. */
  log?: LogSink;
  signal?: AbortSignal;
  timeoutSec?: number;
}

/** Why a command did not exit 0. */
export interface CommandFailure {
  /** What exec rejected with: an ExecError (exit status or signal), or what else went wrong. */
  error: unknown;
  /** The caller's signal stopped it. */
  cancelled: boolean;
  /** Its own timeout stopped it (and not the caller's signal). */
  timedOut: boolean;
}

/** Runs the command; resolves to undefined when it exited 0, else to how it failed. */
export async function sandboxedExec(c: SandboxedCommand): Promise<CommandFailure | undefined> {
  for (const m of c.sandbox?.readWrite ?? []) await grantToSandbox(m.src);
  // bubblewrap starts from a clear environment and sets the command's own (--setenv).
  const { argv, cwd, env } = c.sandbox
    ? {
        argv: bwrapArgv({ ...c.sandbox, env: c.env, cwd: c.cwd }, c.argv),
        cwd: "/",
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      }
    : c;
  const timeout = c.timeoutSec === undefined ? undefined : AbortSignal.timeout(c.timeoutSec * 1000);
  const signals = [c.signal, timeout].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  try {
    await exec(argv, { cwd, env, log: c.log, signal });
    return undefined;
  } catch (error) {
    const cancelled = c.signal?.aborted === true;
    return { error, cancelled, timedOut: !cancelled && timeout?.aborted === true };
  }
}
