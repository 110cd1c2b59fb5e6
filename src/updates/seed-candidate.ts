// A candidate starts from what the farm has: the builds its first repository holds (and, where a
// later green build was cut off to one of them, that build too), with their RPM and SRPM rows,
// are copied into the candidate's own database, their files hard-linked into its store after their
// sha256 is checked, and its first repository is given the same content. The candidate's planner
// then finds every package the bump does not reach up to date, exactly as the farm would, and
// builds only the bumped package and what rebuilds below it by the rebuild modes. Nothing of the
// farm is written; a farm build whose files are missing or damaged is left out (the candidate
// builds that package itself if it needs it).
import type { ArtifactStore } from "../artifacts/store.js";
import { ChecksumMismatchError } from "../artifacts/store.js";
import { latestGreenBuilds } from "../db/builds.js";
import { commitContent, repositoryContent } from "../db/repos.js";
import type { ArtifactRow, Conn } from "../db/schema.js";

/** The farm a candidate is seeded from: its database, its artifact store, its first repository. */
export interface FarmSource {
  db: Conn;
  store: ArtifactStore;
  repo: string;
}

export interface Seeded {
  /** The packages taken from the farm, by name. */
  packages: string[];
  /** Packages the farm holds whose files could not be taken, with why. */
  skipped: { package: string; why: string }[];
}

/** Rows per INSERT: well under SQLite's limit on bound parameters. */
const CHUNK = 50;

/** Seeds an empty candidate (its database and store) with the farm's published builds but `except`'s. */
export async function seedCandidate(
  farm: FarmSource,
  into: { db: Conn; store: ArtifactStore; repo: string },
  except: string,
): Promise<Seeded> {
  const held = await repositoryContent(farm.db, farm.repo);
  held.delete(except);
  const greens = await latestGreenBuilds(farm.db);
  const ids = new Set(held.values());
  for (const [pkg, g] of greens) {
    // A newer green build cut off to the held one is what the planner compares with.
    if (held.has(pkg) && g.id !== held.get(pkg) && g.same_output_as === held.get(pkg)) ids.add(g.id);
  }
  const builds = await inChunks([...ids], (chunk) =>
    farm.db.selectFrom("builds").selectAll().where("id", "in", chunk).execute(),
  );
  const artifacts = await inChunks([...ids], (chunk) =>
    farm.db
      .selectFrom("artifacts")
      .selectAll()
      .where("build_id", "in", chunk)
      .where("kind", "in", ["rpm", "srpm"])
      .execute(),
  );
  const byBuild = new Map<number, ArtifactRow[]>();
  for (const a of artifacts) byBuild.set(a.build_id, [...(byBuild.get(a.build_id) ?? []), a]);

  const skipped: Seeded["skipped"] = [];
  for (const b of builds) {
    const why = await linkFiles(farm.store, into.store, byBuild.get(b.id) ?? []);
    if (why) skipped.push({ package: b.package, why });
  }
  // A package is taken whole or not at all: its held build and its cut-off green build together.
  const left = new Set(skipped.map((s) => s.package));
  const rows = builds.filter((b) => !left.has(b.package));
  await into.db.transaction().execute(async (tx) => {
    for (let i = 0; i < rows.length; i += CHUNK)
      await tx
        .insertInto("builds")
        .values(rows.slice(i, i + CHUNK))
        .execute();
    const files = rows.flatMap((b) => byBuild.get(b.id) ?? []).map((a) => ({ ...a, job_id: null }));
    for (let i = 0; i < files.length; i += CHUNK)
      await tx
        .insertInto("artifacts")
        .values(files.slice(i, i + CHUNK))
        .execute();
  });
  const content = new Map([...held].filter(([pkg]) => !left.has(pkg)));
  if (content.size > 0)
    await commitContent(into.db, into.repo, content, {
      action: "publish",
      actor: "kiln",
      reason: `taken from the farm's ${farm.repo} for the candidate`,
    });
  return { packages: [...content.keys()].sort(), skipped };
}

/** Makes a build's files appear in the candidate's store; why not, in words, when one cannot. */
async function linkFiles(
  from: ArtifactStore,
  to: ArtifactStore,
  files: ArtifactRow[],
): Promise<string | undefined> {
  for (const a of files) {
    if (await to.has(a.sha256)) continue;
    try {
      await from.materialize(a.sha256, to.path(a.sha256));
    } catch (e) {
      if (e instanceof ChecksumMismatchError) return `${a.filename} is damaged in the farm's store`;
      if ((e as NodeJS.ErrnoException).code === "ENOENT")
        return `${a.filename} is missing from the farm's store`;
      throw e;
    }
  }
  return undefined;
}

async function inChunks<T>(ids: number[], query: (chunk: number[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += 500) out.push(...(await query(ids.slice(i, i + 500))));
  return out;
}
