// Throwaway directories, removed after the test file (KILN_KEEP_TEST_DIRS=1 keeps them).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAllTests } from "./cleanup.js";

/** A fresh temporary directory, removed after the test file (or the bench's runCleanups). */
export function tempDir(prefix = "kiln-test-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  afterAllTests(() => {
    if (!process.env.KILN_KEEP_TEST_DIRS) rmSync(d, { recursive: true, force: true });
  });
  return d;
}
