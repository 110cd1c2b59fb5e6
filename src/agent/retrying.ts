// The agent's answer to a server that is away: try again, backing off, for as long as it takes.
import { ApiError } from "../api/client.js";

/** Runs `fn` until it succeeds or fails for a reason other than the server being away. */
export async function retrying<T>(log: (line: string) => void, fn: () => Promise<T>): Promise<T> {
  let backoff = 250;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof ApiError && e.transient)) throw e;
      log(`${e.message}; retrying in ${backoff} ms`);
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, 5000);
    }
  }
}
