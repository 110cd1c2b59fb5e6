// Migrations are append-only: every released migration's text is pinned here, and a database made by
// the first release (test/fixtures/migrations-first/: 0001…0006 as each first landed on main) upgrades
// through Kiln's start-up path to exactly the schema a fresh database gets, its rows kept.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Migration } from "kysely";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { openDatabase, type Db } from "../src/db/connect.js";
import type { AnyDb } from "../src/db/dialect.js";
import { openNodeSqlite } from "../src/db/node-sqlite.js";
import { agentByName, agentIsDisabled } from "../src/db/tokens.js";
import { agentViews } from "../src/server/views.js";
import * as first0001 from "./fixtures/migrations-first/0001-initial.js";
import * as first0002 from "./fixtures/migrations-first/0002-set-snapshots.js";
import * as first0003 from "./fixtures/migrations-first/0003-farm.js";
import * as first0004 from "./fixtures/migrations-first/0004-flow.js";
import * as first0005 from "./fixtures/migrations-first/0005-repositories.js";
import * as first0006 from "./fixtures/migrations-first/0006-trust.js";
import { dialectFeatures as firstDialect } from "./fixtures/migrations-first/dialect.js";
import { type Backend, backends, freshDatabaseUrl, schemaShape } from "./kit/index.js";

const MIGRATIONS = join(import.meta.dirname, "../src/db/migrations");
const FIRST = join(import.meta.dirname, "fixtures/migrations-first");

// The sha256 of every released migration, as it is on main. A migration's hash is added here when it
// lands; from then on its text never changes (a change is a new migration).
const RELEASED: Record<string, string> = {
  "0001-initial.ts": "2b0d531f34bf92ef39cddb6ca66dd16072da17531e41469553955d7eef0cc8a6",
  "0002-set-snapshots.ts": "1814ff7d7376828846cd7583ae2fee28225b34ed71d88abd376baba4a20eedf6",
  "0003-farm.ts": "b5d7ad1ce7d5c892a2a97cf089bb1bd9cd5a51c77edbbaf0c3022bb6a7dc7826",
  "0004-flow.ts": "a8ef8ed144216d9167009e046f268c4618e148af09f27fda26850769eef0951f",
  "0005-repositories.ts": "42d49b63dfda0d0541bda430f4d51a862c161ec719e7e2b5f0c7791a89481d03",
  "0006-trust.ts": "8789ce26238b81ba12a27e4ca829e10049a6f7e85a184855ebe89d861c3fa21a",
  "0007-catch-up.ts": "da9d042c811c682a4d7a9825aefcacb359b291fac1f62b23a361ac8068a8e0c0",
  "0008-output-change.ts": "0b7b051b5a5f81204f5a2b20f13c8a869fb1260cc6dbffd61f1db3e49ab9607f",
  "0009-watches.ts": "1277de5a9e6a081e54952b103d177d9cb6bb4a0a3ea951be2a150491a416acc2",
  "0010-health.ts": "c529c3628d2c3f6e7f5780348ee55b460db9d9f926e973f6bfe1f3ef5d405ed0",
};

// The fixtures are what databases of the first release ran: they do not change either.
const FIXTURES: Record<string, string> = {
  "0001-initial.ts": "32d341b71369c6c7afb832b587642054554fd5cebcdbf5e328711b46f9022591",
  "0002-set-snapshots.ts": "962647bf47b1a847d27d8843da83977fd76d2bdeb7999ffe1d0dc81792e53145",
  "0003-farm.ts": "3f81a456f20903d6d54d5587a72cebf4a2d034cfb085b5cc7cec95a5e8016216",
  "0004-flow.ts": "37c108d8c48f84abfb307d68c92cb2944271bb154454a8982a4e0b8b835cf7f0",
  "0005-repositories.ts": "bf09747b81eb4de2583e4d01ffb794793797fff1cdf8054ef6ec8b7db7215836",
  "0006-trust.ts": "8bd0c3fc9e97f19617ac8e120b65f1ce70dcafe0830ed79ba26788070620f41e",
  "dialect.ts": "49f5c6f60625e3b1f2104227d0a6de331b098f4ec155e3de3fb53a185f8c30a9",
};

