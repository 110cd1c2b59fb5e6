// Update threads: one row per (package, version) seen upstream, and its timeline. A thread is
// opened, and the older ones it supersedes are closed, in one transaction; the unique
// (package, rpm_version) lets two servers that saw the same release open it once.
import { isOpenUpdate, onNewVersion, UPDATE_STATES, type UpdateState } from "../core/update-thread.js";
import type { Conn, UpdateEventRow, UpdateRow, UpdatesTable } from "./schema.js";

export async function updatesOf(
  db: Conn,
  o: { package?: string; ids?: number[]; limit?: number } = {},
): Promise<UpdateRow[]> {
  let q = db
    .selectFrom("updates")
    .selectAll()
    .orderBy("id", "desc")
    .limit(o.limit ?? 200);
  if (o.package !== undefined) q = q.where("package", "=", o.package);
  if (o.ids) q = q.where("id", "in", o.ids.length ? o.ids : [-1]);
  return q.execute();
}

export async function updateEvents(db: Conn, ids: number[]): Promise<UpdateEventRow[]> {
  if (!ids.length) return [];
  return db.selectFrom("update_events").selectAll().where("update_id", "in", ids).orderBy("id").execute();
}

export interface NewThread {
  package: string;
  version: string;
  raw: string;
  rpmVersion: string;
  fromVersion: string;
  tarballUrl?: string;
  tarballName?: string;
  note: string;
}

/** Opens a thread for this version unless onNewVersion refuses; returns its id, or why not. */
export async function openThread(
  db: Conn,
  t: NewThread,
  now: Date,
): Promise<{ id: number; superseded: number[] } | { why: string }> {
  try {
    return await db.transaction().execute(async (tx) => {
      const threads = await tx
        .selectFrom("updates")
        .select(["id", "rpm_version", "state"])
        .where("package", "=", t.package)
        .execute();
      const d = onNewVersion(
        threads.map((r) => ({ id: r.id, rpmVersion: r.rpm_version, state: r.state })),
        t.rpmVersion,
      );
      if (!d.open) return { why: d.why };
      const at = now.toISOString();
      const row = await tx
        .insertInto("updates")
        .values({
          package: t.package,
          version: t.version,
          raw: t.raw,
          rpm_version: t.rpmVersion,
          from_version: t.fromVersion,
          state: "detected",
          note: t.note,
          opened_at: at,
          updated_at: at,
          tarball_url: t.tarballUrl ?? null,
          tarball_name: t.tarballName ?? null,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await addEvent(tx, row.id, "detected", t.note, at);
      for (const old of d.supersede)
        await setState(tx, old, "superseded", `superseded by ${t.rpmVersion} (thread ${row.id})`, now);
      return { id: row.id, superseded: d.supersede };
    });
  } catch (e) {
    // Another server opened it between our read and our insert.
    const again = await db
      .selectFrom("updates")
      .select(["id"])
      .where("package", "=", t.package)
      .where("rpm_version", "=", t.rpmVersion)
      .executeTakeFirst();
    if (again) return { why: `thread ${again.id} is about ${t.rpmVersion} already` };
    throw e;
  }
}

async function addEvent(
  db: Conn,
  id: number,
  state: UpdateState,
  note: string,
  at: string,
  requestId?: number,
): Promise<void> {
  await db
    .insertInto("update_events")
    .values({ update_id: id, at, state, note, request_id: requestId ?? null })
    .execute();
}

/**
 * Moves an open thread to `state` with a note (and the fields given), recorded on its timeline. A
 * thread that ended meanwhile (a maintainer rejected it while its candidate built) stays as it
 * is: false.
 */
export async function setState(
  db: Conn,
  id: number,
  state: UpdateState,
  note: string,
  now: Date,
  fields: Partial<
    Pick<
      UpdatesTable,
      "branch" | "commit" | "patch" | "tarball_url" | "tarball_sha256" | "request_id" | "claimed_until"
    >
  > = {},
): Promise<boolean> {
  const at = now.toISOString();
  const r = await db
    .updateTable("updates")
    .set({ state, note, updated_at: at, ...fields })
    .where("id", "=", id)
    .where("state", "in", OPEN_STATES)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) return false;
  await addEvent(db, id, state, note, at, fields.request_id ?? undefined);
  return true;
}

const OPEN_STATES = UPDATE_STATES.filter(isOpenUpdate);

/** Threads in `state`, oldest first (the work queue of the thread runner). */
export async function threadsIn(db: Conn, state: UpdateState): Promise<UpdateRow[]> {
  return db.selectFrom("updates").selectAll().where("state", "=", state).orderBy("id").execute();
}

/** A maintainer's no: the thread ends rejected and its version is never proposed again. */
export async function rejectThread(
  db: Conn,
  id: number,
  by: string,
  reason: string | undefined,
  now: Date,
): Promise<"rejected" | "unknown" | UpdateState> {
  const row = await db.selectFrom("updates").select(["state"]).where("id", "=", id).executeTakeFirst();
  if (!row) return "unknown";
  if (!isOpenUpdate(row.state) && row.state !== "needs-hand" && row.state !== "failed") return row.state;
  const note = `rejected by ${by}${reason ? `: ${reason}` : ""}; this version will not be proposed again`;
  const at = now.toISOString();
  const u = await db
    .updateTable("updates")
    .set({ state: "rejected", note, updated_at: at })
    .where("id", "=", id)
    .where("state", "=", row.state)
    .executeTakeFirst();
  if (Number(u.numUpdatedRows) === 0) return rejectThread(db, id, by, reason, now);
  await addEvent(db, id, "rejected", note, at);
  return "rejected";
}
