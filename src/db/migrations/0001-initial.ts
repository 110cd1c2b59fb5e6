// Released migrations are never edited; add a new numbered file instead.
import type { DialectFeatures, AnyDb } from "../dialect.js";

export async function up(db: AnyDb, d: DialectFeatures): Promise<void> {
  await db.schema
    .createTable("spec_cache")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("data", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("builds")
    .addColumn("id", d.idColumn, d.idModifiers)
    .addColumn("package", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("input_key", "text", (c) => c.notNull())
    .addColumn("inputs", "text", (c) => c.notNull())
    .addColumn("evr", "text", (c) => c.notNull())
    .addColumn("log_path", "text", (c) => c.notNull())
    .addColumn("error", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("started_at", "text")
    .addColumn("finished_at", "text")
    .addColumn("duration_ms", "integer")
    .execute();
  await db.schema
    .createIndex("builds_package_status")
    .on("builds")
    .columns(["package", "status", "id"])
    .execute();

  await db.schema
    .createTable("artifacts")
    .addColumn("id", d.idColumn, d.idModifiers)
    .addColumn("build_id", "integer", (c) => c.notNull().references("builds.id"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("filename", "text", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    // 64-bit: "integer" on SQLite as released, "bigint" on PostgreSQL (which never ran the original).
    .addColumn("size", d.int64Column, (c) => c.notNull())
    .addColumn("name", "text")
    .addColumn("epoch", "integer")
    .addColumn("version", "text")
    .addColumn("release", "text")
    .addColumn("arch", "text")
    .addColumn("provides", "text")
    .addColumn("requires", "text")
    .addColumn("files", "text")
    .addUniqueConstraint("artifacts_build_file", ["build_id", "filename"])
    .execute();
  await db.schema.createIndex("artifacts_sha256").on("artifacts").column("sha256").execute();

  await db.schema
    .createTable("repositories")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("snapshot", "integer", (c) => c.notNull())
    .addColumn("content_version", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("snapshot_content_version", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("host_provides_release", "integer", (c) => c.notNull())
    .addColumn("host_provides", "text", (c) => c.notNull())
    .addColumn("host_provides_sha256", "text")
    .addColumn("host_provides_filename", "text")
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("repo_packages")
    .addColumn("repo", "text", (c) => c.notNull().references("repositories.name"))
    .addColumn("package", "text", (c) => c.notNull())
    .addColumn("build_id", "integer", (c) => c.notNull().references("builds.id"))
    .addColumn("published_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("repo_packages_pk", ["repo", "package"])
    .execute();
}
