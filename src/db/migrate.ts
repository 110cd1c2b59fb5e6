// Numbered, append-only migrations, run by Kysely's Migrator for both back ends.
import { Migrator, type Migration, type MigrationProvider } from "kysely";
import { dialectFeatures, type AnyDb, type DialectFeatures, type DialectKind } from "./dialect.js";
import * as m0001 from "./migrations/0001-initial.js";
import * as m0002 from "./migrations/0002-set-snapshots.js";
import * as m0003 from "./migrations/0003-farm.js";
import * as m0004 from "./migrations/0004-flow.js";
import * as m0005 from "./migrations/0005-repositories.js";
import * as m0006 from "./migrations/0006-trust.js";
import * as m0007 from "./migrations/0007-catch-up.js";
import * as m0008 from "./migrations/0008-output-change.js";
import * as m0009 from "./migrations/0009-watches.js";
import * as m0010 from "./migrations/0010-health.js";

type Step = { up: (db: AnyDb, d: DialectFeatures) => Promise<void> };
const steps: Record<string, Step> = {
  "0001-initial": m0001,
  "0002-set-snapshots": m0002,
  "0003-farm": m0003,
  "0004-flow": m0004,
  "0005-repositories": m0005,
  "0006-trust": m0006,
  "0007-catch-up": m0007,
  "0008-output-change": m0008,
  "0009-watches": m0009,
  "0010-health": m0010,
};

function migrator(db: AnyDb, features: DialectFeatures): Migrator {
  const migrations: Record<string, Migration> = {};
  for (const [name, s] of Object.entries(steps)) migrations[name] = { up: (tx) => s.up(tx, features) };
  const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };
  return new Migrator({ db, provider });
}

/** The migrations this Kiln has that the database has not run (another server may be older). */
export async function pendingMigrations(db: AnyDb, kind: DialectKind): Promise<string[]> {
  return (await migrator(db, dialectFeatures(kind)).getMigrations())
    .filter((m) => !m.executedAt)
    .map((m) => m.name);
}

export async function migrateToLatest(db: AnyDb, features: DialectFeatures): Promise<void> {
  const { error, results } = await migrator(db, features).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName;
    throw new Error(`database migration ${failed ?? ""} failed: ${String(error)}`, { cause: error });
  }
}
