// An update thread's candidate: the set as the thread's branch has it, built by the same flow as
// `kiln build` (the coordinator and an in-process agent, src/local/in-process-farm.ts) in a data
// directory of the thread's own, so nothing reaches the set's checkout, its main branch or its
// first repository. Its data directory starts with what the farm's first repository holds
// (seed-candidate.ts), so only the bumped package and what rebuilds below it by the rebuild modes
// are built (kiln plan's wave), with whatever the farm has not built that they need; its
// repository then holds the new version, everything built against it, and the rest as published.
import { cp, rm } from "node:fs/promises";
import { join } from "node:path";
import type { SandboxMode } from "../core/sandbox-policy.js";
import { openWorkspace } from "../context/workspace.js";
import type { UpdateRow } from "../db/schema.js";
import { addDetachedWorktree, pruneWorktrees, removeWorktree, setPrefix } from "../git/set-repo.js";
import { artifactsOf, latestGreenBuilds } from "../db/builds.js";
import type { Conn } from "../db/schema.js";
import { buildInProcess } from "../local/in-process-farm.js";
import { seedCandidate, type FarmSource } from "./seed-candidate.js";
import { CandidateRecorder } from "./candidate-record.js";

export interface CandidateContext {
  setDir: string;
  /** The thread's own directory (<data>/updates/<id>). */
  workDir: string;
  /** The server's sandbox policy (the set can only tighten it). */
  sandbox: SandboxMode;
  jobs: number;
  /** The farm whose published builds the candidate starts from (none: it builds what it needs). */
  farm?: FarmSource;
  signal?: AbortSignal;
}

export type CandidateOutcome =
  | { state: "built"; note: string; repoDir: string; built: string[]; install: string[] }
  | { state: "failed"; note: string };

/** Where a thread's candidate is built and published (its repository under repos/). */
export const candidateDataDir = (workDir: string): string => join(workDir, "candidate");

export async function buildCandidate(u: UpdateRow, ctx: CandidateContext): Promise<CandidateOutcome> {
  const tree = join(ctx.workDir, "tree");
  const data = candidateDataDir(ctx.workDir);
  await rm(data, { recursive: true, force: true });
  const record = new CandidateRecorder(ctx.workDir);
  await record.reset();
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
      const repo = ws.config.repositories[0]!.name;
      const seeded = ctx.farm
        ? await seedCandidate(ctx.farm, { db: ws.db, store: ws.store, repo }, u.package)
        : { packages: [], skipped: [] };
      record.taken(seeded.packages);
      const s = await buildInProcess(ws, "sqlite", {
        targets: [u.package],
        downstream: "modes",
        jobs: ctx.jobs,
        onEvent: record.onEvent,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      const done = [
        `${s.built.length} built (${s.built.join(", ")})`,
        s.cutOff.length ? `${s.cutOff.length} cut off` : "",
        s.upToDate.length ? `${s.upToDate.length} up to date` : "",
      ]
        .filter(Boolean)
        .join(", ");
      const farmNote = ctx.farm
        ? `; ${seeded.packages.length} package(s) taken from the farm's ${ctx.farm.repo}` +
          seeded.skipped.map((x) => `, not ${x.package} (${x.why})`).join("")
        : "";
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
        note: `the candidate built ${u.package} ${u.rpm_version} and what rebuilds below it: ${done}, into its own repository ${s.repo}${farmNote}`,
        repoDir: s.repoPath,
        built: s.built,
        // What was rebuilt, its output changed or not: the new version and what is built against it.
        install: await mainBinaries(ws.db, [...s.built, ...s.cutOff]),
      };
    } finally {
      await record.done();
      await ws.close();
    }
  } finally {
    if (u.commit) await removeWorktree(ctx.setDir, tree).catch(() => undefined);
  }
}

/** What the install test installs of each built package: its binary of the same name, else all its binaries. */
async function mainBinaries(db: Conn, built: string[]): Promise<string[]> {
  const greens = await latestGreenBuilds(db);
  const pkgOf = new Map(built.flatMap((p) => (greens.has(p) ? [[greens.get(p)!.id, p] as const] : [])));
  const names = new Map<string, string[]>();
  for (const a of await artifactsOf(db, [...pkgOf.keys()])) {
    if (a.kind !== "rpm" || !a.name || /-debug(info|source)$/.test(a.name)) continue;
    const pkg = pkgOf.get(a.build_id)!;
    names.set(pkg, [...(names.get(pkg) ?? []), a.name]);
  }
  return [...new Set([...names].flatMap(([pkg, list]) => (list.includes(pkg) ? [pkg] : list)))].sort();
}
