// The one way a package's run ends, whatever ended it: up to date or unable to build when its first
// job was leased, a failed, cancelled or refused result, its publication done, cut off, refused or
// withdrawn, a cancel, a cancelled job's lease expiring. The run's jobs that have not ended end with
// it, its build is finished if it is still running, and what depends on the package is settled.
import { finishRunningBuild } from "../db/builds.js";
import { finishJob, requestCancel, runJobs, settleDependents } from "../db/jobs.js";
import { closeRequestIfDone } from "../db/requests.js";
import type { BuildStatus, JobRow } from "../db/schema.js";
import type { Coordinator } from "./coordinator.js";

export interface RunEnd {
  /**
   * How the run ended: what its jobs not ended yet become. What depends on the package is blocked
   * when it failed, cancelled when it was, and may start otherwise (its output is published, or
   * nothing new had to be).
   */
  status: "up-to-date" | "green" | "cut-off" | "failed" | "cancelled";
  /** What the run's jobs not ended yet say (null when it ended well). */
  error: string | null;
  /** The job whose end ends the run (a result, a publication): ended first, under its lease. */
  by?: {
    job: JobRow;
    /** Its own error, when it is not the run's. */
    error?: string | null;
    /** false: ended whatever lease it holds now (a publication withdrawn). */
    underLease?: boolean;
  };
  /**
   * Jobs of the run leased to agents: asked to stop (the run's build is under way on them), or
   * ended with the run (decided before any work was handed out: at lease time).
   */
  leased: "stop" | "end";
  /**
   * The run's build, when it is still running: its time and error (by default 0 and `error`);
   * false: left as it is (a publication being written, which ends it).
   */
  build?: { ms?: number; error?: string | null; sameOutputAs?: number | null } | false;
  /** What depends on the package becomes, when not what `status` says (blocked by an approval). */
  dependents?: { status: "blocked" | "cancelled"; error: string };
}

/** What a build becomes when its run ends this way. */
const BUILD_STATUS: Record<RunEnd["status"], Exclude<BuildStatus, "running">> = {
  green: "green",
  "cut-off": "green",
  failed: "failed",
  cancelled: "cancelled",
  "up-to-date": "cancelled",
};

export async function endPackageRun(
  ctx: Pick<Coordinator, "db" | "refreshActive" | "changed">,
  of: Pick<JobRow, "request_id" | "package">,
  end: RunEnd,
): Promise<void> {
  const db = ctx.db;
  if (end.by) {
    const { job, error = end.error, underLease = true } = end.by;
    await finishJob(db, job.id, end.status, error, underLease ? job.lease_token! : undefined);
  }
  const run = await runJobs(db, of.request_id, of.package);
  const stop: number[] = [];
  for (const j of run) {
    if (j.status === "queued") await finishJob(db, j.id, end.status, end.error);
    else if (j.status === "leased" && end.leased === "end") {
      await finishJob(db, j.id, end.status, end.error, j.lease_token ?? undefined);
    } else if (j.status === "leased" && j.runs_on === "agent") stop.push(j.id);
  }
  await requestCancel(db, stop);
  const buildId = (end.by?.job ?? run.find((j) => j.build_id !== null))?.build_id ?? null;
  if (buildId !== null && end.build !== false) {
    const b = end.build ?? {};
    await finishRunningBuild(
      db,
      buildId,
      BUILD_STATUS[end.status],
      b.ms ?? 0,
      b.error === undefined ? end.error : b.error,
      b.sameOutputAs ?? null,
    );
  }
  const publish = run.find((j) => j.runs_on === "server");
  const dependents =
    end.dependents ??
    (end.status === "failed"
      ? { status: "blocked" as const, error: `needs ${of.package}, which cannot build` }
      : end.status === "cancelled"
        ? { status: "cancelled" as const, error: `${of.package} was cancelled` }
        : undefined);
  if (publish && dependents) await settleDependents(db, publish.id, dependents.status, dependents.error);
  await closeRequestIfDone(db, of.request_id);
  await ctx.refreshActive();
  ctx.changed();
}

/** A run ended at lease time, before any of its work was handed out: failed, saying why. */
export function failAtLease(
  ctx: Parameters<typeof endPackageRun>[0],
  of: JobRow,
  error: string,
): Promise<void> {
  return endPackageRun(ctx, of, { status: "failed", error, leased: "end" });
}
