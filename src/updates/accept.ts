// Accepting a thread's candidate: its branch merged into the set's checked-out branch by Kiln
// (a fast-forward when nothing moved since the bump), the set's own flow then building it on the
// farm (the source watcher is asked to look at once, so the merge is one request), and, once the
// farm has published it, promotion by the repositories' own rules. A set that follows an upstream
// repository is merged there, not here: Kiln says which branch to merge.
import { ConflictError } from "../util/errors.js";
import { git, KILN_AUTHOR } from "../git/set-repo.js";
import { ExecError } from "../util/exec.js";

/** Merges `branch` into the set's current branch; the new head, or why not in words. */
export async function mergeThreadBranch(
  setDir: string,
  branch: string,
  message: string,
): Promise<{ head: string; into: string } | { refused: string }> {
  const into = await git(setDir, ["rev-parse", "--abbrev-ref", "HEAD"]);
  if (into === "HEAD")
    throw new ConflictError(
      "THREAD_NOT_READY",
      "the set's checkout is on no branch: Kiln has nothing to merge into",
    );
  const upstream = await git(setDir, [
    "rev-parse",
    "--abbrev-ref",
    "--symbolic-full-name",
    "@{upstream}",
  ]).catch(() => undefined);
  if (upstream)
    throw new ConflictError(
      "THREAD_NOT_READY",
      `the set follows ${upstream}: merge ${branch} there (Kiln builds it when the commit arrives)`,
    );
  if ((await git(setDir, ["status", "--porcelain", "--untracked-files=no"])) !== "")
    throw new ConflictError(
      "THREAD_NOT_READY",
      "the set's checkout has uncommitted changes: commit or drop them first",
    );
  try {
    await git(setDir, [...KILN_AUTHOR, "merge", "--quiet", "--no-edit", "-m", message, branch]);
  } catch (e) {
    if (!(e instanceof ExecError)) throw e;
    await git(setDir, ["merge", "--abort"]).catch(() => undefined);
    const why =
      `${e.stdout}\n${e.stderr}`.split("\n").find((l) => /CONFLICT|fatal:|error:/.test(l)) ??
      "git merge failed";
    return { refused: `${branch} no longer merges into ${into}: ${why.trim().slice(0, 300)}` };
  }
  return { head: await git(setDir, ["rev-parse", "HEAD"]), into };
}
