// Released migrations are never edited; add a new numbered file instead.
import type { AnyDb } from "../dialect.js";
import type { DialectFeatures } from "../dialect.js";

/** Repositories you can trust: the audit trail of what went in and out, signed copies, damage found. */
export async function up(db: AnyDb, d: DialectFeatures): Promise<void> {
  // Every change of what a repository holds: a build published, promoted in, demoted (the previous
  // build restored) or removed; who did it, from where, why. Also how older builds are kept.
  await db.schema
    .createTable("repo_history")
    .addColumn("id", d.idColumn, d.idModifiers)
    .addColumn("repo", "text", (c) => c.notNull())
    .addColumn("package", "text", (c) => c.notNull())
    .addColumn("build_id", "integer")
    .addColumn("previous_build_id", "integer")
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("from_repo", "text")
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("reason", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("repo_history_repo").on("repo_history").columns(["repo", "package"]).execute();

  // An RPM signed for a repository's key is another file: the signed copy, by the unsigned one.
  await db.schema
    .createTable("signed_artifacts")
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("signed_sha256", "text", (c) => c.notNull())
    .addColumn("filename", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("signed_artifacts_pk", ["sha256", "key"])
    .execute();

  // The pipeline stages a green build passed (JSON array), for promotion rules.
  await db.schema.alterTable("builds").addColumn("stages", "text").execute();

  // Stored files whose bytes no longer have their sha256 (found by kiln scrub, or on use).
  await db.schema
    .createTable("damaged_artifacts")
    .addColumn("sha256", "text", (c) => c.primaryKey())
    .addColumn("found_at", "text", (c) => c.notNull())
    .addColumn("detail", "text", (c) => c.notNull())
    .execute();
}
