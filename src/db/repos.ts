// Repositories: which build of each package a repository holds, and its current snapshot.
import type { Conn, RepoHistoryRow, RepositoryRow } from "./schema.js";

export async function ensureRepositories(db: Conn, names: string[]): Promise<void> {
  const now = new Date().toISOString();
  for (const name of names) {
    await db
      .insertInto("repositories")
      .values({
        name,
        snapshot: 0,
        host_provides_release: 0,
        host_provides: "[]",
        updated_at: now,
      })
      .onConflict((oc) => oc.column("name").doNothing())
      .execute();
  }
}

export async function getRepository(db: Conn, name: string): Promise<RepositoryRow | undefined> {
  return db.selectFrom("repositories").selectAll().where("name", "=", name).executeTakeFirst();
}

/** Package → build id of what the repository holds. */
export async function repositoryContent(db: Conn, repo: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom("repo_packages")
    .select(["package", "build_id"])
    .where("repo", "=", repo)
    .execute();
  return new Map(rows.map((r) => [r.package, r.build_id]));
}

export interface Audit {
  /** What a changed package's new build is: published by its build, promoted in, or demoted to. */
  action: "publish" | "promote" | "demote";
  actor: string;
  reason?: string | null;
  from?: string | null;
}

/** Records what the repository holds now, each change in its history; the snapshot follows (src/repos). */
export async function commitContent(
  db: Conn,
  repo: string,
  content: ReadonlyMap<string, number>,
  audit: Audit = { action: "publish", actor: "build" },
): Promise<void> {
  const now = new Date().toISOString();
  await db.transaction().execute(async (tx) => {
    const before = await repositoryContent(tx, repo);
    const history = (pkg: string, buildId: number | null, action: RepoHistoryRow["action"]) =>
      tx
        .insertInto("repo_history")
        .values({
          repo,
          package: pkg,
          build_id: buildId,
          previous_build_id: before.get(pkg) ?? null,
          action,
          from_repo: audit.from ?? null,
          actor: audit.actor,
          reason: audit.reason ?? null,
          created_at: now,
        })
        .execute();
    for (const [pkg] of before) {
      if (!content.has(pkg)) {
        await tx.deleteFrom("repo_packages").where("repo", "=", repo).where("package", "=", pkg).execute();
        await history(pkg, null, "remove");
      }
    }
    for (const [pkg, buildId] of content) {
      if (before.get(pkg) === buildId) continue;
      await history(pkg, buildId, audit.action);
      await tx
        .insertInto("repo_packages")
        .values({ repo, package: pkg, build_id: buildId, published_at: now })
        .onConflict((oc) =>
          oc.columns(["repo", "package"]).doUpdateSet({ build_id: buildId, published_at: now }),
        )
        .execute();
    }
    await tx
      .updateTable("repositories")
      .set((eb) => ({ content_version: eb("content_version", "+", 1), updated_at: now }))
      .where("name", "=", repo)
      .execute();
  });
}

export interface SnapshotRecord {
  repo: string;
  snapshot: number;
  contentVersion: number;
  hostProvides: { release: number; capabilities: string[]; sha256: string | null; filename: string | null };
}

/** Records that snapshot `snapshot`, written from `contentVersion`, is what clients see. */
export async function commitSnapshot(db: Conn, s: SnapshotRecord): Promise<void> {
  await db
    .updateTable("repositories")
    .set({
      snapshot: s.snapshot,
      snapshot_content_version: s.contentVersion,
      host_provides_release: s.hostProvides.release,
      host_provides: JSON.stringify(s.hostProvides.capabilities),
      host_provides_sha256: s.hostProvides.sha256,
      host_provides_filename: s.hostProvides.filename,
      updated_at: new Date().toISOString(),
    })
    .where("name", "=", s.repo)
    .execute();
}

/** A repository's history, newest first (optionally one package's), at most `limit` entries. */
export async function repositoryHistory(
  db: Conn,
  o: { repo?: string; package?: string; limit?: number } = {},
): Promise<RepoHistoryRow[]> {
  let q = db
    .selectFrom("repo_history")
    .selectAll()
    .orderBy("id", "desc")
    .limit(o.limit ?? 100);
  if (o.repo) q = q.where("repo", "=", o.repo);
  if (o.package) q = q.where("package", "=", o.package);
  return q.execute();
}

/** Package → the builds held, newest (current) first, each once: kept for downgrades, demoted back to. */
export async function heldBuilds(db: Conn, repo: string): Promise<Map<string, number[]>> {
  const rows = await db
    .selectFrom("repo_history")
    .select(["package", "build_id", "previous_build_id", "action"])
    .where("repo", "=", repo)
    .orderBy("id", "desc")
    .execute();
  // A build demoted away is not kept: the demotion was to be rid of it.
  const demoted = new Set(rows.filter((r) => r.action === "demote").map((r) => r.previous_build_id));
  const out = new Map<string, number[]>();
  for (const r of rows) {
    if (r.build_id === null || demoted.has(r.build_id)) continue;
    const l = out.get(r.package) ?? [];
    if (!l.includes(r.build_id)) l.push(r.build_id);
    out.set(r.package, l);
  }
  return out;
}
