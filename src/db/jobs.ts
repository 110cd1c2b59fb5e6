// The durable job queue: the jobs of requests and what each waits for, and leases. Every state
// change is one conditional UPDATE, so that several servers on one PostgreSQL database (or a
// server and a late agent) can never both win: a job is leased only if it is still queued, and a
// result counts only if it carries the job's current lease token.
import { randomUUID } from "node:crypto";
import { DONE_STATUSES } from "../core/status.js";
import type { DialectKind } from "./dialect.js";
import type { Conn, JobRow, JobStatus } from "./schema.js";

/** A job whose dependents may start (for SQL: a list, not a set). */
const DONE = [...DONE_STATUSES] as JobStatus[];

/** Package → the newest job under way that publishes it (what other requests' jobs wait for). */
export async function activeJobs(db: Conn): Promise<Map<string, JobRow>> {
  const rows = await db
    .selectFrom("jobs")
    .selectAll()
    .where("status", "in", ["queued", "leased"])
    .where("runs_on", "=", "server")
    .orderBy("id")
    .execute();
  return new Map(rows.map((r) => [r.package, r]));
}

/** The jobs of one package's pipeline run in a request, in stage order. */
export async function runJobs(db: Conn, requestId: number, pkg: string): Promise<JobRow[]> {
  return db
    .selectFrom("jobs")
    .selectAll()
    .where("request_id", "=", requestId)
    .where("package", "=", pkg)
    .orderBy("stage")
    .orderBy("id")
    .execute();
}

/** Queued jobs with all they need done, longest chain then oldest first; unlocked (`lockFirst` takes one). */
export async function readyJobs(
  db: Conn,
  limit: number,
  runsOn: "agent" | "server" = "agent",
): Promise<JobRow[]> {
  return (
    db
      .selectFrom("jobs as j")
      .selectAll("j")
      .where("j.status", "=", "queued")
      .where("j.runs_on", "=", runsOn)
      // A stage that waits for approval has none of its jobs ready until a maintainer gives it.
      .where((eb) => eb.or([eb("j.approval", "is", null), eb("j.approved_at", "is not", null)]))
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom("job_deps as d")
              .innerJoin("jobs as dj", "dj.id", "d.dep_job_id")
              .select("d.job_id")
              .whereRef("d.job_id", "=", "j.id")
              .where("dj.status", "not in", DONE),
          ),
        ),
      )
      .orderBy("j.priority", "desc")
      .orderBy("j.id")
      .limit(limit)
      .execute()
  );
}

/**
 * The best of `candidates` that is still queued, locked for this transaction. On PostgreSQL a row
 * another server is claiming is skipped, not waited for (FOR UPDATE SKIP LOCKED), and only the one
 * row taken is locked; SQLite's writers are serialized already.
 */
export async function lockFirst(
  db: Conn,
  kind: DialectKind,
  candidates: number[],
): Promise<number | undefined> {
  if (candidates.length === 0) return undefined;
  let q = db
    .selectFrom("jobs")
    .select("id")
    .where("id", "in", candidates)
    .where("status", "=", "queued")
    .orderBy("priority", "desc")
    .orderBy("id")
    .limit(1);
  if (kind === "postgres") q = q.forUpdate().skipLocked();
  return (await q.executeTakeFirst())?.id;
}

/** Leases a still queued job to an agent (null: the server itself); undefined if another took it first. */
export async function claimJob(
  db: Conn,
  jobId: number,
  agentId: number | null,
  leaseMs: number,
): Promise<JobRow | undefined> {
  const now = new Date();
  return db
    .updateTable("jobs")
    .set((eb) => ({
      status: "leased",
      agent_id: agentId,
      lease_token: randomUUID(),
      lease_expires_at: new Date(now.getTime() + leaseMs).toISOString(),
      attempts: eb("attempts", "+", 1),
      updated_at: now.toISOString(),
    }))
    .where("id", "=", jobId)
    .where("status", "=", "queued")
    .returningAll()
    .executeTakeFirst();
}