const sha256 = (path: string): string => createHash("sha256").update(readFileSync(path)).digest("hex");
const migrationFiles = (): string[] =>
  readdirSync(MIGRATIONS)
    .filter((f) => f.endsWith(".ts"))
    .sort();

describe("released migrations", () => {
  it("are never edited", () => {
    for (const file of migrationFiles()) {
      const name = file.replace(/\.ts$/, "");
      expect(
        RELEASED[file],
        `migration ${name} has no pinned sha256: add it to RELEASED when it lands`,
      ).toBeDefined();
      expect(
        sha256(join(MIGRATIONS, file)),
        `migration ${name} was edited after release: migrations are append-only; add a new one`,
      ).toBe(RELEASED[file]);
    }
    for (const file of Object.keys(RELEASED))
      expect(migrationFiles(), `released migration ${file} is gone: migrations are append-only`).toContain(
        file,
      );
  });

  it("have first-release fixtures that are never edited", () => {
    const files = readdirSync(FIRST).sort();
    expect(files).toEqual(Object.keys(FIXTURES).sort());
    for (const file of files)
      expect(sha256(join(FIRST, file)), `fixture ${file} is what the first release ran: never edit it`).toBe(
        FIXTURES[file],
      );
  });
});

type Step = { up: (db: AnyDb, d: ReturnType<typeof firstDialect>) => Promise<void> };
const FIRST_STEPS: [string, Step][] = [
  ["0001-initial", first0001],
  ["0002-set-snapshots", first0002],
  ["0003-farm", first0003],
  ["0004-flow", first0004],
  ["0005-repositories", first0005],
  ["0006-trust", first0006],
];

/** A database on which a release's Kiln ran the first `upTo` migrations under their first text. */
async function firstReleaseDatabase(kind: Backend, url: string, upTo: number): Promise<AnyDb> {
  const db: AnyDb =
    kind === "sqlite"
      ? new Kysely({ dialect: new SqliteDialect({ database: openNodeSqlite(url.slice("sqlite:".length)) }) })
      : new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url }) }) });
  const features = firstDialect(kind);
  const migrations = Object.fromEntries(
    FIRST_STEPS.slice(0, upTo).map(([name, s]): [string, Migration] => [
      name,
      { up: (tx) => s.up(tx, features) },
    ]),
  );
  const provider = { getMigrations: () => Promise.resolve(migrations) };
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  expect(error).toBeUndefined();
  expect(results?.map((r) => `${r.migrationName} ${r.status}`)).toEqual(
    FIRST_STEPS.slice(0, upTo).map(([name]) => `${name} Success`),
  );
  return db;
}

const migrationNames = async (db: AnyDb): Promise<string[]> =>
  (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db)).rows.map(
    (r) => r.name,
  );

