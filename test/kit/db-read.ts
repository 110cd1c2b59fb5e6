// What a build left in the database, read the same way on SQLite and PostgreSQL: open the URL a
// way (or farm) gives, read, close.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { BuildStep } from "../../src/api/schemas.js";
import { openDatabase } from "../../src/db/connect.js";

async function reading<T>(
  dbUrl: string,
  f: (db: Awaited<ReturnType<typeof openDatabase>>["db"]) => Promise<T>,
): Promise<T> {
  const { db, close } = await openDatabase(dbUrl);
  try {
    return await f(db);
  } finally {
    await close();
  }
}

export interface BuildRow {
  id: number;
  package: string;
  /** The build's status, or cut-off when its output equalled a published build's. */
  status: string;
  /** ms since the epoch (NaN when not set). */
  started: number;
  finished: number;
}

/** Each build after build id `after`: package, status, and when it started and finished. */
export function buildRows(dbUrl: string, after: number): Promise<BuildRow[]> {
  return reading(dbUrl, async (db) => {
    const rows = await db.selectFrom("builds").selectAll().where("id", ">", after).orderBy("id").execute();
    return rows.map((b) => ({
      id: b.id,
      package: b.package,
      status: b.same_output_as !== null ? "cut-off" : b.status,
      started: Date.parse(b.started_at ?? ""),
      finished: Date.parse(b.finished_at ?? ""),
    }));
  });
}

/** Builds per package after build id `after`, with what became of each. */
export async function buildsSince(dbUrl: string, after: number): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const b of await buildRows(dbUrl, after)) (out[b.package] ??= []).push(b.status);
  return out;
}

export function lastBuildId(dbUrl: string): Promise<number> {
  return reading(dbUrl, async (db) => {
    const r = await db.selectFrom("builds").select("id").orderBy("id", "desc").executeTakeFirst();
    return r?.id ?? 0;
  });
}

/** The steps of a package's last build. */
export function lastBuildSteps(dbUrl: string, pkg: string): Promise<BuildStep[]> {
  return reading(dbUrl, async (db) => {
    const b = await db
      .selectFrom("builds")
      .select("steps")
      .where("package", "=", pkg)
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    return z.array(BuildStep).parse(JSON.parse(b.steps ?? "null"));
  });
}

/** The artifacts of a package's last build, by file name. */
export function artifacts(
  dbUrl: string,
  pkg: string,
): Promise<Map<string, { kind: string; sha256: string }>> {
  return reading(dbUrl, async (db) => {
    const b = await db
      .selectFrom("builds")
      .select("id")
      .where("package", "=", pkg)
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    const rows = await db.selectFrom("artifacts").selectAll().where("build_id", "=", b.id).execute();
    return new Map(rows.map((r) => [r.filename, { kind: r.kind, sha256: r.sha256 }]));
  });
}

/** An artifact's bytes in a data directory's content-addressed store, as text. */
export const stored = (data: string, sha256: string): string =>
  readFileSync(join(data, "artifacts", "sha256", sha256.slice(0, 2), sha256), "utf8");
