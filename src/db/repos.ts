// Repositories: which build of each package a repository holds, and its current snapshot.
import type { Kysely } from "kysely";
import type { Database, RepositoryRow } from "./schema.js";

type Conn = Kysely<Database>;

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
        host_provides_sha256: null,
        host_provides_filename: null,
        content_version: 0,
        snapshot_content_version: 0,
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

/** Records what the repository holds from now on; the snapshot on disk follows (see src/repos). */
export async function commitContent(
  db: Conn,
  repo: string,
  content: ReadonlyMap<string, number>,
): Promise<void> {
  const now = new Date().toISOString();
  await db.transaction().execute(async (tx) => {
    const before = await repositoryContent(tx, repo);
    for (const [pkg] of before) {
      if (!content.has(pkg)) {
        await tx.deleteFrom("repo_packages").where("repo", "=", repo).where("package", "=", pkg).execute();
      }
    }
    for (const [pkg, buildId] of content) {
      if (before.get(pkg) === buildId) continue;
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
