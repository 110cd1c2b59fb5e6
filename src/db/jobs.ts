// The durable job queue: requests, their jobs and what each waits for, and leases. Every state
// change is one conditional UPDATE, so that several servers on one PostgreSQL database (or a
// server and a late agent) can never both win: a job is leased only if it is still queued, and a
// result counts only if it carries the job's current lease token.
import { randomUUID } from "node:crypto";
import { sql, type Kysely } from "kysely";
import type { RequestCause } from "../api/schemas.js";
import { DONE_STATUSES } from "../core/status.js";
import type { SandboxMode } from "../core/sandbox-policy.js";
import type { DialectKind } from "./dialect.js";
import type { Database, JobRow, JobStatus } from "./schema.js";

type Conn = Kysely<Database>;

/** A job whose dependents may start (for SQL: a list, not a set). */
const DONE = [...DONE_STATUSES] as JobStatus[];

/** A trigger another server (or an earlier run) acted on already: nothing was queued. */
export class ClaimLostError extends Error {
  override readonly name = "ClaimLostError";
}

export interface NewJob {
  /** Unique within the request; what `needs` names. */
  key: string;
  package: string;
  command?: string;
  reason: string;
  labels: Record<string, string>;
  priority: number;
  stage?: number;
  stageName?: string;
  name?: string;
  /** JSON of the JobDef it runs. */
  definition?: string;
  approval?: "manual";
  runsOn?: "agent" | "server";
  /** The sandbox mode it asks for: the farm's, or "off" (an admin's unsandboxed command). */
  sandbox?: SandboxMode;
  /** Keys of jobs of this request it needs first. */
  needs: string[];
  /** Jobs of earlier requests, still under way, it needs first. */
  needsJobs: number[];
  /** Created already final (blocked, failed) with this error. */
  final?: { status: JobStatus; error: string };
}

export async function insertRequest(
  db: Conn,
  r: {
    targets: string[];
    forced: string[];
    createdBy: string;
    upToDate: string[];
    jobs: NewJob[];
    cause?: RequestCause;
    /**
     * Runs first in the same transaction; when it says no, nothing is inserted and ClaimLostError
     * is thrown (another server took the same trigger first).
     */
    claim?: (tx: Conn) => Promise<boolean>;
  },
): Promise<{ id: number; jobs: Map<string, number> }> {
  const now = new Date().toISOString();
  return db.transaction().execute(async (tx) => {
    if (r.claim && !(await r.claim(tx))) throw new ClaimLostError();
    const { id } = await tx
      .insertInto("requests")
      .values({
        targets: JSON.stringify(r.targets),
        forced: JSON.stringify(r.forced),
        cause: r.cause ? JSON.stringify(r.cause) : null,
        up_to_date: JSON.stringify(r.upToDate),
        status: r.jobs.some((j) => !j.final) ? "active" : "done",
        created_by: r.createdBy,
        created_at: now,
        finished_at: r.jobs.some((j) => !j.final) ? null : now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const ids = new Map<string, number>();
    for (const j of r.jobs) {
      const row = await tx
        .insertInto("jobs")
        .values({
          request_id: id,
          package: j.package,
          command: j.command ?? null,
          status: j.final?.status ?? "queued",
          reason: j.reason,
          labels: JSON.stringify(j.labels),
          priority: Math.round(j.priority),
          build_id: null,
          agent_id: null,
          lease_token: null,
          lease_expires_at: null,
          cancel_requested: 0,
          attempts: 0,
          error: j.final?.error ?? null,
          created_at: now,
          updated_at: now,
          stage: j.stage ?? 0,
          stage_name: j.stageName ?? "",
          name: j.name ?? "",
          definition: j.definition ?? null,
          approval: j.approval ?? null,
          approved_by: null,
          approved_at: null,
          runs_on: j.runsOn ?? "agent",
          steps: null,
          sandbox: j.sandbox ?? null,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      ids.set(j.key, row.id);
    }
    const deps = r.jobs.flatMap((j) => [
      ...j.needs.map((n) => ({ job_id: ids.get(j.key)!, dep_job_id: ids.get(n)! })),
      ...j.needsJobs.map((d) => ({ job_id: ids.get(j.key)!, dep_job_id: d })),
    ]);
    for (let i = 0; i < deps.length; i += 500) {
      await tx
        .insertInto("job_deps")
        .values(deps.slice(i, i + 500))
        .execute();
    }
    return { id, jobs: ids };
  });
}

/**
 * The packages with a build under way, each with the job that publishes it (what another request's
 * jobs wait for); the newest when there are several.
 */
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

/**
 * Ready jobs (queued, every job they need done), best first: the longest chain below first, then
 * the oldest. Read without locks: `lockFirst` then takes one of them.
 */
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

/**
 * Leases `job` to an agent (or, with a null agent, to the server itself) if it is still queued;
 * undefined when someone else took it first.
 */
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

/**
 * Ends a job. With `leaseToken`, only if it still holds that lease (a result from an expired lease
 * changes nothing). Says whether it changed the job.
 */
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

/** Marks the request done once none of its jobs is queued or leased. */
export async function closeRequestIfDone(db: Conn, requestId: number): Promise<boolean> {
  const open = await db
    .selectFrom("jobs")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("request_id", "=", requestId)
    .where("status", "in", ["queued", "leased"])
    .executeTakeFirstOrThrow();
  if (Number(open.n) > 0) return false;
  const r = await db
    .updateTable("requests")
    .set({
      status: sql`case when status = 'cancelled' then 'cancelled' else 'done' end`,
      finished_at: new Date().toISOString(),
    })
    .where("id", "=", requestId)
    .where("finished_at", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export interface DepState {
  package: string;
  status: JobStatus;
  agent_id: number | null;
  stage_name: string;
  name: string;
  request_id: number;
}

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
