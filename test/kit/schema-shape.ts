// A database's schema as its engine reports it, in a form two databases can be compared by: each
// table's columns (type, NOT NULL, default, key or identity), indexes (columns in order, direction,
// uniqueness) and constraints. Kysely's own bookkeeping tables are left out.
import { sql } from "kysely";
import type { AnyDb } from "../../src/db/dialect.js";
import type { Backend } from "./databases.js";

export interface TableShape {
  columns: Record<string, string>;
  indexes: Record<string, string>;
  constraints: string[];
}

export type SchemaShape = Record<string, TableShape>;

export async function schemaShape(db: AnyDb, kind: Backend): Promise<SchemaShape> {
  const shape: SchemaShape = {};
  for (const table of await tableNames(db, kind)) {
    shape[table] = kind === "sqlite" ? await sqliteTable(db, table) : await postgresTable(db, table);
  }
  return shape;
}

async function tableNames(db: AnyDb, kind: Backend): Promise<string[]> {
  const r =
    kind === "sqlite"
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'table'
          and name not like 'sqlite_%' and name not like 'kysely_%' order by name`.execute(db)
      : await sql<{ name: string }>`select table_name as name from information_schema.tables
          where table_schema = current_schema() and table_type = 'BASE TABLE'
          and table_name not like 'kysely_%' order by table_name`.execute(db);
  return r.rows.map((t) => t.name);
}

async function sqliteTable(db: AnyDb, table: string): Promise<TableShape> {
  const columns: Record<string, string> = {};
  const cols = await sql<{
    name: string;
    type: string;
    notnull: number;
    dflt_value: string | null;
    pk: number;
  }>`
    select name, type, "notnull", dflt_value, pk from pragma_table_xinfo(${table})`.execute(db);
  const create = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table'
    and name = ${table}`.execute(db);
  const autoincrement = /\bautoincrement\b/i.test(create.rows[0]?.sql ?? "");
  for (const c of cols.rows) {
    columns[c.name] = [
      c.type.toLowerCase(),
      c.notnull ? "not null" : "",
      c.dflt_value !== null ? `default ${c.dflt_value}` : "",
      c.pk ? `primary key ${c.pk}` : "",
      c.pk && autoincrement ? "autoincrement" : "",
    ]
      .filter(Boolean)
      .join(" ");
  }
  const indexes: Record<string, string> = {};
  const list = await sql<{ name: string; unique: number; origin: string; partial: number }>`
    select name, "unique", origin, partial from pragma_index_list(${table})`.execute(db);
  for (const i of list.rows) {
    const keys = await sql<{ name: string | null; desc: number; coll: string }>`
      select name, "desc", coll from pragma_index_xinfo(${i.name}) where key = 1 order by seqno`.execute(db);
    const on = keys.rows.map((k) => `${k.name ?? "<expression>"}${k.desc ? " desc" : ""} ${k.coll}`);
    indexes[i.name] =
      `${i.unique ? "unique " : ""}(${on.join(", ")}) from ${i.origin}${i.partial ? " partial" : ""}`;
  }
  const fks = await sql<{ from: string; table: string; to: string; on_update: string; on_delete: string }>`
    select "from", "table", "to", on_update, on_delete from pragma_foreign_key_list(${table})`.execute(db);
  const constraints = fks.rows
    .map((f) => `foreign key (${f.from}) references ${f.table}(${f.to}) ${f.on_update} ${f.on_delete}`)
    .sort();
  return { columns, indexes, constraints };
}

async function postgresTable(db: AnyDb, table: string): Promise<TableShape> {
  const columns: Record<string, string> = {};
  const cols = await sql<{
    name: string;
    type: string;
    nullable: string;
    dflt: string | null;
    identity: string | null;
  }>`select column_name as name, data_type as type, is_nullable as nullable, column_default as dflt,
      identity_generation as identity
    from information_schema.columns where table_schema = current_schema() and table_name = ${table}`.execute(
    db,
  );
  for (const c of cols.rows) {
    columns[c.name] = [
      c.type,
      c.nullable === "NO" ? "not null" : "",
      c.dflt !== null ? `default ${c.dflt}` : "",
      c.identity ? `generated ${c.identity} as identity` : "",
    ]
      .filter(Boolean)
      .join(" ");
  }
  const indexes: Record<string, string> = {};
  const list = await sql<{ name: string; def: string }>`select indexname as name, indexdef as def
    from pg_indexes where schemaname = current_schema() and tablename = ${table}`.execute(db);
  for (const i of list.rows) indexes[i.name] = i.def;
  const cons = await sql<{ name: string; def: string }>`select c.conname as name,
      pg_get_constraintdef(c.oid) as def
    from pg_constraint c join pg_class t on t.oid = c.conrelid join pg_namespace n on n.oid = t.relnamespace
    where n.nspname = current_schema() and t.relname = ${table}`.execute(db);
  const constraints = cons.rows.map((c) => `${c.name}: ${c.def}`).sort();
  return { columns, indexes, constraints };
}
