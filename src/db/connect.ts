// Opens Kiln's database from a URL: `sqlite:PATH` (the embedded default). PostgreSQL comes with the farm.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { Kysely, SqliteDialect } from "kysely";
import { UserError } from "../util/errors.js";
import { dialectFeatures, type DialectFeatures } from "./dialect.js";
import { migrateToLatest } from "./migrate.js";
import { openNodeSqlite } from "./node-sqlite.js";
import type { Database } from "./schema.js";

export interface Db {
  db: Kysely<Database>;
  features: DialectFeatures;
  close(): Promise<void>;
}

export async function openDatabase(url: string): Promise<Db> {
  if (!url.startsWith("sqlite:")) {
    throw new UserError("USAGE", `unsupported database URL "${url}"`, undefined, "use sqlite:PATH");
  }
  const path = url.slice("sqlite:".length);
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const database = openNodeSqlite(path);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  const features = dialectFeatures("sqlite");
  await migrateToLatest(db, features);
  return { db, features, close: () => db.destroy() };
}
