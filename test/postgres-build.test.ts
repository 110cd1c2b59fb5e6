// The bundled example set built end to end by the real `kiln build` with its database on PostgreSQL
// (`--db postgres://…`): the same results as with the embedded SQLite database.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../src/db/connect.js";
import { copyExamples, type FreshDatabase, freshDatabaseUrl, kiln, type KilnResult } from "./kit/index.js";

describe("kiln build --db postgres://…", () => {
  let set: string;
  let pg: FreshDatabase;
  let first: KilnResult;

  beforeAll(async () => {
    set = copyExamples();
    pg = await freshDatabaseUrl("postgres");
    first = await kiln(["build", "--set", set, "--db", pg.url, "--jobs", "2"]);
  });
  afterAll(() => pg?.drop());

  it("builds every package green, recorded in PostgreSQL", async () => {
    expect(first.stderr).not.toMatch(/FAILED|blocked|invalid/);
    expect(first.stdout).toContain("built 7, up to date 0, cut off 0, failed 0, blocked 0");
    expect(first.code).toBe(0);
    expect(existsSync(join(set, ".kiln", "kiln.db"))).toBe(false);
    expect(existsSync(join(set, ".kiln", "repos", "testing", "repodata", "repomd.xml"))).toBe(true);
    const { db, close } = await openDatabase(pg.url);
    try {
      const builds = await db.selectFrom("builds").selectAll().execute();
      expect(builds).toHaveLength(7);
      expect(builds.every((b) => b.status === "green" && typeof b.id === "number")).toBe(true);
      const arts = await db.selectFrom("artifacts").selectAll().execute();
      expect(arts.every((a) => typeof a.size === "number" && a.size > 0)).toBe(true);
      const content = await db
        .selectFrom("repo_packages")
        .selectAll()
        .where("repo", "=", "testing")
        .execute();
      expect(content).toHaveLength(7);
    } finally {
      await close();
    }
  });

  it("builds nothing the second time, and reads no spec again", async () => {
    const again = await kiln(["build", "--set", set, "--db", pg.url]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("built 0, up to date 7, cut off 0, failed 0, blocked 0");
    expect(again.stderr).toContain("(0 spec(s) read, 7 from the cache)");
  });

  it("plans from the durations recorded in PostgreSQL", async () => {
    const r = await kiln(["plan", "--set", set, "--db", pg.url, "libgreet"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /a change to libgreet rebuilds at most \d+ package\(s\) in \d+ wave\(s\), about [\d.]+ s with enough agents/,
    );
  });

  it("says which server it cannot reach, without a stack trace", async () => {
    const r = await kiln(["graph", "--set", set, "--db", "postgres://kiln@127.0.0.1:1/kiln"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cannot connect to PostgreSQL at 127.0.0.1:1/kiln");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("refuses a database URL it does not know", async () => {
    const r = await kiln(["graph", "--set", set, "--db", "mysql://localhost/kiln"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unsupported database URL "mysql://localhost/kiln"');
  });
});
