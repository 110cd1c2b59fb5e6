// What a test (or the bench) started is stopped and removed when it ends, on failure too. Under
// vitest, cleanups registered inside a test run when that test finishes (onTestFinished), the
// others after the test file (afterAll); elsewhere (bench/) the caller runs them with
// runCleanups(). vitest is loaded only when this runs inside it, so bench/ never imports it.
type Cleanup = () => void | Promise<void>;

const atFileEnd: Cleanup[] = [];

type Hooks = { afterAll(fn: () => Promise<void>): void; onTestFinished(fn: () => Promise<void>): void };
const vitest: Hooks | undefined = process.env.VITEST ? await import("vitest") : undefined;
vitest?.afterAll(() => runCleanups());

/** Runs `fn` when the current test ends (or, outside a test, with the file's other cleanups). */
export function afterThisTest(fn: Cleanup): void {
  if (vitest) {
    try {
      vitest.onTestFinished(async () => await fn());
      return;
    } catch {
      // not inside a test: at the end of the file
    }
  }
  atFileEnd.push(fn);
}

/** Runs `fn` after the test file (or when the bench calls runCleanups). */
export function afterAllTests(fn: Cleanup): void {
  atFileEnd.push(fn);
}

/** Runs the registered cleanups, the last registered first; every one runs, the first error is thrown. */
export async function runCleanups(): Promise<void> {
  let first: unknown;
  for (const fn of atFileEnd.splice(0).reverse()) {
    try {
      await fn();
    } catch (e) {
      first ??= e;
    }
  }
  if (first !== undefined) throw first;
}
