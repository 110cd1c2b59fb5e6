// Adapts Node's built-in node:sqlite to the database shape Kysely's SqliteDialect drives
// (better-sqlite3's), so the embedded database needs no native addon.
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import type { SqliteDatabase, SqliteStatement } from "kysely";

function params(values: ReadonlyArray<unknown>): SQLInputValue[] {
  // node:sqlite refuses booleans and undefined; store them the way SQLite itself would.
  return values.map((v) =>
    typeof v === "boolean" ? (v ? 1 : 0) : v === undefined ? null : v,
  ) as SQLInputValue[];
}

export function openNodeSqlite(path: string): SqliteDatabase & { raw: DatabaseSync } {
  const db = new DatabaseSync(path, { timeout: 10_000 });
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;");
  return {
    raw: db,
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      const stmt = db.prepare(sql);
      return {
        reader: stmt.columns().length > 0,
        all: (p) => stmt.all(...params(p)),
        run: (p) => stmt.run(...params(p)),
        iterate: (p) => stmt.iterate(...params(p)),
      };
    },
  };
}
