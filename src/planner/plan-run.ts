// What one `kiln build` will do, decided before anything builds: in dependency order, each package
// in scope is up to date, to be built (and why), blocked (something it needs cannot build), or
// invalid (its own spec or dependencies are wrong).
import { reachable, topoOrder } from "../core/plan.js";
import type { PlanState } from "../core/status.js";
import type { UserError } from "../util/errors.js";
import { RefusedFileError } from "../util/safe-fs.js";
import type { LoadedGraph } from "./load-graph.js";
import { isUpToDate, prepareBuild, whyNotUpToDate, type SourceHashes } from "./prepare-build.js";
import type { RepoView } from "../repos/repo-view.js";
import type { Workspace } from "../context/workspace.js";

export interface RunPlan {
  /** The packages in scope, by name. */
  names: string[];
  scope: ReadonlySet<string>;
  state: Map<string, PlanState>;
  /** Why each package to build builds, in words. */
  reason: Map<string, string>;
  /** The failed or invalid packages a blocked one waits for. */
  blockedBy: Map<string, string[]>;
  toBuild: string[];
}

export interface PlanOptions {
  /** Packages asked for; empty means all. What they need comes with them. */
  targets: readonly string[];
  /** Packages to rebuild even when they are up to date. */
  forced: ReadonlySet<string>;
  isHost: (name: string) => boolean;
  hashes: SourceHashes;
}

/** A package whose sources cannot be read safely (util/safe-fs.ts) is invalid, its refusal in `errors`. */
export async function planRun(
  ws: Workspace,
  g: LoadedGraph,
  view: RepoView,
  errors: Map<string, UserError[]>,
  opts: PlanOptions,
): Promise<RunPlan> {
  const scope = opts.targets.length > 0 ? reachable(opts.targets, g.graph.order) : new Set(g.graph.names);
  const state = new Map<string, PlanState>();
  const reason = new Map<string, string>();
  const blockedBy = new Map<string, string[]>();
  // An invalid package will not build, so what it needs does not matter: without its edges even a
  // cycle of invalid packages has an order, and what depends on them is reported as blocked.
  const planOrder = new Map([...g.graph.order].map(([n, d]) => [n, errors.has(n) ? new Set<string>() : d]));
  for (const name of topoOrder(scope, planOrder)) {
    if (errors.has(name)) {
      state.set(name, "invalid");
      continue;
    }
    const needs = [...(g.graph.order.get(name) ?? [])].filter((d) => d !== name && scope.has(d));
    const bad = needs.filter((d) => state.get(d) === "invalid" || state.get(d) === "blocked");
    if (bad.length > 0) {
      state.set(name, "blocked");
      blockedBy.set(name, rootCauses(bad, blockedBy));
      continue;
    }
    const rebuilding = needs.filter((d) => state.get(d) === "pending");
    const last = g.greens.get(name);
    if (rebuilding.length > 0) {
      state.set(name, "pending");
      const what = `${rebuilding.join(", ")} ${rebuilding.length > 1 ? "are" : "is"} being rebuilt`;
      reason.set(name, last ? what : "never built");
      continue;
    }
    let prepared;
    try {
      prepared = await prepareBuild(ws, view, g.graph.packages.get(name)!, opts.isHost, opts.hashes);
    } catch (e) {
      if (!(e instanceof RefusedFileError)) throw e;
      errors.set(name, [e]);
      state.set(name, "invalid");
      continue;
    }
    const forced = opts.forced.has(name);
    if (!forced && isUpToDate(last, prepared, view)) state.set(name, "up-to-date");
    else {
      state.set(name, "pending");
      reason.set(name, forced ? "rebuild requested" : whyNotUpToDate(last, prepared, view));
    }
  }
  const names = [...scope].sort();
  // A package that could not be ordered is on a cycle, and those are invalid already.
  for (const name of names) if (!state.has(name)) state.set(name, "invalid");
  return { names, scope, state, reason, blockedBy, toBuild: names.filter((n) => state.get(n) === "pending") };
}

/** The failed or invalid packages at the bottom of a chain of blocked ones. */
export function rootCauses(names: string[], blockedBy: ReadonlyMap<string, string[]>): string[] {
  return [...new Set(names.flatMap((n) => blockedBy.get(n) ?? [n]))].sort();
}
