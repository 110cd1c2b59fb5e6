// Opens Kiln's database from a URL: `sqlite:PATH` (the embedded default) or
// `postgres://USER@HOST:PORT/DATABASE` (`postgresql://` too). Both run the same migrations and queries.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { Kysely, PostgresDialect, SqliteDialect, type Dialect } from "kysely";
import pg from "pg";
import { UserError } from "../util/errors.js";
import { dialectFeatures, type DialectFeatures, type DialectKind } from "./dialect.js";
import { migrateToLatest } from "./migrate.js";
import { openNodeSqlite } from "./node-sqlite.js";
import type { Database } from "./schema.js";

export interface Db {
  db: Kysely<Database>;
  features: DialectFeatures;
  close(): Promise<void>;
}

const ACCEPTED = "use sqlite:PATH or postgres://USER@HOST:PORT/DATABASE (postgresql:// also works)";

export async function openDatabase(url: string): Promise<Db> {
  if (url.startsWith("sqlite:")) return openSqlite(url.slice("sqlite:".length));
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgres(url);
  throw new UserError("USAGE", `unsupported database URL "${url}"`, undefined, ACCEPTED);
}

async function openSqlite(path: string): Promise<Db> {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  return migrated(new SqliteDialect({ database: openNodeSqlite(path) }), "sqlite");
}

// pg hands int8 (bigint: 64-bit sizes, count(*)) and numeric back as strings, so that no value loses
// precision. Kiln's ids, sizes and counts stay far below 2^53: they come back as numbers, like
// SQLite's. Set on this pool only, not on pg's global types.
const pgTypes = new pg.TypeOverrides();
pgTypes.setTypeParser(pg.types.builtins.INT8, Number);
pgTypes.setTypeParser(pg.types.builtins.NUMERIC, Number);

async function openPostgres(url: string): Promise<Db> {
  let where: string;
  try {
    const u = new URL(url);
    where = `${u.hostname || "localhost"}:${u.port || "5432"}${u.pathname}`;
  } catch {
    throw new UserError("USAGE", `malformed database URL "${url}"`, undefined, ACCEPTED);
  }
  const pool = new pg.Pool({ connectionString: url, types: pgTypes, connectionTimeoutMillis: 10_000 });
  // A pooled connection the server drops while idle (a restart) is replaced on next use; without a
  // listener, pg's "error" event would end the process.
  pool.on("error", () => {});
  // Connect once up front, so that a server that is down, a database that does not exist or a
  // refused login is one clear message rather than a stack trace from the first query.
  try {
    (await pool.connect()).release();
  } catch (e) {
    await pool.end();
    const err = e as Error & { code?: string };
    // An AggregateError (localhost: both ::1 and 127.0.0.1 refused) has an empty message.
    const why = err.message || (err as Partial<AggregateError>).errors?.[0]?.message || err.code || String(e);
    throw new UserError(
      "DATABASE_UNAVAILABLE",
      `cannot connect to PostgreSQL at ${where}: ${why}`,
      undefined,
      "check that the server runs and accepts this user, and that the database exists",
    );
  }
  return migrated(new PostgresDialect({ pool }), "postgres");
}

/** The database brought up to the latest migration (closed again when that fails). */
async function migrated(dialect: Dialect, kind: DialectKind): Promise<Db> {
  const db = new Kysely<Database>({ dialect });
  const features = dialectFeatures(kind);
  try {
    await migrateToLatest(db, features);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  return { db, features, close: () => db.destroy() };
}
