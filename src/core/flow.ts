// How far a change flows downstream: the rebuild modes of Open Build Service, per set and per
// package. Pure.
import { criticalPath, waves, type Edges } from "./plan.js";

/**
 * What a new build of a package sets off below it:
 * - transitive: what build-requires it rebuilds, and what build-requires those, each by its own mode;
 * - direct: only what build-requires it, which sets off nothing further;
 * - none: nothing.
 * Early cutoff still applies at run time: this is the upper bound of what may build.
 */
export const REBUILD_MODES = ["transitive", "direct", "none"] as const;
export type RebuildMode = (typeof REBUILD_MODES)[number];

/**
 * The packages a change to `changed` may rebuild, the changed ones included: each changed package
 * sets off what build-requires it (`rdeps`) by its mode, and so on down.
 */
export function affectedBy(
  changed: Iterable<string>,
  rdeps: Edges,
  modeOf: (pkg: string) => RebuildMode,
): Set<string> {
  // For each package reached: whether it sets off its own dependents (reached through a
  // transitive package, or changed itself) or not (reached through a direct one).
  const reached = new Map<string, boolean>();
  const stack: string[] = [];
  const visit = (pkg: string, propagates: boolean): void => {
    const before = reached.get(pkg);
    if (before === true || (before === false && !propagates)) return;
    reached.set(pkg, propagates);
    if (propagates) stack.push(pkg);
  };
  for (const c of changed) visit(c, true);
  while (stack.length > 0) {
    const pkg = stack.pop()!;
    const mode = modeOf(pkg);
    if (mode === "none") continue;
    for (const d of rdeps.get(pkg) ?? []) if (d !== pkg) visit(d, mode === "transitive");
  }
  return new Set(reached.keys());
}

export interface ChangePlan {
  /** The changed (or asked-for) packages. */
  changed: string[];
  /** Everything that may rebuild, in wave order: the upper bound (early cutoff may stop it sooner). */
  packages: string[];
  /** What can build in parallel, dependencies first. */
  waves: string[][];
  /** Longest chain of known durations through it: the wall time with enough agents. */
  criticalPathMs: number;
  /** Sum of the durations: the wall time on one slot. */
  totalWorkMs: number;
  /** Packages with no known duration (counted at the typical one). */
  unknown: string[];
}

export interface ChangePlanInput {
  rdeps: Edges;
  order: Edges;
  modeOf: (pkg: string) => RebuildMode;
  /** Last known build durations (ms). */
  durations: ReadonlyMap<string, number>;
  /** How far: by rebuild modes (a change), all below (a rebuild with its downstream), or no further. */
  downstream: "modes" | "all" | "none";
}

/** What a change to `changed` (or a manual rebuild of it) would rebuild, in waves, and how long. */
export function planChange(changed: readonly string[], i: ChangePlanInput): ChangePlan {
  const affected =
    i.downstream === "none"
      ? new Set(changed)
      : affectedBy(changed, i.rdeps, i.downstream === "all" ? () => "transitive" : i.modeOf);
  const ws = waves(affected, i.order);
  const known = [...i.durations.values()];
  const typical = known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : 0;
  const duration = (n: string): number => i.durations.get(n) ?? typical;
  const packages = ws.flat();
  return {
    changed: [...changed],
    packages,
    waves: ws,
    criticalPathMs: Math.round(criticalPath(affected, i.order, duration)),
    totalWorkMs: Math.round(packages.reduce((a, n) => a + duration(n), 0)),
    unknown: packages.filter((n) => !i.durations.has(n)),
  };
}
