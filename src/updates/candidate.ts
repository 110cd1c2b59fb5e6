// An update thread's candidate: the set as the thread's branch has it, built by the same flow as
// `kiln build` (the coordinator and an in-process agent, src/local/in-process-farm.ts) in a data
// directory of the thread's own, so nothing reaches the set's checkout, its main branch or its
// first repository. The candidate's repository holds the new version and everything built against
// it. Its data directory starts empty, so the whole set is built in it: correct, and costly on a
// large set (taking the unchanged packages' builds from the farm instead is still to come).
import { cp, rm } from "node:fs/promises";
import { join } from "node:path";
import type { SandboxMode } from "../core/sandbox-policy.js";
import { openWorkspace } from "../context/workspace.js";
import type { UpdateRow } from "../db/schema.js";
import { addDetachedWorktree, pruneWorktrees, removeWorktree, setPrefix } from "../git/set-repo.js";
import { buildInProcess } from "../local/in-process-farm.js";

export interface CandidateContext {
  setDir: string;
  /** The thread's own directory (<data>/updates/<id>). */
  workDir: string;
  /** The server's sandbox policy (the set can only tighten it). */
  sandbox: SandboxMode;
  jobs: number;
  signal?: AbortSignal;
}

export type CandidateOutcome =
  { state: "built"; note: string; repoDir: string; top: string[] } | { state: "failed"; note: string };

/** Where a thread's candidate is built and published (its repository under repos/). */
export const candidateDataDir = (workDir: string): string => join(workDir, "candidate");

export async function buildCandidate(u: UpdateRow, ctx: CandidateContext): Promise<CandidateOutcome> {
  const tree = join(ctx.workDir, "tree");
  const data = candidateDataDir(ctx.workDir);
  await rm(data, { recursive: true, force: true });
  let setDir: string;
  if (u.commit) {
    await rm(tree, { recursive: true, force: true });
    await pruneWorktrees(ctx.setDir);
    await addDetachedWorktree(ctx.setDir, tree, u.commit);
    setDir = join(tree, await setPrefix(ctx.setDir));
  } else {
    // Outside git the bump left the package's new directory in the tree: the rest is the set's.
    setDir = join(ctx.workDir, "set");
    await rm(setDir, { recursive: true, force: true });
    await cp(ctx.setDir, setDir, {
      recursive: true,
      verbatimSymlinks: true,
      filter: (p) => !p.includes("/.kiln"),
    });
    await rm(join(setDir, "packages", u.package), { recursive: true, force: true });
    await cp(join(tree, "packages", u.package), join(setDir, "packages", u.package), { recursive: true });
  }
  try {
    const ws = await openWorkspace({ setDir, dataDir: data, sandbox: ctx.sandbox, lock: true });
    try {
      const s = await buildInProcess(ws, "sqlite", {
        targets: [],
        jobs: ctx.jobs,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      const done = `${s.built.length} built${s.upToDate.length ? `, ${s.upToDate.length} up to date` : ""}`;
      if (s.failed.length || s.blocked.length || s.invalid.length || s.cancelled.length || s.snapshotError) {
        const what = [
          s.failed.length ? `failed: ${s.failed.join(", ")}` : "",
          s.blocked.length ? `blocked: ${s.blocked.join(", ")}` : "",
          s.invalid.length ? `invalid: ${s.invalid.join(", ")}` : "",
          s.cancelled.length ? `cancelled: ${s.cancelled.join(", ")}` : "",
          s.snapshotError ? `its repository could not be written: ${s.snapshotError}` : "",
        ].filter(Boolean);
        return {
          state: "failed",
          note: `the candidate with ${u.package} ${u.rpm_version} did not build (${what.join("; ")}; ${done}); nothing was published`,
        };
      }
      if (!s.built.includes(u.package))
        return { state: "failed", note: `the candidate built, but not ${u.package} (${done})` };
      return {
        state: "built",
        note: `the candidate built: ${done}, ${u.package} ${u.rpm_version} among them, into its own repository ${s.repo}`,
        repoDir: s.repoPath,
        top: s.top,
      };
    } finally {
      await ws.close();
    }
  } finally {
    if (u.commit) await removeWorktree(ctx.setDir, tree).catch(() => undefined);
  }
}
