// The database layer on both back ends: the same migrations and the same queries, on SQLite and on
// a real PostgreSQL server.
import { Kysely, SqliteDialect, sql } from "kysely";
import { describe, expect, it } from "vitest";
import {
  abandonRunningBuilds,
  artifactsOf,
  finishBuild,
  insertArtifacts,
  lastDurations,
  latestGreenBuilds,
  toBuiltBinary,
} from "../src/db/builds.js";
import { openDatabase, type Db } from "../src/db/connect.js";
import { dialectFeatures, type AnyDb } from "../src/db/dialect.js";
import * as m0001 from "../src/db/migrations/0001-initial.js";
import * as m0002 from "../src/db/migrations/0002-set-snapshots.js";
import { openNodeSqlite } from "../src/db/node-sqlite.js";
import {
  commitContent,
  commitSnapshot,
  ensureRepositories,
  getRepository,
  repositoryContent,
} from "../src/db/repos.js";
import type { NewArtifact } from "../src/db/schema.js";
import { getCachedSpecs, getSetSnapshot, putCachedSpecs, putSetSnapshot } from "../src/db/spec-cache.js";
import { UserError } from "../src/util/errors.js";
import { backends, databaseForSuite, POSTGRES_SERVER, testBuild } from "./kit/index.js";

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe.each(backends)("the database on %s", (kind) => {
  let d: Db;
  let url: string;
  databaseForSuite(kind, (opened, fresh) => {
    d = opened;
    url = fresh.url;
  });

  const newBuild = (pkg: string): Promise<number> => testBuild(d, pkg, JSON.stringify({ spec: pkg }));

  it("migrates an empty database; opening it again changes nothing", async () => {
    expect(d.features.kind).toBe(kind);
    const tables = async (db: Db): Promise<string[]> =>
      (await db.db.introspection.getTables()).map((t) => t.name).sort();
    const migrations = async (db: Db): Promise<unknown[]> =>
      (await sql`select name, timestamp from kysely_migration order by name`.execute(db.db)).rows;
    const before = { tables: await tables(d), migrations: await migrations(d) };
    expect(before.tables).toEqual(
      expect.arrayContaining([
        "artifacts",
        "builds",
        "repo_packages",
        "repositories",
        "set_snapshots",
        "spec_cache",
      ]),
    );
    expect(before.migrations.length).toBeGreaterThanOrEqual(2);
    const again = await openDatabase(url);
    try {
      expect(await tables(again)).toEqual(before.tables);
      expect(await migrations(again)).toEqual(before.migrations);
    } finally {
      await again.close();
    }
    // Artifact sizes are 64-bit on both.
    const artifacts = (await d.db.introspection.getTables()).find((t) => t.name === "artifacts")!;
    const size = artifacts.columns.find((c) => c.name === "size")!;
    expect(size.dataType).toBe(kind === "postgres" ? "int8" : "INTEGER");
  });

  it("creates, finishes and finds builds, with numeric ids and ISO times", async () => {
    const a1 = await newBuild("alpha");
    const b1 = await newBuild("beta");
    expect(typeof a1).toBe("number");
    expect(b1).toBeGreaterThan(a1);
    await finishBuild(d.db, a1, "green", 1234.4, null);
    await finishBuild(d.db, b1, "failed", 99, "boom");
    const a2 = await newBuild("alpha");
    await finishBuild(d.db, a2, "green", 2000, null);
    const running = await newBuild("gamma");

    const greens = await latestGreenBuilds(d.db);
    expect([...greens.keys()].sort()).toEqual(["alpha"]);
    const alpha = greens.get("alpha")!;
    expect(alpha.id).toBe(a2);
    expect(alpha).toMatchObject({
      status: "green",
      duration_ms: 2000,
      error: null,
      log_path: `/logs/${a2}/build.log`,
    });
    expect(JSON.parse(alpha.inputs)).toEqual({ spec: "alpha" });
    for (const t of [alpha.created_at, alpha.started_at, alpha.finished_at]) expect(t).toMatch(ISO);

    expect(await lastDurations(d.db)).toEqual(
      new Map([
        ["alpha", 2000],
        ["beta", 99],
      ]),
    );
    expect(await abandonRunningBuilds(d.db)).toBe(1);
    expect(await abandonRunningBuilds(d.db)).toBe(0);
    const gamma = await d.db
      .selectFrom("builds")
      .selectAll()
      .where("id", "=", running)
      .executeTakeFirstOrThrow();
    expect(gamma.status).toBe("cancelled");
    // Aggregates come back as numbers too (count(*) is a bigint on PostgreSQL).
    const { n } = await d.db
      .selectFrom("builds")
      .select((e) => e.fn.countAll().as("n"))
      .executeTakeFirstOrThrow();
    expect(n).toBe(4);
  });

  it("stores artifacts: sizes beyond 2^31, JSON text, ordered by build and file name", async () => {
    const id = await newBuild("big");
    const base = {
      build_id: id,
      sha256: "0".repeat(64),
      epoch: null,
      version: null,
      release: null,
      arch: null,
    };
    const rows: NewArtifact[] = [
      {
        ...base,
        kind: "rpm",
        filename: "big-devel-1.0-1.x86_64.rpm",
        size: 5_000_000_000,
        name: "big-devel",
        epoch: 2,
        version: "1.0",
        release: "1",
        arch: "x86_64",
        provides: JSON.stringify(["big-devel = 2:1.0-1", "pkgconfig(big) = 1.0"]),
        requires: JSON.stringify(["big = 2:1.0-1"]),
        files: JSON.stringify(["/usr/lib64/pkgconfig/big.pc"]),
      },
      {
        ...base,
        kind: "rpm",
        filename: "Big-1.0-1.x86_64.rpm",
        size: 2 ** 31,
        name: "Big",
        provides: null,
        requires: null,
        files: null,
      },
      {
        ...base,
        kind: "log",
        filename: "build.log",
        size: 1,
        name: null,
        provides: null,
        requires: null,
        files: null,
      },
    ];
    await insertArtifacts(d.db, rows);
    const got = await artifactsOf(d.db, [id]);
    // Code point order on both back ends: upper case first.
    expect(got.map((a) => a.filename)).toEqual([
      "Big-1.0-1.x86_64.rpm",
      "big-devel-1.0-1.x86_64.rpm",
      "build.log",
    ]);
    const devel = got[1]!;
    expect(typeof devel.id).toBe("number");
    expect(devel.size).toBe(5_000_000_000);
    expect(got[0]!.size).toBe(2 ** 31);
    expect(toBuiltBinary(devel)).toEqual({
      name: "big-devel",
      evr: { epoch: 2, version: "1.0", release: "1" },
      arch: "x86_64",
      provides: ["big-devel = 2:1.0-1", "pkgconfig(big) = 1.0"],
      requires: ["big = 2:1.0-1"],
      files: ["/usr/lib64/pkgconfig/big.pc"],
    });
    expect(await artifactsOf(d.db, [])).toEqual([]);
    // The same file name twice in one build is refused.
    await expect(insertArtifacts(d.db, [rows[2]!])).rejects.toThrow();
  });

  it("records repository content and snapshots", async () => {
    await ensureRepositories(d.db, ["testing", "stable"]);
    await ensureRepositories(d.db, ["testing"]); // already there: left alone
    const fresh = await getRepository(d.db, "testing");
    expect(fresh).toMatchObject({
      snapshot: 0,
      content_version: 0,
      snapshot_content_version: 0,
      host_provides: "[]",
    });
    expect(await getRepository(d.db, "TESTING")).toBeUndefined(); // names are case-sensitive

    const one = await newBuild("one");
    const two = await newBuild("two");
    await commitContent(d.db, "testing", new Map([["one", one]]));
    await commitContent(d.db, "testing", new Map([["two", two]]));
    expect(await repositoryContent(d.db, "testing")).toEqual(new Map([["two", two]]));
    await commitContent(
      d.db,
      "testing",
      new Map([
        ["one", one],
        ["two", two],
      ]),
    );
    const repo = (await getRepository(d.db, "testing"))!;
    expect(repo.content_version).toBe(3);
    expect(repo.updated_at).toMatch(ISO);

    await commitSnapshot(d.db, {
      repo: "testing",
      snapshot: 1,
      contentVersion: 3,
      hostProvides: {
        release: 1,
        capabilities: ["libc.so.6()(64bit)"],
        sha256: "ab".repeat(32),
        filename: "h.rpm",
      },
    });
    expect(await getRepository(d.db, "testing")).toMatchObject({
      snapshot: 1,
      snapshot_content_version: 3,
      host_provides_release: 1,
      host_provides: JSON.stringify(["libc.so.6()(64bit)"]),
      host_provides_filename: "h.rpm",
    });
    expect(await repositoryContent(d.db, "stable")).toEqual(new Map());
  });

  it("rolls a transaction back on error", async () => {
    const one = await newBuild("rollback-one");
    await ensureRepositories(d.db, ["rb"]);
    await commitContent(d.db, "rb", new Map([["one", one]]));
    // A build id that does not exist breaks the foreign key half-way through commitContent:
    // neither the removal of "one" nor the version bump may stay.
    await expect(commitContent(d.db, "rb", new Map([["ghost", 999_999]]))).rejects.toThrow();
    expect(await repositoryContent(d.db, "rb")).toEqual(new Map([["one", one]]));
    expect((await getRepository(d.db, "rb"))!.content_version).toBe(1);

    await expect(
      d.db.transaction().execute(async (tx) => {
        await putSetSnapshot(tx, "/sets/rolled-back", "{}");
        throw new Error("stop");
      }),
    ).rejects.toThrow("stop");
    expect(await getSetSnapshot(d.db, "/sets/rolled-back")).toBeUndefined();
  });

  it("caches specs by key and keeps one snapshot per set", async () => {
    const entries = Array.from({ length: 1203 }, (_, i) => ({ key: `k${i}`, data: JSON.stringify({ i }) }));
    await putCachedSpecs(d.db, entries);
    await putCachedSpecs(d.db, [{ key: "k0", data: "ignored: the first write of a key stays" }]);
    const got = await getCachedSpecs(d.db, [...entries.map((e) => e.key), "missing"]);
    expect(got.size).toBe(1203);
    expect(JSON.parse(got.get("k0")!)).toEqual({ i: 0 });
    expect(JSON.parse(got.get("k1202")!)).toEqual({ i: 1202 });
    expect(await getCachedSpecs(d.db, ["K0"])).toEqual(new Map());

    await putSetSnapshot(d.db, "/sets/a", JSON.stringify({ v: 1 }));
    await putSetSnapshot(d.db, "/sets/a", JSON.stringify({ v: 2 }));
    expect(JSON.parse((await getSetSnapshot(d.db, "/sets/a"))!)).toEqual({ v: 2 });
  });
});

