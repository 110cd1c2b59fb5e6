// Released migrations are never edited; add a new numbered file instead.
import { sql } from "kysely";
import type { AnyDb, DialectFeatures } from "../dialect.js";

/**
 * Catches up databases made by older releases, and keeps one column for an agent's disabled state.
 *
 * 0001, 0003, 0004 and 0006 were edited after they landed, so a database that recorded them under
 * their first text lacks what the edits added (test/fixtures/migrations-first/ holds those texts):
 * - 0001: artifacts.size is 64-bit (bigint) on PostgreSQL;
 * - 0003: requests.forced (JSON array of the packages rebuilt even when up to date) replaced
 *   requests.force (1: rebuild the targets), and the job indexes changed (jobs_request is by
 *   request and status; jobs_status_priority went, see 0004);
 * - 0004: the pipeline columns of jobs, artifacts.job_id, the jobs_run and jobs_ready indexes;
 * - 0006: jobs.sandbox and agents.sandbox.
 * Each is checked before it is made, so a database made by today's 0001…0006 passes through
 * unchanged (test/migrations.test.ts compares both with a fresh database, on both engines).
 *
 * Order: on an old database 0006 runs before this does. It only adds columns to tokens, agents,
 * builds and jobs, renames duplicate agent names and creates job_uploads: nothing the edits above
 * changed, so it runs there as on a fresh database (the test runs it on the first release's schema
 * holding rows). Nothing of this migration has to come before it, so no migration is inserted
 * before 0006 and Kysely's refusal of unordered migrations stays.
 *
 * agents.disabled (0003) and agents.disabled_at (0006) were one state: disabled_at stays (disabled
 * when not null, with disabled_by); an agent with disabled set but no timestamp gets this
 * migration's time. SQLite (3.35 and later) drops the column in place: it is not indexed.
 *
 * SQLite cannot change a column's name and type and keep NOT NULL without a default, so requests
 * is rebuilt there the documented way (new table, copy, drop, rename, with foreign keys off: jobs
 * refers to it), its AUTOINCREMENT counter kept. Kysely runs SQLite migrations outside a
 * transaction, so this one opens its own: all of it or nothing. On PostgreSQL it runs inside the
 * Migrator's transaction.
 */
export async function up(db: AnyDb, d: DialectFeatures): Promise<void> {
  if (d.kind === "postgres") return catchUp(db, postgresProbe(db));
  const foreignKeys = async () =>
    (await sql<{ foreign_keys: number }>`PRAGMA foreign_keys`.execute(db)).rows[0]?.foreign_keys;
  const had = await foreignKeys();
  await sql`PRAGMA foreign_keys = OFF`.execute(db);
  try {
    if ((await foreignKeys()) !== 0) throw new Error("0007 must run outside a transaction on SQLite");
    await sql`BEGIN IMMEDIATE`.execute(db);
    try {
      await catchUp(db, sqliteProbe(db));
      await sql`COMMIT`.execute(db);
    } catch (e) {
      await sql`ROLLBACK`.execute(db);
      throw e;
    }
  } finally {
    if (had) await sql`PRAGMA foreign_keys = ON`.execute(db);
  }
}

interface Probe {
  kind: DialectFeatures["kind"];
  /** Column name → its type as the engine names it, lower case. */
  columns(table: string): Promise<Map<string, string>>;
  /** The columns of an index, in order; undefined when there is no such index. */
  indexColumns(index: string): Promise<string[] | undefined>;
}

async function catchUp(db: AnyDb, p: Probe): Promise<void> {
  const now = new Date().toISOString();

  // 0003: requests.force became requests.forced.
  const requests = await p.columns("requests");
  if (requests.has("force") && !requests.has("forced")) {
    if (p.kind === "sqlite") await rebuildSqliteRequests(db, [...requests.keys()]);
    else {
      await sql`alter table requests add column forced text`.execute(db);
      await sql`update requests set forced = case when force <> 0 then targets else '[]' end`.execute(db);
      await sql`alter table requests alter column forced set not null`.execute(db);
      await sql`alter table requests drop column force`.execute(db);
    }
  }

  // 0001: a file's size is 64-bit.
  if (p.kind === "postgres" && (await p.columns("artifacts")).get("size") === "integer")
    await sql`alter table artifacts alter column size type bigint`.execute(db);

  // 0003 and 0004: the job indexes.
  await db.schema.dropIndex("jobs_status_priority").ifExists().execute();
  const jobsRequest = await p.indexColumns("jobs_request");
  if (jobsRequest?.join() !== "request_id,status") {
    if (jobsRequest) await db.schema.dropIndex("jobs_request").execute();
    await db.schema.createIndex("jobs_request").on("jobs").columns(["request_id", "status"]).execute();
  }

  // 0004 and 0006: the columns added to jobs, artifacts and agents.
  const add = async (
    table: string,
    column: string,
    type: "text" | "integer",
    notNullDefault?: string | number,
  ) => {
    if ((await p.columns(table)).has(column)) return;
    await db.schema
      .alterTable(table)
      .addColumn(column, type, (c) =>
        notNullDefault === undefined ? c : c.notNull().defaultTo(notNullDefault),
      )
      .execute();
  };
  await add("jobs", "stage", "integer", 0);
  await add("jobs", "stage_name", "text", "");
  await add("jobs", "name", "text", "");
  for (const c of ["definition", "approval", "approved_by", "approved_at"]) await add("jobs", c, "text");
  await add("jobs", "runs_on", "text", "agent");
  await add("jobs", "steps", "text");
  await add("jobs", "sandbox", "text");
  await add("artifacts", "job_id", "integer");
  await add("agents", "sandbox", "text");
  await db.schema
    .createIndex("jobs_run")
    .ifNotExists()
    .on("jobs")
    .columns(["request_id", "package"])
    .execute();
  await db.schema
    .createIndex("jobs_ready")
    .ifNotExists()
    .on("jobs")
    .columns(["runs_on", "status", "priority desc", "id"])
    .execute();

  // One disabled state for agents: disabled_at.
  if ((await p.columns("agents")).has("disabled")) {
    await sql`update agents set disabled_at = ${now}
      where disabled <> 0 and disabled_at is null`.execute(db);
    await sql`alter table agents drop column disabled`.execute(db);
  }
}

