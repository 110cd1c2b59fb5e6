// What one build of a package would consume right now: its build root (from what the repository
// holds) and its inputs, hence its up-to-date key.
import { join } from "node:path";
import { getOrSet } from "../core/maps.js";
import type { SourcePackage } from "../core/package.js";
import type { BuildRow } from "../db/schema.js";
import { sha256Regular } from "../util/safe-fs.js";
import { inputKey, makeInputs, whatChanged, type BuildInputs } from "./inputs.js";
import { rootFor, type RepoView, type RootPlan } from "../repos/repo-view.js";
import type { Workspace } from "../context/workspace.js";
import { fromJson } from "../db/json-columns.js";

export interface Prepared extends RootPlan {
  inputs: BuildInputs;
  key: string;
}

/** Each source file's sha256, computed once in a run (a package is prepared at planning and at its build). */
export type SourceHashes = Map<string, Promise<string>>;

export async function prepareBuild(
  ws: Workspace,
  view: RepoView,
  pkg: SourcePackage,
  isHost: (n: string) => boolean,
  hashes: SourceHashes,
): Promise<Prepared> {
  const root = rootFor(view, pkg, isHost);
  const sources: Record<string, string> = {};
  for (const s of pkg.sources) {
    const path = join(ws.setDir, "packages", pkg.name, s.name);
    const shown = `packages/${pkg.name}/${s.name}`;
    // A source is hashed as a regular file only: a link or a device in the set is refused.
    sources[s.name] = await getOrSet(hashes, path, () =>
      sha256Regular(path, { shown }).then((h) => h.sha256),
    );
  }
  const inputs = makeInputs(ws.config.dist, pkg.specSha256, sources, root.packages);
  return { ...root, inputs, key: inputKey(inputs) };
}

/** Whether the repository holds `last`'s output: that build, or (cut off) the published build it equals. */
export function holdsOutputOf(view: RepoView, last: BuildRow): boolean {
  const held = view.content.get(last.package);
  return held !== undefined && (held === last.id || held === last.same_output_as);
}

/**
 * Up to date: its last green build had these very inputs, and the repository holds its output — or
 * a maintainer demoted that build out of it (a rollback is not undone by building the same again).
 * A build with an artifact found damaged is never up to date.
 */
export function isUpToDate(last: BuildRow | undefined, prepared: Prepared, view: RepoView): boolean {
  return (
    last !== undefined &&
    last.input_key === prepared.key &&
    !view.damaged.has(last.id) &&
    (holdsOutputOf(view, last) || view.demoted.has(last.id))
  );
}

/** Why it is not up to date, in words. */
export function whyNotUpToDate(last: BuildRow | undefined, prepared: Prepared, view: RepoView): string {
  if (last && view.damaged.has(last.id))
    return "an artifact of its last build is damaged (kiln scrub found it)";
  if (last && !holdsOutputOf(view, last)) return "its last build is not published";
  return whatChanged(last ? fromJson("inputs", last.inputs, "builds.inputs") : undefined, prepared.inputs);
}