describe("opening a database", () => {
  it("refuses a URL that is neither SQLite nor PostgreSQL, naming the accepted forms", async () => {
    const e = await openDatabase("mysql://root@localhost/kiln").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).code).toBe("USAGE");
    expect((e as UserError).format()).toContain('"mysql://root@localhost/kiln"');
    expect((e as UserError).format()).toMatch(/sqlite:PATH.*postgres:\/\//);
  });

  it("says which PostgreSQL server it could not reach, and why", async () => {
    const e = await openDatabase("postgres://kiln@127.0.0.1:1/kiln").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).code).toBe("DATABASE_UNAVAILABLE");
    expect((e as UserError).message).toMatch(
      /^cannot connect to PostgreSQL at 127\.0\.0\.1:1\/kiln: .*ECONNREFUSED/,
    );
  });

  it("says when the PostgreSQL database does not exist", async () => {
    const url = new URL(POSTGRES_SERVER);
    url.pathname = "/kiln_test_does_not_exist";
    const e = await openDatabase(url.toString()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).message).toContain('database "kiln_test_does_not_exist" does not exist');
  });

  it("keeps the SQLite output of the released migrations 0001 and 0002 exactly as released", async () => {
    const database = openNodeSqlite(":memory:");
    const db: AnyDb = new Kysely({ dialect: new SqliteDialect({ database }) });
    try {
      await m0001.up(db, dialectFeatures("sqlite"));
      await m0002.up(db);
      const schema = database.raw
        .prepare(
          "select name, sql from sqlite_master where sql is not null and name != 'sqlite_sequence' order by name",
        )
        .all();
      expect(schema).toEqual([
        {
          name: "artifacts",
          sql: 'CREATE TABLE "artifacts" ("id" integer primary key autoincrement, "build_id" integer not null references "builds" ("id"), "kind" text not null, "filename" text not null, "sha256" text not null, "size" integer not null, "name" text, "epoch" integer, "version" text, "release" text, "arch" text, "provides" text, "requires" text, "files" text, constraint "artifacts_build_file" unique ("build_id", "filename"))',
        },
        { name: "artifacts_sha256", sql: 'CREATE INDEX "artifacts_sha256" on "artifacts" ("sha256")' },
        {
          name: "builds",
          sql: 'CREATE TABLE "builds" ("id" integer primary key autoincrement, "package" text not null, "status" text not null, "reason" text not null, "input_key" text not null, "inputs" text not null, "evr" text not null, "log_path" text not null, "error" text, "created_at" text not null, "started_at" text, "finished_at" text, "duration_ms" integer)',
        },
        {
          name: "builds_package_status",
          sql: 'CREATE INDEX "builds_package_status" on "builds" ("package", "status", "id")',
        },
        {
          name: "repo_packages",
          sql: 'CREATE TABLE "repo_packages" ("repo" text not null references "repositories" ("name"), "package" text not null, "build_id" integer not null references "builds" ("id"), "published_at" text not null, constraint "repo_packages_pk" primary key ("repo", "package"))',
        },
        {
          name: "repositories",
          sql: 'CREATE TABLE "repositories" ("name" text primary key, "snapshot" integer not null, "content_version" integer default 0 not null, "snapshot_content_version" integer default 0 not null, "host_provides_release" integer not null, "host_provides" text not null, "host_provides_sha256" text, "host_provides_filename" text, "updated_at" text not null)',
        },
        {
          name: "set_snapshots",
          sql: 'CREATE TABLE "set_snapshots" ("set_dir" text primary key, "data" text not null, "updated_at" text not null)',
        },
        {
          name: "spec_cache",
          sql: 'CREATE TABLE "spec_cache" ("key" text primary key, "data" text not null, "created_at" text not null)',
        },
      ]);
    } finally {
      await db.destroy();
    }
  });
});
