// Each package's own packages/<name>/kiln.yaml, read every time (it is small; a stat would cost as
// much): a bad one (a link, oversize, bad YAML, a wrong key) makes its package unusable, as a bad
// spec does, and the others load.
import { join } from "node:path";
import { PACKAGE_CONFIG_FILE, readPackageConfig, type PackageConfig } from "../config/package-config.js";
import type { PipelineInput } from "../core/pipeline.js";
import type { UserError } from "../util/errors.js";
import { asPackageError } from "./package-files.js";

export async function readPackageConfigs(
  setDir: string,
  dirs: string[],
  setPipeline: PipelineInput,
  fail: (dir: string, e: UserError) => void,
): Promise<Map<string, PackageConfig>> {
  const out = new Map<string, PackageConfig>();
  for (const dir of dirs) {
    const file = `packages/${dir}/${PACKAGE_CONFIG_FILE}`;
    try {
      const c = await readPackageConfig(join(setDir, file), file, setPipeline);
      if (c) out.set(dir, c);
    } catch (e) {
      fail(dir, asPackageError(e, file));
    }
  }
  return out;
}
