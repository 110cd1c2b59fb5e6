// What an agent uploaded for a job, under one lease: a result may name only these files.
import type { Conn } from "./schema.js";

export const MAX_UPLOADS_PER_LEASE = 2000;

/** Records an upload under a lease (a repeated upload of a name replaces the first). */
export async function recordUpload(
  db: Conn,
  u: { jobId: number; leaseToken: string; filename: string; sha256: string; size: number },
): Promise<void> {
  await db
    .insertInto("job_uploads")
    .values({
      job_id: u.jobId,
      lease_token: u.leaseToken,
      filename: u.filename,
      sha256: u.sha256,
      size: u.size,
      created_at: new Date().toISOString(),
    })
    .onConflict((oc) =>
      oc.columns(["job_id", "lease_token", "filename"]).doUpdateSet({ sha256: u.sha256, size: u.size }),
    )
    .execute();
}

export async function uploadCount(db: Conn, jobId: number, leaseToken: string): Promise<number> {
  const r = await db
    .selectFrom("job_uploads")
    .select((e) => e.fn.countAll<number>().as("n"))
    .where("job_id", "=", jobId)
    .where("lease_token", "=", leaseToken)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** The files uploaded for a job under a lease: file name → sha256. */
export async function uploadsOf(db: Conn, jobId: number, leaseToken: string): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom("job_uploads")
    .select(["filename", "sha256"])
    .where("job_id", "=", jobId)
    .where("lease_token", "=", leaseToken)
    .execute();
  return new Map(rows.map((u) => [u.filename, u.sha256]));
}
