// Leases on queued jobs: renewed by an agent's heartbeat, expired back to the queue by the reaper,
// and given a full timeout again after a server restart.
import type { Conn, JobRow } from "./schema.js";

/** A heartbeat extends the leases the agent still holds; the jobs to stop: cancelled, or lost (requeued). */
export async function renewLeases(
  db: Conn,
  agentId: number,
  held: { job: number; leaseToken: string }[],
  leaseMs: number,
): Promise<{ cancel: number[]; lost: number[] }> {
  const cancel: number[] = [];
  const lost: number[] = [];
  const expires = new Date(Date.now() + leaseMs).toISOString();
  for (const h of held) {
    const r = await db
      .updateTable("jobs")
      .set({ lease_expires_at: expires })
      .where("id", "=", h.job)
      .where("status", "=", "leased")
      .where("agent_id", "=", agentId)
      .where("lease_token", "=", h.leaseToken)
      .returning(["cancel_requested"])
      .executeTakeFirst();
    if (!r) lost.push(h.job);
    else if (r.cancel_requested) cancel.push(h.job);
  }
  return { cancel, lost };
}

/** Leases past their expiry go back to the queue; returns them as they were. */
export async function expireLeases(db: Conn, now = new Date()): Promise<JobRow[]> {
  const expired = await db
    .selectFrom("jobs")
    .selectAll()
    .where("status", "=", "leased")
    .where("lease_expires_at", "<", now.toISOString())
    .execute();
  const requeued: JobRow[] = [];
  for (const j of expired) {
    const r = await db
      .updateTable("jobs")
      .set({
        status: j.cancel_requested ? "cancelled" : "queued",
        agent_id: null,
        lease_token: null,
        lease_expires_at: null,
        error: j.cancel_requested ? "cancelled" : null,
        updated_at: now.toISOString(),
      })
      .where("id", "=", j.id)
      .where("lease_token", "=", j.lease_token)
      .where("status", "=", "leased")
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) > 0) requeued.push(j);
  }
  return requeued;
}

/** After a server restart: every lease gets a full timeout again, for its agent to reconnect. */
export async function graceLeases(db: Conn, leaseMs: number): Promise<number> {
  return extendLeases(db, leaseMs);
}

/** Leases the server holds itself (a publication in progress): extended by its own clock. */
export async function renewServerLeases(db: Conn, jobIds: number[], leaseMs: number): Promise<void> {
  if (jobIds.length > 0) await extendLeases(db, leaseMs, jobIds);
}

async function extendLeases(db: Conn, leaseMs: number, jobIds?: number[]): Promise<number> {
  let q = db
    .updateTable("jobs")
    .set({ lease_expires_at: new Date(Date.now() + leaseMs).toISOString() })
    .where("status", "=", "leased");
  if (jobIds) q = q.where("id", "in", jobIds);
  return Number((await q.executeTakeFirst()).numUpdatedRows);
}

/** The lease, if the job still holds it, stops expiring while the server decides on its agent's result. */
export async function holdLease(db: Conn, jobId: number, leaseToken: string): Promise<void> {
  await db
    .updateTable("jobs")
    .set({ lease_expires_at: null })
    .where("id", "=", jobId)
    .where("lease_token", "=", leaseToken)
    .execute();
}
