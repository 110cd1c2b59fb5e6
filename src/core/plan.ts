// Planning over the package graph: what is downstream of a change, what a build needs, in which
// waves things can build, and which build goes next. Pure functions of their inputs.

import { getOrSet } from "./maps.js";

export type Edges = ReadonlyMap<string, ReadonlySet<string>>;

/** Everything reachable from `roots` along `edges`, the roots included. */
export function reachable(
  roots: Iterable<string>,
  edges: { get(n: string): Iterable<string> | undefined },
): Set<string> {
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const m of edges.get(n) ?? []) if (!seen.has(m)) stack.push(m);
  }
  return seen;
}

/** Order `nodes` by an edge set restricted to them (edges point at prerequisites): dependencies first. */
export function topoOrder(nodes: ReadonlySet<string>, order: Edges): string[] {
  return waves(nodes, order).flat();
}

/**
 * Waves: wave 0 holds what needs nothing else in `nodes`; wave k what needs something in wave k-1.
 * Everything in a wave can build in parallel. Nodes on a cycle of `order` (which a valid graph
 * has none of among buildable packages) are left out.
 */
export function waves(nodes: ReadonlySet<string>, order: Edges): string[][] {
  const dependents = dependentsWithin(nodes, order);
  const pending = new Map([...nodes].map((n) => [n, 0]));
  for (const list of dependents.values()) for (const m of list) pending.set(m, pending.get(m)! + 1);
  const out: string[][] = [];
  let current = [...nodes].filter((n) => pending.get(n) === 0).sort();
  while (current.length > 0) {
    out.push(current);
    const next: string[] = [];
    for (const n of current) {
      for (const m of dependents.get(n) ?? []) {
        const left = pending.get(m)! - 1;
        pending.set(m, left);
        if (left === 0) next.push(m);
      }
    }
    current = next.sort();
  }
  return out;
}

/** What needs each node inside `nodes` (an edge to itself left out). */
function dependentsWithin(nodes: ReadonlySet<string>, order: Edges): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const n of nodes) {
    for (const d of order.get(n) ?? []) if (d !== n && nodes.has(d)) getOrSet(out, d, () => []).push(n);
  }
  return out;
}

/**
 * The length of the longest chain of work that still hangs below each node inside `nodes`: its
 * own duration plus the longest of its dependents'. Building the node with the longest remaining
 * chain first keeps the critical path moving.
 */
export function remainingChain(
  nodes: ReadonlySet<string>,
  order: Edges,
  duration: (n: string) => number,
): Map<string, number> {
  const rev = dependentsWithin(nodes, order);
  const chain = new Map<string, number>();
  for (const n of topoOrder(nodes, order).reverse()) {
    let best = 0;
    for (const m of rev.get(n) ?? []) best = Math.max(best, chain.get(m) ?? 0);
    chain.set(n, duration(n) + best);
  }
  return chain;
}

/** The critical path length of `nodes`: the longest chain of durations through them. */
export function criticalPath(
  nodes: ReadonlySet<string>,
  order: Edges,
  duration: (n: string) => number,
): number {
  return [...remainingChain(nodes, order, duration).values()].reduce((a, b) => Math.max(a, b), 0);
}
