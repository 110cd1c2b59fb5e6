// The package set loaded and resolved into its dependency graph, with what the database knows
// (last green builds, what is published): shared by `kiln build`, `kiln graph` and `kiln plan`.
import type { RebuildMode } from "../core/flow.js";
import { resolveGraph, type PackageGraph } from "../core/graph.js";
import { getOrSet } from "../core/maps.js";
import { normalizePipeline, type Pipeline } from "../core/pipeline.js";
import type { BuiltBinary } from "../core/package.js";
import { artifactsOf, latestGreenBuilds, toBuiltBinary } from "../db/builds.js";
import { repositoryContent } from "../db/repos.js";
import type { BuildRow } from "../db/schema.js";
import { loadSet, type LoadedSet } from "../set/load-set.js";
import type { UserError } from "../util/errors.js";
import type { Workspace } from "../context/workspace.js";

export interface LoadedGraph {
  set: LoadedSet;
  graph: PackageGraph;
  greens: Map<string, BuildRow>;
}

export async function loadGraph(ws: Workspace): Promise<LoadedGraph> {
  const set = await loadSet(ws.setDir, ws);
  const greens = await latestGreenBuilds(ws.db);
  const built = new Map<string, BuiltBinary[]>();
  const byId = new Map([...greens].map(([pkg, b]) => [b.id, pkg]));
  for (const a of await artifactsOf(ws.db, [...byId.keys()])) {
    if (a.kind === "rpm") getOrSet(built, byId.get(a.build_id)!, () => []).push(toBuiltBinary(a));
  }
  const published = new Set((await repositoryContent(ws.db, ws.config.repositories[0]!.name)).keys());
  const hostProvides = ws.config.host.provides;
  const graph = resolveGraph({ packages: set.packages, broken: set.broken, hostProvides, built, published });
  return { set, graph, greens };
}

/** Every error of the set, by package: from loading the specs and from resolving the graph. */
export function graphErrors(g: LoadedGraph): Map<string, UserError[]> {
  const out = new Map<string, UserError[]>();
  for (const m of [g.set.errors, g.graph.errors]) {
    for (const [pkg, list] of m) out.set(pkg, [...(out.get(pkg) ?? []), ...list]);
  }
  return out;
}

/** Each package's pipeline: its own kiln.yaml's, else the set's. */
export function pipelineOf(ws: Workspace, g: LoadedGraph): (pkg: string) => Pipeline {
  const cache = new Map<string, Pipeline>();
  return (pkg) =>
    getOrSet(cache, pkg, () =>
      normalizePipeline(g.set.packageConfigs.get(pkg)?.pipeline ?? ws.config.pipeline),
    );
}

/** Each package's rebuild mode: its own kiln.yaml's, else the set's. */
export function modeOf(ws: Workspace, g: LoadedGraph): (pkg: string) => RebuildMode {
  return (pkg) => g.set.packageConfigs.get(pkg)?.rebuild ?? ws.config.rebuild;
}

/** Whether a package's rebuild with unchanged output is cut off (kiln.yaml `early-cutoff`). */
export function earlyCutoffOf(ws: Workspace, g: LoadedGraph): (pkg: string) => boolean {
  return (pkg) => g.set.packageConfigs.get(pkg)?.earlyCutoff ?? ws.config["early-cutoff"];
}