export async function getJob(db: Conn, id: number): Promise<JobRow | undefined> {
  return db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Ends an open job (with `leaseToken`, only under it: a stale result changes nothing); says if it did. */
export async function finishJob(
  db: Conn,
  jobId: number,
  status: JobStatus,
  error: string | null,
  leaseToken?: string,
): Promise<boolean> {
  let q = db
    .updateTable("jobs")
    .set({ status, error, lease_expires_at: null, updated_at: new Date().toISOString() })
    .where("id", "=", jobId)
    .where("status", "in", ["queued", "leased"]);
  if (leaseToken !== undefined) q = q.where("lease_token", "=", leaseToken);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Every job still queued that needs `jobId`, directly or not: blocked (or cancelled) with it. */
export async function settleDependents(
  db: Conn,
  jobId: number,
  status: "blocked" | "cancelled",
  error: string,
): Promise<string[]> {
  const settled: string[] = [];
  let frontier = [jobId];
  const seen = new Set(frontier);
  while (frontier.length > 0) {
    const next = await db
      .selectFrom("job_deps as d")
      .innerJoin("jobs as j", "j.id", "d.job_id")
      .select(["j.id", "j.package", "j.status"])
      .where("d.dep_job_id", "in", frontier)
      .execute();
    frontier = [];
    for (const j of next) {
      if (seen.has(j.id)) continue;
      seen.add(j.id);
      frontier.push(j.id);
      if (j.status === "queued" && (await finishJob(db, j.id, status, error))) settled.push(j.package);
    }
  }
  return settled;
}

type DepState = Pick<JobRow, "package" | "status" | "agent_id" | "stage_name" | "name" | "request_id">;

/** Jobs the given jobs need, with their state (for saying why they wait). */
export async function depsOf(db: Conn, jobIds: number[]): Promise<Map<number, DepState[]>> {
  const out = new Map<number, DepState[]>();
  for (let i = 0; i < jobIds.length; i += 500) {
    const rows = await db
      .selectFrom("job_deps as d")
      .innerJoin("jobs as j", "j.id", "d.dep_job_id")
      .select(["d.job_id", "j.package", "j.status", "j.agent_id", "j.stage_name", "j.name", "j.request_id"])
      .where("d.job_id", "in", jobIds.slice(i, i + 500))
      .execute();
    for (const r of rows) out.set(r.job_id, [...(out.get(r.job_id) ?? []), r]);
  }
  return out;
}

/** The jobs a job needs that ended green with a build (what published new output before it). */
export async function greenUpstream(db: Conn, jobId: number): Promise<{ package: string; build: number }[]> {
  const rows = await db
    .selectFrom("job_deps as d")
    .innerJoin("jobs as j", "j.id", "d.dep_job_id")
    .select(["j.package", "j.build_id"])
    .where("d.job_id", "=", jobId)
    .where("j.status", "=", "green")
    .where("j.build_id", "is not", null)
    .orderBy("j.package")
    .execute();
  return rows.map((r) => ({ package: r.package, build: r.build_id! }));
}

/** Makes `buildId` the run's build unless another first job, leased at once, gave it one; says if it did. */
export async function attachBuild(
  db: Conn,
  run: { requestId: number; package: string },
  buildId: number,
  reason: string,
): Promise<boolean> {
  const r = await db
    .updateTable("jobs")
    .set({ build_id: buildId, reason, updated_at: new Date().toISOString() })
    .where("request_id", "=", run.requestId)
    .where("package", "=", run.package)
    .where("build_id", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** The run has no build any more (it was lost): the next lease of its first job starts one. */
export async function detachBuild(db: Conn, run: { requestId: number; package: string }): Promise<void> {
  await db
    .updateTable("jobs")
    .set({ build_id: null })
    .where("request_id", "=", run.requestId)
    .where("package", "=", run.package)
    .execute();
}

/** Asks the holders of these jobs' leases to stop them (their next heartbeat says so). */
export async function requestCancel(db: Conn, jobIds: number[]): Promise<void> {
  if (jobIds.length === 0) return;
  await db.updateTable("jobs").set({ cancel_requested: 1 }).where("id", "in", jobIds).execute();
}

export async function cancelStates(
  db: Conn,
  jobIds: number[],
): Promise<Pick<JobRow, "id" | "cancel_requested" | "status">[]> {
  if (jobIds.length === 0) return [];
  return db
    .selectFrom("jobs")
    .select(["id", "cancel_requested", "status"])
    .where("id", "in", jobIds)
    .execute();
}

/** Approves one stage of a package's run (every job of it not approved yet). */
export async function approveStage(
  db: Conn,
  run: { requestId: number; package: string; stage: number },
  by: string,
): Promise<void> {
  const now = new Date().toISOString();
  await db
    .updateTable("jobs")
    .set({ approved_by: by, approved_at: now, updated_at: now })
    .where("request_id", "=", run.requestId)
    .where("package", "=", run.package)
    .where("stage", "=", run.stage)
    .where("approved_at", "is", null)
    .execute();
}

export async function setJobSteps(db: Conn, jobId: number, steps: string): Promise<void> {
  await db.updateTable("jobs").set({ steps }).where("id", "=", jobId).execute();
}
