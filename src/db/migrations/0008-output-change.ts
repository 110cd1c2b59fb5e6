// Released migrations are never edited; add a new numbered file instead.
import type { AnyDb } from "../dialect.js";

/**
 * A published build records how its output compared with what was published before it (JSON:
 * {differences: [...]} or {sameAs: build}), so that `kiln build` and `kiln build --server` both
 * say what changed, read from the database.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable("builds").addColumn("output_change", "text").execute();
}
