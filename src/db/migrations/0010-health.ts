// Released migrations are never edited; add a new numbered file instead.
import type { AnyDb, DialectFeatures } from "../dialect.js";

/**
 * The farm's own health: each check's state now (health_checks, one row per check key) and every
 * change of state, for its history (health_events). An agent's work directory's free space, as
 * its heartbeats last said it (agents.disk, JSON).
 */
export async function up(db: AnyDb, d: DialectFeatures): Promise<void> {
  await db.schema.alterTable("agents").addColumn("disk", "text").execute();
  await db.schema
    .createTable("health_checks")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("sentence", "text", (c) => c.notNull())
    .addColumn("since", "text", (c) => c.notNull())
    .addColumn("checked_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("health_events")
    .addColumn("id", d.idColumn, d.idModifiers)
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("at", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("sentence", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("health_events_key").on("health_events").columns(["key", "id"]).execute();
}
