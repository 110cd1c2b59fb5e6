// Released migrations are never edited; add a new numbered file instead.
import type { AnyDb } from "../dialect.js";

/** One row per package set: what each spec's and package directory's stat said when last read. */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("set_snapshots")
    .addColumn("set_dir", "text", (c) => c.primaryKey())
    .addColumn("data", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
}
