// Released migrations are never edited; add a new numbered file instead.
import type { AnyDb } from "../dialect.js";

/**
 * Rebuilds that flow downstream (early cutoff, why each build and request started), and pipelines:
 * a package's build is the jobs of its pipeline's stages.
 */
export async function up(db: AnyDb): Promise<void> {
  // A green build whose output was equivalent to this (published) build: it was not published.
  await db.schema.alterTable("builds").addColumn("same_output_as", "integer").execute();
  // JSON of a BuildTrigger (src/api/schemas.ts): the commit, the upstream builds, who asked.
  await db.schema.alterTable("builds").addColumn("trigger", "text").execute();
  // JSON of a RequestCause: a commit (with the packages it changed), a manual rebuild, a submission.
  await db.schema.alterTable("requests").addColumn("cause", "text").execute();
  // Pipelines: which stage and job of its package's pipeline a queue job is; what it runs (JSON of
  // a JobDef; null for command jobs); whether its stage waits for approval; where it runs.
  await db.schema
    .alterTable("jobs")
    .addColumn("stage", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable("jobs")
    .addColumn("stage_name", "text", (c) => c.notNull().defaultTo(""))
    .execute();
  await db.schema
    .alterTable("jobs")
    .addColumn("name", "text", (c) => c.notNull().defaultTo(""))
    .execute();
  await db.schema.alterTable("jobs").addColumn("definition", "text").execute();
  await db.schema.alterTable("jobs").addColumn("approval", "text").execute();
  await db.schema.alterTable("jobs").addColumn("approved_by", "text").execute();
  await db.schema.alterTable("jobs").addColumn("approved_at", "text").execute();
  await db.schema
    .alterTable("jobs")
    .addColumn("runs_on", "text", (c) => c.notNull().defaultTo("agent"))
    .execute();
  // JSON of the job's steps (name, status, ms) as its runner reported them.
  await db.schema.alterTable("jobs").addColumn("steps", "text").execute();
  await db.schema.createIndex("jobs_run").on("jobs").columns(["request_id", "package"]).execute();
  // The ready queue per kind of runner, in lease order (agents' leases never scan the server's jobs).
  await db.schema.dropIndex("jobs_status_priority").execute();
  await db.schema
    .createIndex("jobs_ready")
    .on("jobs")
    .columns(["runs_on", "status", "priority desc", "id"])
    .execute();
  // Which job of the build made an artifact (logs and declared files of pipeline jobs).
  await db.schema.alterTable("artifacts").addColumn("job_id", "integer").execute();

  // The source commits the server has seen, one row per set directory.
  await db.schema
    .createTable("set_heads")
    .addColumn("set_dir", "text", (c) => c.primaryKey())
    .addColumn("commit", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
}
