// Options every command that works on a package set takes.
import { availableParallelism } from "node:os";
import { InvalidArgumentError, Option, type Command } from "commander";
import { openWorkspace, type SandboxMode, type Workspace } from "../context/workspace.js";

export interface SetOptions {
  set: string;
  data?: string;
  db?: string;
  sandbox?: SandboxMode;
  specTimeout?: number;
  maxLogMb?: number;
}

export function setOptions(cmd: Command): Command {
  return cmd
    .option("--set <dir>", "the package set (a directory with kiln.yaml and packages/)", ".")
    .option("--data <dir>", "Kiln's data directory (default: .kiln/ inside the set)")
    .option(
      "--db <url>",
      "the database: sqlite:PATH or postgres://USER@HOST:PORT/DATABASE (default: sqlite:kiln.db in the data directory)",
    )
    .addOption(
      new Option(
        "--sandbox <mode>",
        "the sandbox policy, which kiln.yaml can only tighten: required, auto or off (default: required where bubblewrap works, else auto)",
      ).choices(["auto", "required", "off"]),
    )
    .option(
      "--spec-timeout <seconds>",
      "longest one spec may take to read, its %(shell) macros included (default 30)",
      positiveInt,
    )
    .option(
      "--max-log-mb <n>",
      "cut a build's log at this size, saying so in the log (default 100)",
      positiveInt,
    );
}

/** A parser of a number argument: `ok` or "expected `expected`". */
export function numberArg(ok: (n: number) => boolean, expected: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!ok(n)) throw new InvalidArgumentError(`expected ${expected}`);
    return n;
  };
}

export const positiveInt = numberArg((n) => Number.isInteger(n) && n >= 1, "a whole number of at least 1");

export const defaultJobs = (): number => availableParallelism();

export function workspaceFor(o: SetOptions, lock: boolean): Promise<Workspace> {
  return openWorkspace({
    setDir: o.set,
    ...(o.data !== undefined ? { dataDir: o.data } : {}),
    ...(o.db !== undefined ? { dbUrl: o.db } : {}),
    ...(o.sandbox !== undefined ? { sandbox: o.sandbox } : {}),
    ...(o.specTimeout !== undefined ? { specTimeoutMs: o.specTimeout * 1000 } : {}),
    ...(o.maxLogMb !== undefined ? { maxLogBytes: o.maxLogMb * 1024 * 1024 } : {}),
    lock,
  });
}

/** `fn` in the set's workspace, closed after it. */
export async function withWorkspace<T>(
  o: SetOptions,
  lock: boolean,
  fn: (ws: Workspace) => Promise<T>,
): Promise<T> {
  const ws = await workspaceFor(o, lock);
  try {
    return await fn(ws);
  } finally {
    await ws.close();
  }
}
