// What `kiln build` reports at its end, read off its request as the coordinator left it.
import type { RequestView } from "../api/schemas.js";
import { buildDurations } from "../db/request-progress.js";
import type { Coordinator } from "../coordinator/coordinator.js";

export interface BuildSummary {
  built: string[];
  upToDate: string[];
  /** Rebuilt with an output equivalent to what was published: not published (early cutoff). */
  cutOff: string[];
  /** Stopped before a pipeline stage that needs approval (kiln build --approve runs it). */
  awaitingApproval: string[];
  failed: string[];
  blocked: string[];
  /** Packages whose spec or dependencies are wrong (they could not be planned). */
  invalid: string[];
  cancelled: string[];
  repo: string;
  repoPath: string;
  /** Binary packages that nothing in the set needs: what a user installs. */
  top: string[];
  /** Wall time of the building phase (the request queued, up to the last snapshot written). */
  wallMs: number;
  /** Each build's own time, and the time recording its publication took. */
  durations: Map<string, number>;
  publishMs: Map<string, number>;
  /** Time spent writing repository snapshots, beside the builds. */
  snapshotMs: number;
  /** The last snapshot write, which nothing else overlaps. */
  lastSnapshotMs: number;
  /** Why the repository on disk could not be brought up to date, if it could not. */
  snapshotError?: string;
}

export async function summaryOf(
  farm: Coordinator,
  v: RequestView,
  awaiting: ReadonlyMap<string, unknown>,
  wallMs: number,
): Promise<BuildSummary> {
  const pick = (s: string): string[] =>
    v.packages.filter((p) => p.status === s && !awaiting.has(p.package)).map((p) => p.package);
  const built = pick("green");
  const durations = await buildDurations(
    farm.ws.db,
    v.packages.flatMap((p) => (p.build !== null ? [p.build] : [])),
  );
  const g = farm.graph.graph;
  const publisher = farm.publisher;
  return {
    built,
    upToDate: [...v.upToDate, ...pick("up-to-date")],
    cutOff: pick("cut-off"),
    awaitingApproval: [...awaiting.keys()],
    failed: pick("failed"),
    blocked: pick("blocked"),
    invalid: pick("invalid"),
    cancelled: pick("cancelled"),
    repo: farm.repo,
    repoPath: farm.ws.data.repoPath(farm.repo),
    top: g.names
      .filter((n) => (g.rdeps.get(n)?.size ?? 0) === 0 && g.packages.has(n))
      .map((n) => g.packages.get(n)!.binaries.find((b) => b.name === n)?.name ?? n)
      .sort(),
    wallMs,
    durations,
    publishMs: publisher.recordMs,
    snapshotMs: publisher.snapshotMs,
    lastSnapshotMs: publisher.lastSnapshotMs,
    ...(publisher.snapshotError !== undefined ? { snapshotError: publisher.snapshotError } : {}),
  };
}
