// The real `kiln` command (dist/, built before the suite), run to its end.
import { spawn } from "node:child_process";
import { afterThisTest } from "./cleanup.js";
import { KILN, NODE, ROOT } from "./paths.js";

export interface KilnResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `kiln ARGS…`; resolves when it has exited. */
export function kiln(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; onStderr?: (chunk: string) => void } = {},
): Promise<KilnResult> & { pid: () => number | undefined } {
  const child = spawn(NODE, [KILN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: "1", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // A test that fails (or times out) while it waits leaves no kiln behind.
  afterThisTest(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
    opts.onStderr?.(c.toString());
  });
  const p = new Promise<KilnResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  }) as Promise<KilnResult> & { pid: () => number | undefined };
  p.pid = () => child.pid;
  return p;
}
