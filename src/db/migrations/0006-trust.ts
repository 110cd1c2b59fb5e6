// Released migrations are never edited; add a new numbered file instead.
import { sql } from "kysely";
import type { AnyDb, DialectFeatures } from "../dialect.js";

/**
 * Builds are untrusted (docs/SECURITY.md): tokens can be revoked and agents disabled, agent names
 * are unique, a build records whether it ran in the sandbox, and a result may name only what was
 * uploaded under its own lease.
 */
export async function up(db: AnyDb, d: DialectFeatures): Promise<void> {
  await db.schema.alterTable("tokens").addColumn("revoked_at", "text").execute();
  await db.schema.alterTable("tokens").addColumn("revoked_by", "text").execute();

  await db.schema.alterTable("agents").addColumn("disabled_at", "text").execute();
  await db.schema.alterTable("agents").addColumn("disabled_by", "text").execute();
  // Names were not unique before: the later duplicates keep theirs with their id appended.
  await sql`update agents set name = name || '#' || cast(id as text)
    where id not in (select min(id) from agents group by name)`.execute(db);
  await db.schema.createIndex("agents_name").on("agents").column("name").unique().execute();

  // "bubblewrap", or why the build ran without it ("no sandbox: …"); null for older builds.
  await db.schema.alterTable("builds").addColumn("sandbox", "text").execute();
  // The sandbox mode a job asks for: the farm's when it was queued, or "off" (an admin's
  // unsandboxed command); null for older jobs.
  await db.schema.alterTable("jobs").addColumn("sandbox", "text").execute();
  // The sandbox policy an agent last said it has ({"policy", "available"}), for why a job waits.
  await db.schema.alterTable("agents").addColumn("sandbox", "text").execute();

  // What an agent uploaded under one lease: a result names only these.
  await db.schema
    .createTable("job_uploads")
    .addColumn("job_id", "integer", (c) => c.notNull())
    .addColumn("lease_token", "text", (c) => c.notNull())
    .addColumn("filename", "text", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("size", d.int64Column, (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("job_uploads_pk", ["job_id", "lease_token", "filename"])
    .execute();
}
