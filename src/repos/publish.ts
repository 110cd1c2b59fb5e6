// Publishing, in two steps:
//
// 1. record: the repository's new content is checked (every Requires must be satisfiable for a
//    client) and committed to the database, which is the truth. Builds that need the new
//    packages can start at once: build roots are filled from the database and the artifact store.
// 2. write: a complete new snapshot (RPMs, repodata, the host-provides package) is written next
//    to the current one, and the repository path — a symbolic link — is switched to it with an
//    atomic rename. Clients never see half-written metadata; a kiln killed at any point leaves
//    the last good snapshot in place, and the next run writes what the database says is missing.
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readdir, readlink, rename, rm, symlink, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Kysely } from "kysely";
import type { ArtifactStore } from "../artifacts/store.js";
import type { DataDir } from "../context/data-dir.js";
import type { SetConfig } from "../config/set-config.js";
import { hostMatcher } from "../core/providers.js";
import { checkRepoClosure, type ClosureReport, type RepoPackage } from "../core/repo-closure.js";
import { artifactsOf, toBuiltBinary } from "../db/builds.js";
import { commitContent, commitSnapshot, getRepository, heldBuilds, repositoryContent } from "../db/repos.js";
import type { ArtifactRow, Database } from "../db/schema.js";
import { createrepo } from "../rpm/createrepo.js";
import { exportPublicKey, signDetached, signRpm } from "../rpm/sign.js";
import { UserError } from "../util/errors.js";
import { buildHostProvides, safeCapability } from "./host-provides.js";
import { fromJson } from "../db/json-columns.js";

export interface PublishContext {
  db: Kysely<Database>;
  data: DataDir;
  store: ArtifactStore;
  config: SetConfig;
}

export interface SnapshotResult {
  repo: string;
  snapshot: number;
  path: string;
  packages: number;
  hostCapabilities: string[];
}

/** A publish that would leave a Requires unsatisfiable for a client; nothing was changed. */
export class ClosureRefusedError extends UserError {
  constructor(
    readonly repo: string,
    readonly missing: { requirement: string; neededBy: string }[],
  ) {
    super(
      "REPO_CLOSURE",
      `publishing to ${repo} refused: nothing in the repository provides ${missing
        .map((m) => `${m.requirement} (required by ${m.neededBy})`)
        .join(", ")}`,
      { file: "kiln.yaml" },
      "package what is missing, or list it under host.provides in kiln.yaml if the host supplies it",
    );
  }
}

type RepoFile = Pick<ArtifactRow, "sha256" | "filename">;

/** Snapshots kept besides the current one, for clients still reading older metadata. */
const KEEP_OLD_SNAPSHOTS = 2;
/** Each snapshot lists its files and their sha256, so the next one can reuse them unverified. */
const MANIFEST = ".kiln-snapshot.json";

export function snapshotsDir(data: DataDir, repo: string): string {
  return join(data.repos, ".snapshots", repo);
}

/** Step 1: checks and records `changes` (package → build id) as the repository's content. */
export async function recordPublication(
  ctx: PublishContext,
  repo: string,
  changes: ReadonlyMap<string, number>,
): Promise<void> {
  const content = new Map(await repositoryContent(ctx.db, repo));
  for (const [pkg, id] of changes) content.set(pkg, id);
  const { report } = await closureOf(ctx, content);
  if (report.missing.length > 0) throw new ClosureRefusedError(repo, report.missing);
  await commitContent(ctx.db, repo, content);
}

