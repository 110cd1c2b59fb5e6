// The farm's health checks: each check's state now, and each change of state as its history.
import type { CheckResult, DiskReport, HealthState } from "../core/health.js";
import { agentDiskKey, changedStates } from "../core/health.js";
import { readyJobs } from "./jobs.js";
import type { AgentRow, Conn, HealthChecksTable, JobRow } from "./schema.js";
import type { Selectable } from "kysely";
import { fromJsonOrNull } from "./json-columns.js";

export type HealthCheckRow = Selectable<HealthChecksTable>;

export async function healthChecks(db: Conn): Promise<HealthCheckRow[]> {
  return db.selectFrom("health_checks").selectAll().orderBy("key").execute();
}

/** The last `limit` changes of state, newest first, of one check or of all. */
export async function healthEvents(db: Conn, limit: number, key?: string) {
  let q = db.selectFrom("health_events").selectAll().orderBy("id", "desc").limit(limit);
  if (key !== undefined) q = q.where("key", "=", key);
  return q.execute();
}

/**
 * Records one round of checks: every result's state, and an event for each that changed (a new
 * check counts). Checks in the round's `scope` that it did not give any more are dropped.
 * Returns the results that changed.
 */
export async function recordChecks(
  db: Conn,
  results: readonly CheckResult[],
  now: Date,
  scope: (key: string) => boolean,
): Promise<CheckResult[]> {
  const at = now.toISOString();
  return db.transaction().execute(async (tx) => {
    const rows = await tx.selectFrom("health_checks").select(["key", "state"]).execute();
    const recorded = new Map<string, HealthState>(rows.map((r) => [r.key, r.state]));
    const changed = changedStates(recorded, results);
    const moved = new Set(changed.map((c) => c.key));
    for (const r of results) {
      const row = { subject: r.subject, state: r.state, sentence: r.sentence, checked_at: at };
      await tx
        .insertInto("health_checks")
        .values({ key: r.key, since: at, ...row })
        .onConflict((oc) => oc.column("key").doUpdateSet(moved.has(r.key) ? { ...row, since: at } : row))
        .execute();
    }
    for (const c of changed)
      await tx
        .insertInto("health_events")
        .values({ key: c.key, at, state: c.state, sentence: c.sentence })
        .execute();
    const gone = rows.map((r) => r.key).filter((k) => scope(k) && !results.some((r) => r.key === k));
    if (gone.length) await tx.deleteFrom("health_checks").where("key", "in", gone).execute();
    return changed;
  });
}

export async function setAgentDisk(db: Conn, agentId: number, disk: DiskReport): Promise<void> {
  await db
    .updateTable("agents")
    .set({ disk: JSON.stringify(disk) })
    .where("id", "=", agentId)
    .execute();
}

/** The agent's work directory as its last heartbeat reported it; null before one. */
export function agentDisk(agent: Pick<AgentRow, "disk">): DiskReport | null {
  return fromJsonOrNull("agentDisk", agent.disk, "agents.disk");
}

/** Why the agent takes no jobs now (its disk check failing), or undefined. */
export async function agentRefusal(db: Conn, agent: string): Promise<string | undefined> {
  const row = await db
    .selectFrom("health_checks")
    .select(["state", "sentence"])
    .where("key", "=", agentDiskKey(agent))
    .executeTakeFirst();
  return row?.state === "failing" ? row.sentence : undefined;
}

/** The agent jobs ready now (at most `limit`), each with when it became ready. */
export async function readyJobsSince(
  db: Conn,
  limit: number,
): Promise<{ job: JobRow; readySinceMs: number }[]> {
  const jobs = await readyJobs(db, limit);
  if (jobs.length === 0) return [];
  const ends = await db
    .selectFrom("job_deps as d")
    .innerJoin("jobs as dj", "dj.id", "d.dep_job_id")
    .select(["d.job_id", (eb) => eb.fn.max("dj.updated_at").as("ended")])
    .where(
      "d.job_id",
      "in",
      jobs.map((j) => j.id),
    )
    .groupBy("d.job_id")
    .execute();
  const ended = new Map(ends.map((e) => [e.job_id, Date.parse(String(e.ended))]));
  return jobs.map((job) => ({
    job,
    readySinceMs: Math.max(Date.parse(job.created_at), ended.get(job.id) ?? 0),
  }));
}
