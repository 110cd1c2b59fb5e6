// kiln scrub: reads every stored artifact and every repository file, checks each against its
// sha256 (the ZFS lesson: verify, do not assume), and deals with what is damaged: put right from
// another copy with the right bytes where there is one (an agent's store, a copied snapshot
// file), otherwise taken out of the store — so that it is never served or installed again — and
// its builds named, to be built again.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { chmod, copyFile, rename } from "node:fs/promises";
import { join } from "node:path";
import type { ArtifactStore } from "../artifacts/store.js";
import type { DataDir } from "../context/data-dir.js";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import { sha256File } from "../util/hash.js";
import { snapshotsDir } from "./publish.js";

export interface Damage {
  sha256: string;
  /** Each copy found damaged: where (the store, a repository's snapshot), what it read as, what was done. */
  places: { where: string; actual: string; outcome: string }[];
  /** Builds with this artifact, and the repositories holding them now. */
  builds: { id: number; package: string; evr: string; file: string; heldBy: string[] }[];
}

export interface ScrubReport {
  files: number;
  bytes: number;
  ms: number;
  damaged: Damage[];
  /** Artifacts the database names that are not in the store at all. */
  missing: string[];
  /** Damage found by an earlier scrub and still without a good copy (not counted again). */
  known: string[];
}

export interface ScrubOptions {
  db: Kysely<Database>;
  data: DataDir;
  store: ArtifactStore;
  /** Other artifact stores with copies (agents' on this machine), looked in for repairs. */
  otherStores: string[];
  onProgress?: (done: number, total: number, bytes: number) => void;
}

export async function scrub(o: ScrubOptions): Promise<ScrubReport> {
  const t0 = performance.now();
  const db = o.db;
  // Everything the database says the store holds.
  const shas = new Set<string>();
  for (const r of await db.selectFrom("artifacts").select("sha256").distinct().execute()) shas.add(r.sha256);
  for (const r of await db.selectFrom("signed_artifacts").select("signed_sha256").execute())
    shas.add(r.signed_sha256);
  for (const r of await db.selectFrom("repositories").select("host_provides_sha256").execute()) {
    if (r.host_provides_sha256) shas.add(r.host_provides_sha256);
  }
  // Every file of every repository snapshot, against the sha256 its manifest records.
  const repoFiles: { path: string; sha256: string; where: string }[] = [];
  const snaps = snapshotsDir(o.data, "");
  if (existsSync(snaps)) {
    for (const repo of readdirSync(snaps)) {
      const dir = join(snaps, repo);
      if (!statSync(dir).isDirectory()) continue;
      for (const n of readdirSync(dir)) {
        if (!/^\d+$/.test(n)) continue;
        const manifestPath = join(dir, n, ".kiln-snapshot.json");
        if (!existsSync(manifestPath)) continue;
        const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Record<string, string>;
        for (const [filename, sha256] of Object.entries(manifest)) {
          repoFiles.push({
            path: join(dir, n, "Packages", filename.slice(0, 1).toLowerCase(), filename),
            sha256,
            where: `repository ${repo} snapshot ${n}`,
          });
        }
      }
    }
  }
  const total = shas.size + repoFiles.length;
  let done = 0;
  let bytes = 0;
  const damaged: Damage[] = [];
  const missing: string[] = [];
  const known = new Set(
    (await db.selectFrom("damaged_artifacts").select("sha256").execute()).map((r) => r.sha256),
  );
  const knownStill = new Set<string>();
  let lastProgress = performance.now();
  const tick = (): void => {
    done++;
    if (o.onProgress && performance.now() - lastProgress > 1000) {
      lastProgress = performance.now();
      o.onProgress(done, total, bytes);
    }
  };
  const seenInodes = new Set<string>();
  /** One entry per damaged artifact, with every place it was found. */
  const add = (d: Damage): void => {
    const same = damaged.find((x) => x.sha256 === d.sha256);
    if (same) same.places.push(...d.places);
    else damaged.push(d);
  };
  for (const sha of [...shas].sort()) {
    const path = o.store.path(sha);
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) {
      if (known.has(sha)) knownStill.add(sha);
      else missing.push(sha);
      tick();
      continue;
    }
    const actual = await sha256File(path);
    bytes += st.size;
    // Only good bytes count as read: a damaged file's other names (snapshot hard links) are
    // checked, and put right, on their own.
    if (actual !== sha) add(await deal(o, sha, path, "the artifact store", actual));
    else seenInodes.add(`${st.dev}:${st.ino}`);
    tick();
  }
  for (const f of repoFiles) {
    const st = statSync(f.path, { throwIfNoEntry: false });
    // A hard link of a store file was read already.
    if (!st || seenInodes.has(`${st.dev}:${st.ino}`)) {
      tick();
      continue;
    }
    const actual = await sha256File(f.path);
    bytes += st.size;
    if (actual !== f.sha256) {
      // Found before and still without a good copy: not news (the copy is not served).
      const foundNow = damaged.some((d) => d.sha256 === f.sha256);
      if (known.has(f.sha256) && !foundNow && !existsSync(o.store.path(f.sha256))) knownStill.add(f.sha256);
      else add(await deal(o, f.sha256, f.path, f.where, actual, o.store.path(f.sha256)));
    }
    tick();
  }
  return { files: done, bytes, ms: performance.now() - t0, damaged, missing, known: [...knownStill].sort() };
}

