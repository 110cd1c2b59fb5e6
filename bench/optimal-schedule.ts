// The shortest possible schedule of a small DAG of jobs on `slots` machines, by exhaustive search
// over non-delay schedules (whenever a slot is free and a job is ready, something starts). Only
// for reporting how far Kiln's scheduler is from the best it could have done on a measured run.
import type { Edges } from "../src/core/plan.js";

export function optimalMakespan(
  nodes: ReadonlySet<string>,
  order: Edges,
  duration: (n: string) => number,
  slots: number,
): number {
  const deps = new Map(
    [...nodes].map((n) => [n, [...(order.get(n) ?? [])].filter((d) => d !== n && nodes.has(d))]),
  );
  let best = Infinity;
  const search = (
    t: number,
    done: Set<string>,
    running: { n: string; end: number }[],
    started: Set<string>,
  ): void => {
    if (done.size === nodes.size) {
      best = Math.min(best, t);
      return;
    }
    const ready = [...nodes].filter((n) => !started.has(n) && deps.get(n)!.every((d) => done.has(d)));
    if (running.length < slots && ready.length > 0) {
      for (const n of ready) {
        const next = [...running, { n, end: t + duration(n) }];
        if (Math.max(...next.map((r) => r.end)) >= best) continue;
        search(t, done, next, new Set([...started, n]));
      }
      return;
    }
    if (running.length === 0) return;
    const end = Math.min(...running.map((r) => r.end));
    const finished = running.filter((r) => r.end === end);
    search(
      end,
      new Set([...done, ...finished.map((r) => r.n)]),
      running.filter((r) => r.end !== end),
      started,
    );
  };
  search(0, new Set(), [], new Set());
  return best;
}
