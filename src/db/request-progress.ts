// The queries `kiln build` follows its request by: what it waits for (src/core/approval-hold.ts),
// the approvals `--approve` gives up front, and the requests an earlier `kiln build` left open
// when it was killed (the data directory's lock says that process is gone).
import type { HeldJob } from "../core/approval-hold.js";
import type { Conn } from "./schema.js";
import { fromJson } from "./json-columns.js";

/** The request's jobs and what each waits for, as heldByApproval reads them. */
export async function requestHold(
  db: Conn,
  requestId: number,
): Promise<{ jobs: HeldJob[]; deps: { job: number; dep: number; depStatus: string }[] }> {
  const rows = await db
    .selectFrom("jobs")
    .select(["id", "package", "status", "approval", "approved_at"])
    .where("request_id", "=", requestId)
    .execute();
  const deps = await db
    .selectFrom("job_deps as d")
    .innerJoin("jobs as j", "j.id", "d.job_id")
    .innerJoin("jobs as dj", "dj.id", "d.dep_job_id")
    .select(["d.job_id as job", "d.dep_job_id as dep", "dj.status as depStatus"])
    .where("j.request_id", "=", requestId)
    .execute();
  return {
    jobs: rows.map(({ approval, approved_at, ...r }) => ({
      ...r,
      awaitsApproval: approval !== null && approved_at === null,
    })),
    deps,
  };
}

export async function approveRequest(db: Conn, requestId: number, by: string): Promise<void> {
  const now = new Date().toISOString();
  await db
    .updateTable("jobs")
    .set({ approved_by: by, approved_at: now, updated_at: now })
    .where("request_id", "=", requestId)
    .where("approval", "is not", null)
    .where("approved_at", "is", null)
    .execute();
}

/** Cancels the requests a killed `createdBy` left open, their open jobs and running builds; how many. */
export async function abandonRequests(db: Conn, createdBy: string, why: string): Promise<number> {
  const open = await db
    .selectFrom("requests")
    .select("id")
    .where("status", "=", "active")
    .where("created_by", "=", createdBy)
    .execute();
  if (open.length === 0) return 0;
  const ids = open.map((r) => r.id);
  const now = new Date().toISOString();
  await db.transaction().execute(async (tx) => {
    await tx
      .updateTable("builds")
      .set({ status: "cancelled", error: why, finished_at: now })
      .where("status", "=", "running")
      .where("id", "in", (q) =>
        q
          .selectFrom("jobs")
          .select("build_id")
          .where("request_id", "in", ids)
          .where("build_id", "is not", null),
      )
      .execute();
    await tx
      .updateTable("jobs")
      .set({ status: "cancelled", error: why, lease_expires_at: null, updated_at: now })
      .where("request_id", "in", ids)
      .where("status", "in", ["queued", "leased"])
      .execute();
    await tx
      .updateTable("requests")
      .set({ status: "cancelled", finished_at: now })
      .where("id", "in", ids)
      .execute();
  });
  return ids.length;
}

/** Gives an agent every label the request's jobs ask for: `kiln build`'s agent takes all it is asked. */
export async function setAgentLabels(db: Conn, agentId: number, requestId: number): Promise<void> {
  const rows = await db.selectFrom("jobs").select("labels").where("request_id", "=", requestId).execute();
  const labels: Record<string, string> = {};
  for (const r of rows) Object.assign(labels, fromJson("labels", r.labels, "jobs.labels"));
  await db
    .updateTable("agents")
    .set({ labels: JSON.stringify(labels) })
    .where("id", "=", agentId)
    .execute();
}

export async function buildDurations(db: Conn, ids: number[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (ids.length === 0) return out;
  const rows = await db
    .selectFrom("builds")
    .select(["package", "duration_ms"])
    .where("id", "in", ids)
    .execute();
  for (const r of rows) if (r.duration_ms !== null) out.set(r.package, r.duration_ms);
  return out;
}
