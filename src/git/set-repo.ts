// The package set as a git repository: its current commit, what a range of commits changed, and
// fetching from its upstream. The set may be a subdirectory of a larger repository; paths are
// relative to the set.
import { exec, ExecError } from "../util/exec.js";

const env = (): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: process.env.HOME ?? "/nonexistent",
  LANG: "C.UTF-8",
  GIT_TERMINAL_PROMPT: "0",
});

/** git in `dir` with a clean environment (no prompts, no user config); its trimmed stdout. */
export async function git(dir: string, args: string[]): Promise<string> {
  const r = await exec(["git", "-C", dir, ...args], { env: env() });
  return r.stdout.trim();
}

/** The commit checked out in the set's repository; undefined when the set is not in one. */
export async function headCommit(dir: string): Promise<string | undefined> {
  try {
    return await git(dir, ["rev-parse", "--verify", "HEAD"]);
  } catch (e) {
    if (e instanceof ExecError) return undefined;
    throw e;
  }
}

export interface CommitRange {
  /** Source packages (directories under packages/) with a file added, changed or removed. */
  packages: string[];
  /** Whether the set's kiln.yaml changed. */
  config: boolean;
  /** The newest commit's subject line. */
  subject: string;
}

/** What changed in the set between two commits. */
export async function changedBetween(dir: string, from: string, to: string): Promise<CommitRange> {
  const names = await git(dir, ["diff", "--name-only", "--relative", "--no-renames", from, to, "--", "."]);
  const packages = new Set<string>();
  let config = false;
  for (const path of names.split("\n").filter(Boolean)) {
    const m = /^packages\/([^/]+)\//.exec(path);
    if (m) packages.add(m[1]!);
    else if (path === "kiln.yaml") config = true;
  }
  const subject = await git(dir, ["log", "-1", "--format=%s", to]);
  return { packages: [...packages].sort(), config, subject };
}

/** `git pull --ff-only` when the set has an upstream; without one it is where its maintainers commit. */
export async function pullUpstream(dir: string): Promise<"pulled" | "no upstream"> {
  try {
    await git(dir, ["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}"]);
  } catch (e) {
    if (e instanceof ExecError) return "no upstream";
    throw e;
  }
  await git(dir, ["pull", "--ff-only", "--quiet"]);
  return "pulled";
}

/** Commits and merges Kiln makes are by Kiln. */
export const KILN_AUTHOR = ["-c", "user.name=Kiln", "-c", "user.email=kiln@localhost"];

/** The set's directory relative to its repository's top ("" at the top, else ending in /). */
export async function setPrefix(dir: string): Promise<string> {
  return git(dir, ["rev-parse", "--show-prefix"]);
}

/** A new branch at `base`, checked out in a worktree at `path` (the set's own checkout is untouched). */
export async function addWorktree(dir: string, path: string, branch: string, base: string): Promise<void> {
  await git(dir, ["worktree", "add", "--quiet", "-b", branch, path, base]);
}

/** Commits everything changed under `paths` of a worktree as Kiln; returns the commit. */
export async function commitPaths(worktree: string, paths: string[], message: string): Promise<string> {
  await git(worktree, ["add", "--all", "--", ...paths]);
  await git(worktree, [...KILN_AUTHOR, "commit", "--quiet", "--no-verify", "-m", message]);
  return git(worktree, ["rev-parse", "HEAD"]);
}

/** A worktree at `path` with `commit` checked out on no branch (a candidate's build). */
export async function addDetachedWorktree(dir: string, path: string, commit: string): Promise<void> {
  await git(dir, ["worktree", "add", "--quiet", "--detach", path, commit]);
}

/** Forgets worktrees whose directory is gone (a crash left them). */
export async function pruneWorktrees(dir: string): Promise<void> {
  await git(dir, ["worktree", "prune"]);
}

/** Removes a worktree (its branch stays). */
export async function removeWorktree(dir: string, path: string): Promise<void> {
  await git(dir, ["worktree", "remove", "--force", path]);
}

export async function deleteBranch(dir: string, branch: string): Promise<void> {
  await git(dir, ["branch", "--quiet", "-D", branch]);
}

export async function branchExists(dir: string, branch: string): Promise<boolean> {
  try {
    await git(dir, ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}`]);
    return true;
  } catch (e) {
    if (e instanceof ExecError) return false;
    throw e;
  }
}
