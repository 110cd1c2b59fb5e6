// Release watches' state: which packages are watched and when each is due, what its last look saw,
// and the upstreams' cacheable answers. A due watch is claimed by moving next_at forward in one
// UPDATE naming the value read, so two servers on one database never look at once.
import type { Conn, WatchesTable, WatchRow } from "./schema.js";

export async function watchRows(db: Conn, packages?: string[]): Promise<WatchRow[]> {
  let q = db.selectFrom("watches").selectAll().orderBy("package");
  if (packages?.length) q = q.where("package", "in", packages);
  return q.execute();
}

/**
 * Makes the rows match the set: a package newly watched is due now, one whose source changed is due
 * now and forgets what it saw, one no longer watched is dropped.
 */
export async function syncWatches(
  db: Conn,
  watched: { package: string; source: string }[],
  now: Date,
): Promise<void> {
  const rows = new Map((await watchRows(db)).map((r) => [r.package, r]));
  const at = now.toISOString();
  for (const w of watched) {
    const row = rows.get(w.package);
    rows.delete(w.package);
    if (row?.source === w.source) continue;
    const fresh = {
      source: w.source,
      next_at: at,
      checked_at: null,
      outcome: null,
      current: null,
      newest: null,
      newest_raw: null,
      note: null,
      error: null,
      error_since: null,
      failures: 0,
      seen: null,
    };
    if (row) await db.updateTable("watches").set(fresh).where("package", "=", w.package).execute();
    else
      await db
        .insertInto("watches")
        .values({ package: w.package, ...fresh })
        .onConflict((oc) => oc.column("package").doNothing())
        .execute();
  }
  if (rows.size)
    await db
      .deleteFrom("watches")
      .where("package", "in", [...rows.keys()])
      .execute();
}

/** Claims the watches due at `now` (at most `limit`), each until `until`; returns those won. */
export async function claimDue(db: Conn, now: Date, until: Date, limit = 20): Promise<WatchRow[]> {
  const due = await db
    .selectFrom("watches")
    .selectAll()
    .where("next_at", "<=", now.toISOString())
    .orderBy("next_at")
    .limit(limit)
    .execute();
  return claimRows(db, due, until);
}

/**
 * Claims these watches now, due or not (`kiln watch`). A scheduled look that another server began at
 * the same moment may run beside it: harmless, as answers come from the conditional-request cache.
 */
export async function claimNow(db: Conn, packages: string[], until: Date): Promise<WatchRow[]> {
  return claimRows(db, await watchRows(db, packages), until);
}

async function claimRows(db: Conn, rows: WatchRow[], until: Date): Promise<WatchRow[]> {
  const won: WatchRow[] = [];
  for (const r of rows) {
    const u = await db
      .updateTable("watches")
      .set({ next_at: until.toISOString() })
      .where("package", "=", r.package)
      .where("next_at", "=", r.next_at)
      .executeTakeFirst();
    if (Number(u.numUpdatedRows) > 0) won.push({ ...r, next_at: until.toISOString() });
  }
  return won;
}

export type WatchLook = Pick<
  WatchesTable,
  "outcome" | "current" | "newest" | "newest_raw" | "note" | "error" | "seen" | "next_at"
> & { checked_at: string };

/** Records a look's result; failures count up until a good look clears them. */
export async function recordLook(db: Conn, pkg: string, look: WatchLook): Promise<void> {
  const failed = look.outcome === "error";
  const row = await db
    .selectFrom("watches")
    .select(["failures", "error_since"])
    .where("package", "=", pkg)
    .executeTakeFirst();
  if (!row) return;
  await db
    .updateTable("watches")
    .set({
      ...look,
      failures: failed ? row.failures + 1 : 0,
      error_since: failed ? (row.error_since ?? look.checked_at) : null,
      // A failed look keeps what the last good one saw.
      ...(failed ? { newest: undefined, newest_raw: undefined, current: undefined, seen: undefined } : {}),
    })
    .where("package", "=", pkg)
    .execute();
}

export interface CachedAnswer {
  etag?: string;
  lastModified?: string;
  body: string;
}

/** Where answers with an ETag or Last-Modified are kept for conditional requests. */
export interface AnswerCache {
  get(url: string): Promise<CachedAnswer | undefined>;
  put(url: string, answer: CachedAnswer): Promise<void>;
}

/** Upstream answers with an ETag or Last-Modified, kept for conditional requests. */
export function answerCache(db: Conn): AnswerCache {
  return {
    async get(url: string): Promise<CachedAnswer | undefined> {
      const r = await db.selectFrom("upstream_answers").selectAll().where("url", "=", url).executeTakeFirst();
      if (!r) return undefined;
      return {
        body: r.body,
        ...(r.etag !== null ? { etag: r.etag } : {}),
        ...(r.last_modified !== null ? { lastModified: r.last_modified } : {}),
      };
    },
    async put(url: string, a: CachedAnswer): Promise<void> {
      const row = {
        etag: a.etag ?? null,
        last_modified: a.lastModified ?? null,
        body: a.body,
        fetched_at: new Date().toISOString(),
      };
      await db
        .insertInto("upstream_answers")
        .values({ url, ...row })
        .onConflict((oc) => oc.column("url").doUpdateSet(row))
        .execute();
    },
  };
}
