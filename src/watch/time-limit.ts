// Runs synchronous code with a time limit. A watch's regular expressions come from the set and run
// over pages from upstreams: one with catastrophic backtracking would otherwise hold the server's
// event loop for ever. node:vm's timeout stops any JavaScript running inside the call, host
// functions and regular expressions included.
import { createContext, runInContext } from "node:vm";

export class TimeLimitError extends Error {}

export function withTimeLimit<T>(what: string, ms: number, fn: () => T): T {
  const box: { fn: () => T; out?: T } = { fn };
  try {
    runInContext("box.out = box.fn()", createContext({ box }), { timeout: ms });
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_SCRIPT_EXECUTION_TIMEOUT")
      throw new TimeLimitError(`${what} took longer than ${ms / 1000} s and was stopped`);
    throw e;
  }
  return box.out as T;
}
