// Released migrations are never edited; add a new numbered file instead.
import type { AnyDb, DialectFeatures } from "../dialect.js";

/**
 * Release watches: what each watched package's upstream was last seen to offer (watches), and the
 * upstreams' last answers that carried an ETag or Last-Modified, for conditional requests
 * (upstream_answers). A watch is due at next_at; a server claims it by moving next_at forward in
 * one UPDATE that names the value it read, so several servers on one database look once.
 *
 * Update threads: one per (package, version) found upstream (updates), and what happened to each,
 * step by step, for its timeline (update_events).
 */
export async function up(db: AnyDb, d: DialectFeatures): Promise<void> {
  await db.schema
    .createTable("watches")
    .addColumn("package", "text", (c) => c.primaryKey())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("next_at", "text", (c) => c.notNull())
    .addColumn("checked_at", "text")
    .addColumn("outcome", "text")
    .addColumn("current", "text")
    .addColumn("newest", "text")
    .addColumn("newest_raw", "text")
    .addColumn("note", "text")
    .addColumn("error", "text")
    .addColumn("error_since", "text")
    .addColumn("failures", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("seen", "text")
    .execute();
  await db.schema.createIndex("watches_next").on("watches").column("next_at").execute();
  await db.schema
    .createTable("upstream_answers")
    .addColumn("url", "text", (c) => c.primaryKey())
    .addColumn("etag", "text")
    .addColumn("last_modified", "text")
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("fetched_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("updates")
    .addColumn("id", d.idColumn, d.idModifiers)
    .addColumn("package", "text", (c) => c.notNull())
    .addColumn("version", "text", (c) => c.notNull())
    .addColumn("raw", "text", (c) => c.notNull())
    .addColumn("rpm_version", "text", (c) => c.notNull())
    .addColumn("from_version", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("note", "text", (c) => c.notNull())
    .addColumn("opened_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addColumn("branch", "text")
    .addColumn("commit", "text")
    .addColumn("patch", "text")
    .addColumn("tarball_url", "text")
    .addColumn("tarball_name", "text")
    .addColumn("tarball_sha256", "text")
    .addColumn("request_id", "integer")
    .addColumn("claimed_until", "text")
    .addUniqueConstraint("updates_package_version", ["package", "rpm_version"])
    .execute();
  await db.schema.createIndex("updates_state").on("updates").columns(["state", "id"]).execute();
  await db.schema
    .createTable("update_events")
    .addColumn("id", d.idColumn, d.idModifiers)
    .addColumn("update_id", "integer", (c) => c.notNull().references("updates.id"))
    .addColumn("at", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("note", "text", (c) => c.notNull())
    .addColumn("request_id", "integer")
    .execute();
  await db.schema
    .createIndex("update_events_update")
    .on("update_events")
    .columns(["update_id", "id"])
    .execute();
}
