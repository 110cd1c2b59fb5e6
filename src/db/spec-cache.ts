// The spec cache: what librpm read from a spec, keyed by a hash of the spec's content and of
// everything else that shapes the result (reader version, rpm version, macros, path).
import type { Conn } from "./schema.js";

const CHUNK = 500;

export async function getCachedSpecs(db: Conn, keys: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < keys.length; i += CHUNK) {
    const rows = await db
      .selectFrom("spec_cache")
      .select(["key", "data"])
      .where("key", "in", keys.slice(i, i + CHUNK))
      .execute();
    for (const r of rows) out.set(r.key, r.data);
  }
  return out;
}

export async function putCachedSpecs(db: Conn, entries: { key: string; data: string }[]): Promise<void> {
  if (entries.length === 0) return;
  const now = new Date().toISOString();
  await db.transaction().execute(async (tx) => {
    for (let i = 0; i < entries.length; i += CHUNK) {
      await tx
        .insertInto("spec_cache")
        .values(entries.slice(i, i + CHUNK).map((e) => ({ ...e, created_at: now })))
        .onConflict((oc) => oc.column("key").doNothing())
        .execute();
    }
  });
}

export async function getSetSnapshot(db: Conn, setDir: string): Promise<string | undefined> {
  const row = await db
    .selectFrom("set_snapshots")
    .select("data")
    .where("set_dir", "=", setDir)
    .executeTakeFirst();
  return row?.data;
}

export async function putSetSnapshot(db: Conn, setDir: string, data: string): Promise<void> {
  const now = new Date().toISOString();
  await db
    .insertInto("set_snapshots")
    .values({ set_dir: setDir, data, updated_at: now })
    .onConflict((oc) => oc.column("set_dir").doUpdateSet({ data, updated_at: now }))
    .execute();
}
