import { exec } from "../util/exec.js";

/** Writes rpm-md metadata (repodata/) for the packages under `dir`. */
export async function createrepo(dir: string): Promise<void> {
  await exec(["createrepo_c", "--quiet", "--no-database", "--general-compress-type=gz", dir]);
}
