// Whether a request can go on by itself, or only once a maintainer approves a stage: the rule
// `kiln build` stops by (without --approve, a pipeline's approval stage ends the run there).
import { DONE_STATUSES } from "./status.js";

export interface HeldJob {
  id: number;
  package: string;
  status: string;
  /** Its stage waits for approval, and none was given. */
  awaitsApproval: boolean;
}

/**
 * The packages whose run waits for an approval, when nothing else in the request can move: no
 * job under way, and every queued job waits (itself, or through what it needs) for an approval.
 * Named are those for which the approval is all they wait for (not those waiting for them).
 * Empty while anything can still move, or when nothing waits for an approval at all. A job that
 * waits for a job outside `jobs` that has not ended can still move.
 */
export function heldByApproval(
  jobs: readonly HeldJob[],
  deps: readonly { job: number; dep: number; depStatus: string }[],
): string[] {
  if (jobs.some((j) => j.status === "leased")) return [];
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const needs = new Map<number, { dep: number; depStatus: string }[]>();
  for (const d of deps) needs.set(d.job, [...(needs.get(d.job) ?? []), d]);
  const held = new Map<number, boolean>();
  const isHeld = (id: number, path: Set<number>): boolean => {
    const known = held.get(id);
    if (known !== undefined) return known;
    const j = byId.get(id)!;
    let h = j.awaitsApproval;
    if (!h) {
      const open = (needs.get(id) ?? []).filter((d) => !DONE_STATUSES.has(d.depStatus));
      // Ready (nothing open) or waiting for something outside: it can move.
      h =
        open.length > 0 &&
        open.every((d) => {
          const dj = byId.get(d.dep);
          return (
            dj !== undefined &&
            dj.status === "queued" &&
            !path.has(d.dep) &&
            isHeld(d.dep, new Set([...path, d.dep]))
          );
        });
    }
    held.set(id, h);
    return h;
  };
  const queued = jobs.filter((j) => j.status === "queued");
  if (queued.length === 0 || !queued.every((j) => isHeld(j.id, new Set([j.id])))) return [];
  // Those whose approval is all they wait for; the rest wait for them.
  const ready = (j: HeldJob): boolean => (needs.get(j.id) ?? []).every((d) => DONE_STATUSES.has(d.depStatus));
  return [...new Set(queued.filter((j) => j.awaitsApproval && ready(j)).map((j) => j.package))].sort();
}