/** Step 2: writes a snapshot of what the database says the repository holds, if the disk lags. */
export async function writeSnapshot(ctx: PublishContext, repo: string): Promise<SnapshotResult | undefined> {
  const row = await getRepository(ctx.db, repo);
  if (!row) throw new Error(`repository ${repo} is not in the database`);
  if (row.snapshot_content_version === row.content_version) {
    const linked = await readlink(ctx.data.repoPath(repo)).catch(() => undefined);
    if (row.snapshot === 0 || linked === snapshotTarget(repo, row.snapshot)) return undefined;
    if (existsSync(snapshotPath(ctx.data, repo, row.snapshot))) {
      await pointAt(ctx.data, repo, row.snapshot); // a crash fell between writing it and linking it
      return undefined;
    }
  }

  const contentVersion = row.content_version;
  const content = await repositoryContent(ctx.db, repo);
  const { artifacts, report } = await closureOf(ctx, content);

  // The host's capabilities come from the base repository when there is one, else from a
  // generated package (rebuilt only when the set of capabilities changes).
  let host = {
    release: row.host_provides_release,
    capabilities: fromJson("strings", row.host_provides, "repositories.host_provides"),
    sha256: row.host_provides_sha256,
    filename: row.host_provides_filename,
  };
  const wanted = ctx.config.host["base-repository"] ? [] : report.hostCapabilities.filter(safeCapability);
  if (JSON.stringify(wanted) !== JSON.stringify(host.capabilities) || (wanted.length > 0 && !host.sha256)) {
    if (wanted.length === 0) host = { release: host.release, capabilities: [], sha256: null, filename: null };
    else {
      const scratch = join(ctx.data.root, "tmp", randomUUID());
      try {
        const rpm = await buildHostProvides(scratch, ctx.config.name, host.release + 1, wanted);
        const { sha256 } = await ctx.store.put(rpm);
        host = { release: host.release + 1, capabilities: wanted, sha256, filename: basename(rpm) };
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    }
  }

  const snapshot = row.snapshot + 1;
  const dir = snapshotsDir(ctx.data, repo);
  const tmp = join(dir, `.tmp-${randomUUID()}`);
  const settings = ctx.config.repositories.find((r) => r.name === repo);
  let files: RepoFile[] = artifacts.map((a) => ({ sha256: a.sha256, filename: a.filename }));
  // Older builds of each package, up to `keep` in all, so that a client can still downgrade.
  await addOlderBuilds(ctx, repo, content, settings?.keep ?? 1, files);
  if (host.sha256 && host.filename) files.push({ sha256: host.sha256, filename: host.filename });
  // A signing repository publishes signed copies (made once per RPM and key, then kept).
  const key = settings?.sign?.key;
  if (key) files = await Promise.all(files.map((f) => signedCopy(ctx, f, key)));
  // Files the previous snapshot already had were verified when it was written.
  const verified = new Set(Object.values(readManifest(snapshotPath(ctx.data, repo, row.snapshot))));
  for (const f of files) {
    if (!(await ctx.store.has(f.sha256))) {
      throw new Error(
        `${f.filename} is not in the artifact store (found damaged and taken out): ${repo} is written again once it is built again`,
      );
    }
  }
  try {
    await mkdir(tmp, { recursive: true });
    for (const f of files) {
      const dest = join(tmp, "Packages", f.filename.slice(0, 1).toLowerCase(), f.filename);
      await ctx.store.materialize(f.sha256, dest, { verify: !verified.has(f.sha256) });
    }
    await createrepo(tmp);
    if (key) {
      await signDetached(join(tmp, "repodata", "repomd.xml"), key);
      await writeFile(join(tmp, PUBLIC_KEY), await exportPublicKey(key));
    }
    const manifest = Object.fromEntries(files.map((f) => [f.filename, f.sha256]));
    await writeFile(join(tmp, MANIFEST), JSON.stringify(manifest));
    await rename(tmp, snapshotPath(ctx.data, repo, snapshot));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  await commitSnapshot(ctx.db, { repo, snapshot, contentVersion, hostProvides: host });
  await pointAt(ctx.data, repo, snapshot);
  await prune(ctx.data, repo, snapshot);
  return {
    repo,
    snapshot,
    path: ctx.data.repoPath(repo),
    packages: files.length,
    hostCapabilities: host.capabilities,
  };
}

/** The public key file a signing repository's snapshots carry. */
export const PUBLIC_KEY = "RPM-GPG-KEY-kiln";

/** Adds to `files` the RPMs of the builds the repository held before, newest first, `keep - 1` a package. */
async function addOlderBuilds(
  ctx: PublishContext,
  repo: string,
  content: ReadonlyMap<string, number>,
  keep: number,
  files: RepoFile[],
): Promise<void> {
  if (keep <= 1) return;
  const held = await heldBuilds(ctx.db, repo);
  const ids: number[] = [];
  for (const [pkg, current] of content)
    ids.push(...(held.get(pkg) ?? []).filter((id) => id !== current).slice(0, keep - 1));
  const taken = new Set(files.map((f) => f.filename));
  for (const a of await artifactsOf(ctx.db, ids)) {
    // The same file name twice (a rebuild that kept its release) keeps the newer; a file that is
    // gone from the store (found damaged) is left out.
    if (a.kind !== "rpm" || taken.has(a.filename) || !(await ctx.store.has(a.sha256))) continue;
    taken.add(a.filename);
    files.push({ sha256: a.sha256, filename: a.filename });
  }
}

/** The copy of an RPM signed with `key`: made and stored the first time, then reused. */
async function signedCopy(ctx: PublishContext, f: RepoFile, key: string): Promise<RepoFile> {
  const known = await ctx.db
    .selectFrom("signed_artifacts")
    .select("signed_sha256")
    .where("sha256", "=", f.sha256)
    .where("key", "=", key)
    .executeTakeFirst();
  if (known && (await ctx.store.has(known.signed_sha256)))
    return { sha256: known.signed_sha256, filename: f.filename };
  const scratch = join(ctx.data.root, "tmp", `sign-${randomUUID()}`);
  try {
    await mkdir(scratch, { recursive: true });
    const unsigned = join(scratch, "unsigned.rpm");
    await ctx.store.materialize(f.sha256, unsigned);
    const signed = join(scratch, f.filename);
    await signRpm(unsigned, signed, key);
    const { sha256: signed_sha256 } = await ctx.store.put(signed);
    const created_at = new Date().toISOString();
    await ctx.db
      .insertInto("signed_artifacts")
      .values({ sha256: f.sha256, key, signed_sha256, filename: f.filename, created_at })
      .onConflict((oc) => oc.columns(["sha256", "key"]).doUpdateSet({ signed_sha256 }))
      .execute();
    return { sha256: signed_sha256, filename: f.filename };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The repository's RPMs with `content`, and whether every Requires is met inside it (or by the host). */
export async function closureOf(
  ctx: PublishContext,
  content: ReadonlyMap<string, number>,
): Promise<{ artifacts: ArtifactRow[]; report: ClosureReport }> {
  const artifacts = (await artifactsOf(ctx.db, [...content.values()])).filter((a) => a.kind === "rpm");
  return {
    artifacts,
    report: checkRepoClosure(artifacts.map(toRepoPackage(content)), hostMatcher(ctx.config.host.provides)),
  };
}

function snapshotPath(data: DataDir, repo: string, n: number): string {
  return join(snapshotsDir(data, repo), String(n));
}

function snapshotTarget(repo: string, n: number): string {
  return join(".snapshots", repo, String(n));
}

function readManifest(dir: string): Record<string, string> {
  try {
    return JSON.parse(readFileSync(join(dir, MANIFEST), "utf8")) as Record<string, string>;
  } catch {
    return {};
  }
}

async function pointAt(data: DataDir, repo: string, snapshot: number): Promise<void> {
  const link = data.repoPath(repo);
  const tmp = join(dirname(link), `.${repo}.link-${randomUUID()}`);
  await symlink(snapshotTarget(repo, snapshot), tmp);
  await rename(tmp, link); // atomic: readers see the old snapshot or the new one
}

async function prune(data: DataDir, repo: string, current: number): Promise<void> {
  const dir = snapshotsDir(data, repo);
  for (const name of await readdir(dir)) {
    const n = Number(name);
    const stale = name.startsWith(".tmp-") || (Number.isInteger(n) && n < current - KEEP_OLD_SNAPSHOTS);
    if (stale) await rm(join(dir, name), { recursive: true, force: true });
  }
}

/** A repository's RPMs (the builds `content` names) as the closure check sees them. */
export function toRepoPackage(content: ReadonlyMap<string, number>): (a: ArtifactRow) => RepoPackage {
  const sourceOf = new Map([...content].map(([pkg, id]) => [id, pkg]));
  return (a) => {
    const { provides, requires, files } = toBuiltBinary(a);
    return {
      source: sourceOf.get(a.build_id) ?? "",
      binary: a.name ?? a.filename,
      provides,
      requires,
      files,
    };
  };
}
