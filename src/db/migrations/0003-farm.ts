// Released migrations are never edited; add a new numbered file instead.
import type { AnyDb, DialectFeatures } from "../dialect.js";

/** The farm: build requests, their jobs and what each waits for, agents, and API tokens. */
export async function up(db: AnyDb, d: DialectFeatures): Promise<void> {
  await db.schema
    .createTable("requests")
    .addColumn("id", d.idColumn, d.idModifiers)
    .addColumn("targets", "text", (c) => c.notNull())
    // JSON array of the packages rebuilt even when up to date.
    .addColumn("forced", "text", (c) => c.notNull())
    .addColumn("up_to_date", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("finished_at", "text")
    .execute();

  await db.schema
    .createTable("jobs")
    .addColumn("id", d.idColumn, d.idModifiers)
    .addColumn("request_id", "integer", (c) => c.notNull().references("requests.id"))
    .addColumn("package", "text", (c) => c.notNull())
    .addColumn("command", "text")
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("labels", "text", (c) => c.notNull())
    .addColumn("priority", "integer", (c) => c.notNull())
    .addColumn("build_id", "integer", (c) => c.references("builds.id"))
    .addColumn("agent_id", "integer")
    .addColumn("lease_token", "text")
    .addColumn("lease_expires_at", "text")
    .addColumn("cancel_requested", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("error", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  // The ready queue in the order leases take it (priority first, then the oldest), read off the index.
  await db.schema
    .createIndex("jobs_status_priority")
    .on("jobs")
    .columns(["status", "priority desc", "id"])
    .execute();
  // Whether a request still has open jobs is asked after every result: by status within the request.
  await db.schema.createIndex("jobs_request").on("jobs").columns(["request_id", "status"]).execute();
  await db.schema.createIndex("jobs_build").on("jobs").columns(["build_id"]).execute();

  await db.schema
    .createTable("job_deps")
    .addColumn("job_id", "integer", (c) => c.notNull().references("jobs.id"))
    .addColumn("dep_job_id", "integer", (c) => c.notNull().references("jobs.id"))
    .addPrimaryKeyConstraint("job_deps_pk", ["job_id", "dep_job_id"])
    .execute();
  await db.schema.createIndex("job_deps_dep").on("job_deps").columns(["dep_job_id"]).execute();

  await db.schema
    .createTable("agents")
    .addColumn("id", d.idColumn, d.idModifiers)
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("labels", "text", (c) => c.notNull())
    .addColumn("slots", "integer", (c) => c.notNull())
    .addColumn("enrolled_at", "text", (c) => c.notNull())
    .addColumn("last_seen_at", "text", (c) => c.notNull())
    .addColumn("disabled", "integer", (c) => c.notNull().defaultTo(0))
    .execute();

  // A build's steps (JSON: name, status, ms), as its executor reported them.
  await db.schema.alterTable("builds").addColumn("steps", "text").execute();

  await db.schema
    .createTable("tokens")
    .addColumn("id", d.idColumn, d.idModifiers)
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
}
