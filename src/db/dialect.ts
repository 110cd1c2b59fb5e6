// The few things that differ between SQLite and PostgreSQL, in one place.
import { sql, type ColumnDefinitionBuilder, type Kysely, type RawBuilder } from "kysely";

export type DialectKind = "sqlite" | "postgres";

export interface DialectFeatures {
  kind: DialectKind;
  /** Column type and modifiers of an auto-numbered primary key. */
  idColumn: RawBuilder<unknown>;
  idModifiers: (col: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;
  /** A 64-bit integer (file sizes): SQLite's integer already is one, PostgreSQL's is 32-bit. */
  int64Column: "integer" | "bigint";
}

export function dialectFeatures(kind: DialectKind): DialectFeatures {
  const sqlite = kind === "sqlite";
  return {
    kind,
    idColumn: sql`integer`,
    idModifiers: (c) =>
      sqlite ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity(),
    int64Column: sqlite ? "integer" : "bigint",
  };
}

export type AnyDb = Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