/** Repairs a damaged file from a good copy, or takes it out; names the builds it belongs to. */
async function deal(
  o: ScrubOptions,
  sha256: string,
  path: string,
  where: string,
  actual: string,
  preferred?: string,
): Promise<Damage> {
  const candidates = [
    ...(preferred ? [preferred] : []),
    ...o.otherStores.map((s) => join(s, "sha256", sha256.slice(0, 2), sha256)),
  ];
  let outcome = "";
  for (const c of candidates) {
    if (c === path || !existsSync(c)) continue;
    const a = statSync(c);
    const b = statSync(path);
    if (a.dev === b.dev && a.ino === b.ino) continue; // the same file under another name
    if ((await sha256File(c)) !== sha256) continue;
    const tmp = `${path}.repair-${process.pid}`;
    await copyFile(c, tmp);
    await chmod(tmp, 0o444);
    await rename(tmp, path);
    outcome = `repaired from ${c}`;
    break;
  }
  if (!outcome) {
    if (path === o.store.path(sha256)) {
      // Never served, never installed: the store no longer has it under its name.
      await rename(path, `${path}.damaged`);
      outcome = "removed from the store";
    } else outcome = "left in place: no good copy yet (it is not served)";
    await o.db
      .insertInto("damaged_artifacts")
      .values({ sha256, found_at: new Date().toISOString(), detail: `${where}: sha256 ${actual}` })
      .onConflict((oc) => oc.column("sha256").doNothing())
      .execute();
  }
  // The builds with this artifact, or with the artifact this is a signed copy of.
  const rows = await o.db
    .selectFrom("artifacts as a")
    .innerJoin("builds as b", "b.id", "a.build_id")
    .select(["b.id", "b.package", "b.evr", "a.filename"])
    .where((eb) =>
      eb.or([
        eb("a.sha256", "=", sha256),
        eb(
          "a.sha256",
          "in",
          eb.selectFrom("signed_artifacts").select("sha256").where("signed_sha256", "=", sha256),
        ),
      ]),
    )
    .execute();
  const builds: Damage["builds"] = [];
  for (const r of rows) {
    if (builds.some((b) => b.id === r.id)) continue;
    const held = await o.db.selectFrom("repo_packages").select("repo").where("build_id", "=", r.id).execute();
    builds.push({
      id: r.id,
      package: r.package,
      evr: r.evr,
      file: r.filename,
      heldBy: held.map((h) => h.repo),
    });
  }
  // The snapshots of the repositories that hold it carry the same damaged bytes: each is to be
  // written again (the database is put ahead of the disk) once the file is good again.
  if (!outcome.startsWith("repaired")) {
    const repos = [...new Set(builds.flatMap((b) => b.heldBy))];
    if (repos.length > 0) {
      await o.db
        .updateTable("repositories")
        .set((eb) => ({ content_version: eb("content_version", "+", 1) }))
        .where("name", "in", repos)
        .execute();
    }
  }
  return { sha256, places: [{ where, actual, outcome }], builds };
}
