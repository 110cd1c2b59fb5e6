// Released migrations are never edited; add a new numbered file instead.
import type { AnyDb } from "../dialect.js";

/** Rebuilds that flow downstream: early cutoff, and why each build and request started. */
export async function up(db: AnyDb): Promise<void> {
  // A green build whose output was equivalent to this (published) build: it was not published.
  await db.schema.alterTable("builds").addColumn("same_output_as", "integer").execute();
  // JSON of a BuildTrigger (src/api/schemas.ts): the commit, the upstream builds, who asked.
  await db.schema.alterTable("builds").addColumn("trigger", "text").execute();
  // JSON of a RequestCause: a commit (with the packages it changed), a manual rebuild, a submission.
  await db.schema.alterTable("requests").addColumn("cause", "text").execute();
  // The source commits the server has seen, one row per set directory.
  await db.schema
    .createTable("set_heads")
    .addColumn("set_dir", "text", (c) => c.primaryKey())
    .addColumn("commit", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
}
