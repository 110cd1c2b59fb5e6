// What users do to runs under way: cancel a package's run, and approve a stage that waits for a
// maintainer.
import { finishJob, getJob, approveStage, requestCancel, runJobs } from "../db/jobs.js";
import { closeRequestIfDone } from "../db/requests.js";
import type { JobRow } from "../db/schema.js";
import { ConflictError } from "../util/errors.js";
import { jobOrNotFound } from "./results.js";
import type { Coordinator } from "./coordinator.js";
import { endPackageRun } from "./end-run.js";

/**
 * Cancels a package's run (the jobs of `jobId`'s package in its request): queued jobs at once,
 * leased ones through their agent's next heartbeat (the run ends when they report, or their lease
 * expires); what depends on the package is cancelled too. Says where the job now stands.
 */
export async function cancelJob(ctx: Coordinator, jobId: number): Promise<JobRow["status"]> {
  const db = ctx.db;
  const job = await jobOrNotFound(db, jobId);
  const run = job.command !== null ? [job] : await runJobs(db, job.request_id, job.package);
  const leased = run.filter((j) => j.status === "leased" && j.runs_on === "agent").map((j) => j.id);
  await requestCancel(db, leased);
  // A publication the server holds (parked until what it requires is built) is taken back.
  const publish = run.find((j) => j.runs_on === "server" && j.status === "leased");
  if (publish) {
    await requestCancel(db, [publish.id]);
    await ctx.serverJobs.withdrawCancelled();
  }
  if (job.command === null && leased.length === 0) {
    // A publication that could not be withdrawn (it is being written) keeps its build.
    const publishing = publish !== undefined && (await getJob(db, publish.id))?.status === "leased";
    await endPackageRun(ctx, job, {
      status: "cancelled",
      error: "cancelled",
      leased: "stop",
      ...(publishing ? { build: false as const } : {}),
    });
  } else {
    for (const j of run) if (j.status === "queued") await finishJob(db, j.id, "cancelled", "cancelled");
    await closeRequestIfDone(db, job.request_id);
    await ctx.refreshActive();
    ctx.changed();
  }
  return (await getJob(db, jobId))!.status;
}

/**
 * Approves the stage of `jobId` in its package's run (every job of that stage), for a stage that
 * waits for approval. Returns the stage's jobs.
 */
export async function approve(ctx: Coordinator, jobId: number, by: string): Promise<JobRow[]> {
  const db = ctx.db;
  const job = await jobOrNotFound(db, jobId);
  if (job.approval === null) {
    throw new ConflictError(
      "NO_APPROVAL",
      `job ${jobId} (${job.stage_name}/${job.name}) does not wait for approval`,
    );
  }
  if (job.approved_at !== null) {
    throw new ConflictError(
      "APPROVED",
      `stage ${job.stage_name} of ${job.package} was approved by ${job.approved_by} already`,
    );
  }
  if (job.status !== "queued") {
    throw new ConflictError("NOT_WAITING", `job ${jobId} is ${job.status}: there is nothing to approve`);
  }
  await approveStage(db, { requestId: job.request_id, package: job.package, stage: job.stage }, by);
  ctx.log(`stage ${job.stage_name} of ${job.package} (request ${job.request_id}) approved by ${by}`);
  ctx.changed();
  ctx.kickServerJobs();
  return (await runJobs(db, job.request_id, job.package)).filter((j) => j.stage === job.stage);
}

/**
 * Ends the run of a package that waits for an approval nobody will give (`kiln build` without
 * --approve stops there): its build is cancelled saying so, and what needs it is blocked by it.
 * Undefined when the run waits for nothing of its own (what it needs awaits approval instead).
 */
export async function endAwaitingApproval(
  ctx: Coordinator,
  requestId: number,
  pkg: string,
): Promise<{ build: number | null; stage: string } | undefined> {
  const run = await runJobs(ctx.db, requestId, pkg);
  const waiting = run.find((j) => j.status === "queued" && j.approval !== null && j.approved_at === null);
  if (!waiting) return undefined;
  const why = `stopped before stage ${waiting.stage_name}, which needs approval (kiln build --approve)`;
  const build = run.find((j) => j.build_id !== null)?.build_id ?? null;
  await endPackageRun(
    ctx,
    { request_id: requestId, package: pkg },
    {
      status: "cancelled",
      error: why,
      leased: "stop",
      dependents: { status: "blocked", error: `needs ${pkg}, which awaits approval` },
    },
  );
  return { build, stage: waiting.stage_name };
}