describe.each(backends)("upgrading on %s", (kind) => {
  async function withDatabase<T>(f: (url: string) => Promise<T>): Promise<T> {
    const fresh = await freshDatabaseUrl(kind);
    try {
      return await f(fresh.url);
    } finally {
      await fresh.drop();
    }
  }
  const opened = async <T>(url: string, f: (d: Db) => Promise<T>): Promise<T> => {
    const d = await openDatabase(url);
    try {
      return await f(d);
    } finally {
      await d.close();
    }
  };

  const today = (): Promise<{ shape: Awaited<ReturnType<typeof schemaShape>>; names: string[] }> =>
    withDatabase((url) =>
      opened(url, async (d) => ({ shape: await schemaShape(d.db, kind), names: await migrationNames(d.db) })),
    );

  it("a fresh database runs every migration file", async () => {
    const { names } = await today();
    expect(names).toEqual(migrationFiles().map((f) => f.replace(/\.ts$/, "")));
  });

  it.each([
    ["0001…0005", 5],
    ["0001…0006", 6],
  ])("a database made by the first texts of %s ends with a fresh database's schema", async (_, upTo) => {
    const expected = await today();
    const upgraded = await withDatabase(async (url) => {
      const old = await firstReleaseDatabase(kind, url, upTo);
      const before = await schemaShape(old, kind);
      await old.destroy();
      // The first release's schema does differ: this test would pass without any upgrade otherwise.
      expect(before).not.toEqual(expected.shape);
      await opened(url, () => Promise.resolve());
      // Opened again: the upgrade is done once, and a second start finds nothing to do.
      return opened(url, async (d) => ({
        shape: await schemaShape(d.db, kind),
        names: await migrationNames(d.db),
      }));
    });
    expect(upgraded.shape).toEqual(expected.shape);
    expect(upgraded.names).toEqual(expected.names);
  });

  it("a database of the first release keeps its rows", async () => {
    await withDatabase(async (url) => {
      const old = await firstReleaseDatabase(kind, url, 5);
      await fillFirstRelease(old);
      const before = await allRows(old, kind);
      await old.destroy();

      await opened(url, async (d) => {
        const after = await allRows(d.db, kind);
        // Every row of every table is there, with the values of the columns that remain.
        for (const [table, rows] of Object.entries(before)) {
          expect(rows.length, table).toBeGreaterThan(0);
          const gone = table === "requests" ? ["force"] : table === "agents" ? ["disabled", "name"] : [];
          const columns = Object.keys(rows[0]!).filter((c) => !gone.includes(c));
          expect(comparable(after[table] ?? [], columns), table).toEqual(comparable(rows, columns));
        }
        await checkCarriedOver(d, kind);
      });
    });
  });
});

async function fillFirstRelease(db: AnyDb): Promise<void> {
  const t = "2026-12-01T10:00:00.000Z";
  await db
    .insertInto("builds")
    .values({
      package: "hello",
      status: "succeeded",
      reason: "new",
      input_key: "k1",
      inputs: "{}",
      evr: "1.0-1",
      log_path: "/logs/1/build.log",
      created_at: t,
      steps: "[]",
      trigger: '{"kind":"commit"}',
      stages: '["build"]',
    })
    .execute();
  await db
    .insertInto("artifacts")
    .values({ build_id: 1, kind: "rpm", filename: "hello-1.0-1.x86_64.rpm", sha256: "aa", size: 123_456 })
    .execute();
  await db
    .insertInto("repositories")
    .values({ name: "stable", snapshot: 1, host_provides_release: 1, host_provides: "[]", updated_at: t })
    .execute();
  await db
    .insertInto("repo_packages")
    .values({ repo: "stable", package: "hello", build_id: 1, published_at: t })
    .execute();
  const request = (targets: string[], force: number) => ({
    targets: JSON.stringify(targets),
    force,
    up_to_date: "[]",
    status: "done",
    created_by: "admin",
    created_at: t,
    cause: '{"kind":"manual"}',
  });
  await db
    .insertInto("requests")
    .values([request(["hello", "world"], 1), request(["hello"], 0), request([], 0)])
    .execute();
  // The last request is deleted: its id must not be given again.
  await db.deleteFrom("requests").where("id", "=", 3).execute();
  const job = (pkg: string, status: string) => ({
    request_id: 1,
    package: pkg,
    status,
    reason: "forced",
    labels: "{}",
    priority: 5,
    build_id: pkg === "hello" ? 1 : null,
    agent_id: 1,
    attempts: 1,
    created_at: t,
    updated_at: t,
  });
  await db
    .insertInto("jobs")
    .values([job("hello", "succeeded"), job("world", "blocked")])
    .execute();
  await db.insertInto("job_deps").values({ job_id: 2, dep_job_id: 1 }).execute();
  const agent = (name: string, disabled: number, n: number) => ({
    name,
    token_hash: `hash-${n}`,
    labels: '{"arch":"x86_64"}',
    slots: 2,
    enrolled_at: t,
    last_seen_at: t,
    disabled,
  });
  // Two agents of one name: 0006 renames the later one.
  await db
    .insertInto("agents")
    .values([agent("w1", 1, 1), agent("w2", 0, 2), agent("w1", 0, 3)])
    .execute();
  await db
    .insertInto("tokens")
    .values({ name: "admin", token_hash: "hash-t", role: "admin", created_at: t })
    .execute();
  await db.insertInto("set_heads").values({ set_dir: "/set", commit: "abc", updated_at: t }).execute();
  await db.insertInto("set_snapshots").values({ set_dir: "/set", data: "{}", updated_at: t }).execute();
  await db.insertInto("spec_cache").values({ key: "k", data: "{}", created_at: t }).execute();
  await db
    .insertInto("signed_artifacts")
    .values({ sha256: "aa", key: "k", signed_sha256: "cc", filename: "s.rpm", created_at: t })
    .execute();
  await db.insertInto("damaged_artifacts").values({ sha256: "dd", found_at: t, detail: "bad" }).execute();
  await db
    .insertInto("repo_history")
    .values({
      repo: "stable",
      package: "hello",
      build_id: 1,
      action: "publish",
      actor: "admin",
      created_at: t,
    })
    .execute();
}

