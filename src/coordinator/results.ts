// What an agent reports: a command's end, or a pipeline job's result — its artifacts checked and
// recorded, the job green; a failed, cancelled or refused result ends the package's run.
import type { Kysely } from "kysely";
import type { z } from "zod";
import type { ResultBody, ResultResponse } from "../api/schemas.js";
import type { ArtifactStore } from "../artifacts/store.js";
import { getBuild, replaceJobArtifacts, setBuildSteps } from "../db/builds.js";
import { finishJob, getJob, runJobs, setJobSteps } from "../db/jobs.js";
import { holdLease } from "../db/leases.js";
import { closeRequestIfDone } from "../db/requests.js";
import type { AgentRow, Database, JobRow, NewArtifact } from "../db/schema.js";
import { agentName } from "../db/tokens.js";
import { sha256File } from "../util/hash.js";
import { ConflictError, NotFoundError, RefusedError } from "../util/errors.js";
import type { Coordinator } from "./coordinator.js";
import { endPackageRun } from "./end-run.js";
import { artifactRows, ResultRefusedError } from "./result-artifacts.js";
import { jobDefinition } from "../db/json-columns.js";

export type ResultOutcome = z.infer<typeof ResultResponse>;

/** Results being decided, by job: a repeated report waits for the first and is answered the same. */
export type Finishing = Map<number, Promise<ResultOutcome>>;

export async function jobOrNotFound(db: Kysely<Database>, jobId: number): Promise<JobRow> {
  const job = await getJob(db, jobId);
  if (!job) throw new NotFoundError("NOT_FOUND", `no job ${jobId}`);
  return job;
}

/** The job an agent may act on with this lease token, or the reason it may not. */
export async function leasedJob(
  ctx: Pick<Coordinator, "db">,
  agent: AgentRow,
  jobId: number,
  leaseToken: string,
): Promise<JobRow> {
  const job = await jobOrNotFound(ctx.db, jobId);
  if (job.agent_id !== agent.id || job.lease_token !== leaseToken || job.status !== "leased") {
    throw new ConflictError(
      "LEASE_LOST",
      `job ${jobId} is not leased to this agent under that lease (it is ${job.status}${job.status === "queued" ? ": its lease expired and it was requeued" : ""})`,
    );
  }
  return job;
}

export async function result(
  ctx: Coordinator,
  finishing: Finishing,
  agent: AgentRow,
  jobId: number,
  body: ResultBody,
): Promise<ResultOutcome> {
  const job = await jobOrNotFound(ctx.db, jobId);
  // A retried report of a result already taken: harmless, answered the same way.
  if (job.lease_token === body.leaseToken && job.agent_id === agent.id && job.status !== "leased") {
    return { status: job.status, duplicate: true };
  }
  const inFlight = finishing.get(jobId);
  if (inFlight && job.lease_token === body.leaseToken) return { ...(await inFlight), duplicate: true };
  await leasedJob(ctx, agent, jobId, body.leaseToken);
  const p =
    job.command !== null
      ? finished(ctx, job, body.ok ? "green" : body.cancelled ? "cancelled" : "failed", body.error)
      : takeResult(ctx, agent, job, body);
  finishing.set(jobId, p);
  try {
    return await p;
  } finally {
    finishing.delete(jobId);
  }
}

/** The job ends under its lease (a failure saying `error`, "failed" when none was given). */
async function finished(
  ctx: Coordinator,
  job: JobRow,
  status: "green" | "cancelled" | "failed",
  error?: string | null,
): Promise<ResultOutcome> {
  await finishJob(ctx.db, job.id, status, status === "green" ? null : (error ?? "failed"), job.lease_token!);
  await closeRequestIfDone(ctx.db, job.request_id);
  ctx.changed();
  return { status, duplicate: false };
}

async function takeResult(
  ctx: Coordinator,
  agent: AgentRow,
  job: JobRow,
  body: ResultBody,
): Promise<ResultOutcome> {
  const { ws, db } = ctx;
  const buildId = job.build_id!;
  await checkStored(ws.store, body.artifacts);
  // Until it is decided, the lease does not expire (the agent has finished and stops renewing).
  await holdLease(db, job.id, job.lease_token!);
  const isBuild = jobDefinition(job.definition!).steps.some((s) => s.kind === "rpmbuild");
  let rows: NewArtifact[];
  try {
    rows = await artifactRows(ws, job, (await getBuild(db, buildId))?.evr, isBuild, body.artifacts);
  } catch (e) {
    if (!(e instanceof ResultRefusedError)) throw e;
    const error = `the result of agent ${(await agentName(db, agent.id)) ?? agent.id} was refused: ${e.message}`;
    ctx.log(`job ${job.id} (${job.package}): ${error}`);
    await failRun(ctx, job, { cancelled: false, error, durationMs: body.durationMs });
    throw new RefusedError("RESULT_REFUSED", e.message);
  }
  await db.transaction().execute(async (tx) => {
    // A job run again (its first agent was lost) replaces what it made the first time.
    await replaceJobArtifacts(tx, buildId, job.id, rows);
    await setJobSteps(tx, job.id, JSON.stringify(body.steps));
    if (isBuild) await setBuildSteps(tx, buildId, body.steps, body.sandbox || undefined);
  });
  if (body.ok && isBuild && !rows.some((r) => r.kind === "rpm")) {
    body = { ...body, ok: false, error: "the agent reported success but uploaded no binary RPM" };
  }
  if (!body.ok) return failRun(ctx, job, body);
  const outcome = await finished(ctx, job, "green");
  ctx.kickServerJobs();
  return outcome;
}

/** Every artifact named is in the store with its checksum (verified on upload; again here: disks rot). */
async function checkStored(store: ArtifactStore, artifacts: ResultBody["artifacts"]): Promise<void> {
  for (const a of artifacts) {
    if (!(await store.has(a.sha256))) {
      throw new RefusedError("ARTIFACT_MISSING", `artifact ${a.filename} (${a.sha256}) was not uploaded`);
    }
    if ((await sha256File(store.path(a.sha256))) !== a.sha256) {
      throw new RefusedError("CHECKSUM", `stored ${a.filename} does not match its sha256: upload it again`);
    }
  }
}

/** A job of a package's run failed (or was cancelled): the run ends, what depends on it is blocked. */
async function failRun(
  ctx: Coordinator,
  job: JobRow,
  body: Pick<ResultBody, "cancelled" | "error" | "durationMs">,
): Promise<ResultOutcome> {
  const status = body.cancelled ? "cancelled" : "failed";
  const error = body.cancelled ? "cancelled" : (body.error ?? "failed");
  const where = `${job.stage_name}/${job.name}`;
  // The error of the build is the job's, named by stage and job when the pipeline has others.
  const agentJobs = (await runJobs(ctx.db, job.request_id, job.package)).filter(
    (j) => j.runs_on === "agent",
  ).length;
  await endPackageRun(ctx, job, {
    status,
    error: `${where} ${body.cancelled ? "was cancelled" : "failed"}`,
    by: { job, error },
    leased: "stop",
    build: { ms: body.durationMs, error: agentJobs > 1 ? `${where}: ${error}` : error },
  });
  return { status, duplicate: false };
}
