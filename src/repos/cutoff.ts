// Early cutoff at the edge: the new build's RPMs against those of the build the repository holds
// for the same package, compared by src/core/equivalence.ts.
import { compareOutputs, type Comparison } from "../core/equivalence.js";
import { artifactsOf } from "../db/builds.js";
import { readOutputs } from "../rpm/rpm-outputs.js";
import type { RepoView } from "./repo-view.js";
import type { Workspace } from "../context/workspace.js";

export interface CutoffCheck {
  /** The published build compared against. */
  published: number;
  comparison: Comparison;
}

/** The new build's RPMs (files) against the published build of `pkg`; undefined when none is published. */
export async function checkCutoff(
  ws: Workspace,
  view: RepoView,
  pkg: string,
  rpmFiles: readonly string[],
): Promise<CutoffCheck | undefined> {
  const published = view.content.get(pkg);
  // A published build whose files were found damaged (and taken out) is replaced, not compared.
  if (published === undefined || rpmFiles.length === 0 || view.damaged.has(published)) return undefined;
  const old = (await artifactsOf(ws.db, [published])).filter((a) => a.kind === "rpm");
  if (old.length === 0) return undefined;
  for (const a of old) if (!(await ws.store.has(a.sha256))) return undefined;
  // The published RPMs are read where the store keeps them; each was verified when stored.
  const [before, after] = await Promise.all([
    readOutputs(old.map((a) => ws.store.path(a.sha256))),
    readOutputs(rpmFiles),
  ]);
  return { published, comparison: compareOutputs(before, after) };
}