type Row = Record<string, unknown>;
/** The rows with these columns only, numbers whichever way the driver returns 64-bit integers, sorted. */
const comparable = (rows: Row[], columns: string[]): Row[] =>
  rows
    .map((r) => Object.fromEntries(columns.map((c) => [c, typeof r[c] === "bigint" ? Number(r[c]) : r[c]])))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

async function allRows(db: AnyDb, kind: Backend): Promise<Record<string, Row[]>> {
  const out: Record<string, Row[]> = {};
  for (const table of Object.keys(await schemaShape(db, kind))) {
    out[table] = (await db.selectFrom(table).selectAll().execute()) as Row[];
  }
  return out;
}

async function checkCarriedOver(d: Db, kind: Backend): Promise<void> {
  // requests.force became forced: the targets when it was set.
  const requests = await d.db.selectFrom("requests").select(["id", "forced"]).orderBy("id").execute();
  expect(requests).toEqual([
    { id: 1, forced: '["hello","world"]' },
    { id: 2, forced: "[]" },
  ]);
  const next = await d.db
    .insertInto("requests")
    .values({
      targets: "[]",
      forced: "[]",
      up_to_date: "[]",
      status: "done",
      created_by: "t",
      created_at: "t",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  expect(next.id).toBe(4);

  // The pipeline columns of older jobs have their defaults.
  const jobs = await d.db.selectFrom("jobs").selectAll().orderBy("id").execute();
  expect(jobs.map((j) => [j.stage, j.stage_name, j.name, j.runs_on, j.sandbox])).toEqual([
    [0, "", "", "agent", null],
    [0, "", "", "agent", null],
  ]);

  // One disabled state: the agent disabled by the old column is disabled, since the upgrade.
  const w1 = await agentByName(d.db, "w1");
  expect(w1?.disabled_at).toMatch(/^\d{4}-\d\d-\d\dT/);
  expect(await agentIsDisabled(d.db, w1!.id)).toBe(true);
  expect(await agentIsDisabled(d.db, (await agentByName(d.db, "w2"))!.id)).toBe(false);
  expect((await agentByName(d.db, "w1#3"))?.disabled_at).toBeNull();
  const states = Object.fromEntries((await agentViews(d.db, 60_000)).map((a) => [a.name, a.state]));
  expect(states).toEqual({ w1: "disabled", w2: "offline", "w1#3": "offline" });

  // A file's size is 64-bit on both engines now.
  const size = 5 * 2 ** 32;
  await d.db
    .insertInto("artifacts")
    .values({ build_id: 1, kind: "rpm", filename: "big.rpm", sha256: "bb", size })
    .execute();
  const big = await d.db
    .selectFrom("artifacts")
    .select("size")
    .where("filename", "=", "big.rpm")
    .executeTakeFirst();
  expect(big?.size).toBe(size);

  if (kind === "sqlite") {
    // The rebuilt requests table is still the one jobs refer to.
    expect((await sql`pragma foreign_key_check`.execute(d.db)).rows).toEqual([]);
    await expect(
      d.db
        .insertInto("jobs")
        .values({ ...jobs[0]!, id: undefined, request_id: 99 })
        .execute(),
    ).rejects.toThrow(/FOREIGN KEY/);
  }
}
