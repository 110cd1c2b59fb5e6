// A private rpm root: a directory with its own rpm database, into which binary RPMs are installed
// with `rpm --root`. Scripts are not run (they would run host commands against the root).
import { exec } from "../util/exec.js";
import { rpmEnv } from "./rpm-query.js";

const DBPATH = "/var/lib/rpm";

export async function initRoot(root: string): Promise<void> {
  await exec(["rpm", "--root", root, "--dbpath", DBPATH, "--initdb"], { env: rpmEnv() });
}

export async function installIntoRoot(root: string, rpmFiles: string[]): Promise<void> {
  if (rpmFiles.length === 0) return;
  await exec(
    ["rpm", "--root", root, "--dbpath", DBPATH, "-i", "--nodeps", "--noscripts", "--notriggers", ...rpmFiles],
    { env: rpmEnv() },
  ).catch((e: Error) => {
    // Debian's rpm prints an "use Alien instead" notice on every install: drop it from what users see.
    e.message = e.message.replace(/^.*use Alien instead!\n?/gm, "");
    throw e;
  });
}