/** requests as today's 0003 and 0004 make it on SQLite, under another name. */
const REQUESTS_COLUMNS = [
  "id",
  "targets",
  "forced",
  "up_to_date",
  "status",
  "created_by",
  "created_at",
  "finished_at",
  "cause",
];
const CREATE_REQUESTS = sql`create table "requests_new" ("id" integer primary key autoincrement,
  "targets" text not null, "forced" text not null, "up_to_date" text not null, "status" text not null,
  "created_by" text not null, "created_at" text not null, "finished_at" text, "cause" text)`;

async function rebuildSqliteRequests(db: AnyDb, had: string[]): Promise<void> {
  // A column this migration does not know would be lost in the copy: stop rather than lose it.
  const unknown = had.filter((c) => c !== "force" && !REQUESTS_COLUMNS.includes(c));
  if (unknown.length > 0) throw new Error(`requests has columns 0007 does not know: ${unknown.join(", ")}`);
  const copied = REQUESTS_COLUMNS.filter((c) => c !== "forced" && had.includes(c));
  const seq = await sql<{ seq: number }>`select seq from sqlite_sequence where name = 'requests'`.execute(db);
  await CREATE_REQUESTS.execute(db);
  const list = sql.join(copied.map((c) => sql.ref(c)));
  await sql`insert into requests_new (${list}, forced)
    select ${list}, case when force <> 0 then targets else '[]' end from requests`.execute(db);
  await sql`drop table requests`.execute(db);
  await sql`alter table requests_new rename to requests`.execute(db);
  // The counter goes on where it was: a deleted request's id is not given again.
  const was = seq.rows[0]?.seq ?? 0;
  await sql`delete from sqlite_sequence where name in ('requests', 'requests_new')`.execute(db);
  await sql`insert into sqlite_sequence (name, seq)
    values ('requests', max(${was}, coalesce((select max(id) from requests), 0)))`.execute(db);
  const broken = await sql<{ parent: string }>`select parent from pragma_foreign_key_check('jobs')`.execute(
    db,
  );
  if (broken.rows.some((r) => r.parent === "requests"))
    throw new Error("0007: jobs refer to requests the rebuilt table lacks");
}

function sqliteProbe(db: AnyDb): Probe {
  return {
    kind: "sqlite",
    async columns(table) {
      const r = await sql<{ name: string; type: string }>`select name, lower(type) as type
        from pragma_table_info(${table})`.execute(db);
      return new Map(r.rows.map((c) => [c.name, c.type]));
    },
    async indexColumns(index) {
      const exists = await sql`select 1 from sqlite_master where type = 'index' and name = ${index}`.execute(
        db,
      );
      if (exists.rows.length === 0) return undefined;
      const r = await sql<{
        name: string;
      }>`select name from pragma_index_info(${index}) order by seqno`.execute(db);
      return r.rows.map((c) => c.name);
    },
  };
}

function postgresProbe(db: AnyDb): Probe {
  return {
    kind: "postgres",
    async columns(table) {
      const r = await sql<{ name: string; type: string }>`select column_name as name, data_type as type
        from information_schema.columns where table_schema = current_schema() and table_name = ${table}`.execute(
        db,
      );
      return new Map(r.rows.map((c) => [c.name, c.type.toLowerCase()]));
    },
    async indexColumns(index) {
      const exists = await sql`select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind = 'i' and c.relname = ${index} and n.nspname = current_schema()`.execute(db);
      if (exists.rows.length === 0) return undefined;
      const r = await sql<{ name: string }>`select a.attname as name
        from pg_index i
        join pg_class c on c.oid = i.indexrelid
        join pg_namespace n on n.oid = c.relnamespace
        cross join lateral unnest(i.indkey) with ordinality as k(attnum, ord)
        join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
        where c.relname = ${index} and n.nspname = current_schema()
        order by k.ord`.execute(db);
      return r.rows.map((c) => c.name);
    },
  };
}
