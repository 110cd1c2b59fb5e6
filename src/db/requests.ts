// Requests: what a user, a commit or a rebuild asked for, inserted with all their jobs in one
// transaction, and closed once none of their jobs is left to run.
import { sql } from "kysely";
import type { RequestCause } from "../api/schemas.js";
import type { SandboxMode } from "../core/sandbox-policy.js";
import type { Conn, JobStatus, RequestRow } from "./schema.js";

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
  definition?: string;
  approval?: "manual";
  runsOn?: "agent" | "server";
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
    /** Runs first in the transaction; false (another server took the trigger): ClaimLostError. */
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
          error: j.final?.error ?? null,
          created_at: now,
          updated_at: now,
          stage: j.stage ?? 0,
          stage_name: j.stageName ?? "",
          name: j.name ?? "",
          definition: j.definition ?? null,
          approval: j.approval ?? null,
          runs_on: j.runsOn ?? "agent",
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

export async function getRequest(db: Conn, id: number): Promise<RequestRow | undefined> {
  return db.selectFrom("requests").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Marks a request cancelled (its jobs are cancelled one by one by the caller). */
export async function markRequestCancelled(db: Conn, id: number): Promise<void> {
  await db.updateTable("requests").set({ status: "cancelled" }).where("id", "=", id).execute();
}

/** The jobs of a request still queued or leased, newest first. */
export async function openJobIds(db: Conn, requestId: number): Promise<number[]> {
  const rows = await db
    .selectFrom("jobs")
    .select("id")
    .where("request_id", "=", requestId)
    .where("status", "in", ["queued", "leased"])
    .orderBy("id", "desc")
    .execute();
  return rows.map((r) => r.id);
}
