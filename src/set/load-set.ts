// Loads a package set: kiln.yaml, then every packages/<name>/<name>.spec read by librpm (or taken
// from the spec cache when its content is unchanged). A bad spec, source or kiln.yaml is reported
// with its package and the others load.
import { lstatSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Kysely } from "kysely";
import { PACKAGE_CONFIG_FILE, readPackageConfig, type PackageConfig } from "../config/package-config.js";
import type { SetConfig } from "../config/set-config.js";
import type { SourcePackage } from "../core/package.js";
import { getCachedSpecs, getSetSnapshot, putCachedSpecs, putSetSnapshot } from "../db/spec-cache.js";
import type { Database } from "../db/schema.js";
import { readSpecs, SPEC_READER_VERSION } from "../rpm/spec-reader.js";
import { rpmVersion } from "../rpm/rpm-version.js";
import { UserError } from "../util/errors.js";
import { sha256 } from "../util/hash.js";
import { readRegular } from "../util/safe-fs.js";
import {
  deserializeInterpreted,
  interpretedFromJson,
  interpretedToJson,
  INTERPRETER_VERSION,
  interpretSpec,
  serializeInterpreted,
  type Interpreted,
} from "./interpret-spec.js";
import {
  asPackageError,
  checkPackageFiles,
  checkSpec,
  DEFAULT_MAX_SOURCE_BYTES,
  listPackageDirs,
  MAX_SPEC_BYTES,
} from "./package-files.js";
import { stamp, unchanged, type SetSnapshot, type SnapshotEntry } from "./set-snapshot.js";

export interface LoadedSet {
  dir: string;
  config: SetConfig;
  packages: SourcePackage[];
  /** Packages whose spec could not be used, by directory name. */
  broken: Map<string, { specFile: string }>;
  /** Errors by package (directory) name. */
  errors: Map<string, UserError[]>;
  /** packages/<name>/kiln.yaml of the packages that have one. */
  packageConfigs: Map<string, PackageConfig>;
  stats: { specs: number; cached: number; read: number; ms: number };
}

export interface LoadOptions {
  /** The set's kiln.yaml, already loaded. */
  config: SetConfig;
  db: Kysely<Database>;
  sandbox: boolean;
  /** Longest a single spec may take to read (its %(shell) and %{lua:} included). */
  specTimeoutMs?: number;
  /** Largest Source/Patch file a package may have; default 2 GiB. */
  maxSourceBytes?: number;
}

export async function loadSet(setDir: string, opts: LoadOptions): Promise<LoadedSet> {
  const started = performance.now();
  const config = opts.config;
  const packagesDir = join(setDir, "packages");
  // packages/ is what the reader's sandbox sees: a link could show it the data directory.
  const top = lstatSync(packagesDir, { throwIfNoEntry: false });
  if (!top?.isDirectory()) {
    throw new UserError(
      "SET_INVALID",
      top?.isSymbolicLink()
        ? `${packagesDir} is a symbolic link: Kiln does not follow links`
        : `${packagesDir} ${top ? "is not a directory" : "does not exist"}`,
      { file: packagesDir },
      "a package set keeps one directory per package: packages/<name>/<name>.spec",
    );
  }
  const listed = listPackageDirs(packagesDir);

  const errors = new Map<string, UserError[]>();
  const broken = new Map<string, { specFile: string }>();
  const fail = (pkg: string, specFile: string, e: UserError | UserError[]): void => {
    errors.set(pkg, [...(errors.get(pkg) ?? []), ...(Array.isArray(e) ? e : [e])]);
    broken.set(pkg, { specFile });
  };
  const dirs = listed.dirs;
  for (const [dir, e] of listed.refused) fail(dir, `packages/${dir}/${dir}.spec`, e);

  const defines = { dist: config.dist };
  const salt = `${SPEC_READER_VERSION}.${INTERPRETER_VERSION}\0${await rpmVersion()}\0${JSON.stringify(defines)}\0`;
  // A spec read now: what its snapshot entry records, and its text.
  type Entry = {
    dir: string;
    specFile: string;
    text: Buffer;
    snap: Omit<SnapshotEntry, "result" | "sourcesOk">;
  };
  // Specs whose stat is as the set's snapshot recorded are neither read nor hashed again.
  const snapText = await getSetSnapshot(opts.db, setDir);
  let old = snapText ? (JSON.parse(snapText) as SetSnapshot) : undefined;
  if (old?.salt !== salt) old = undefined;
  const next: SetSnapshot = { salt, entries: {} };
  let snapshotChanged = !old;
  const reused: { dir: string; specFile: string; entry: SnapshotEntry }[] = [];
  const entries: Entry[] = [];
  for (const dir of dirs) {
    const specFile = `packages/${dir}/${dir}.spec`;
    const verifiedAt = Date.now();
    try {
      const checked = checkSpec(packagesDir, dir);
      const dirStamp = stamp(lstatSync(join(packagesDir, dir)));
      if (!checked.ok) {
        fail(dir, specFile, checked.error);
        continue;
      }
      const spec = stamp(checked.stat);
      const entry = unchanged(old?.entries[dir], spec, dirStamp);
      if (entry) {
        reused.push({ dir, specFile, entry });
        next.entries[dir] = entry;
        continue;
      }
      snapshotChanged = true;
      // Never through a link, never more than the cap, even if the file changed since its lstat.
      const text = await readRegular(join(setDir, specFile), { shown: specFile, maxBytes: MAX_SPEC_BYTES });
      const hash = sha256(text);
      const key = sha256(`${salt}${specFile}\0${hash}`);
      entries.push({ dir, specFile, text, snap: { spec, dir: dirStamp, key, sha256: hash, verifiedAt } });
    } catch (e) {
      fail(dir, specFile, asPackageError(e, specFile));
    }
  }
  if (old && Object.keys(old.entries).length !== reused.length + entries.length) snapshotChanged = true;

  const keys = entries.map((e) => e.snap.key);
  const cached = await getCachedSpecs(opts.db, keys);
  const toRead = entries.filter((e) => !cached.has(e.snap.key));
  const timeout = opts.specTimeoutMs !== undefined ? { timeoutMs: opts.specTimeoutMs } : {};
  const specFiles = toRead.map((e) => e.specFile);
  const read = await readSpecs(specFiles, { baseDir: setDir, defines, sandbox: opts.sandbox, ...timeout });
  const fresh: { key: string; data: string }[] = [];
  const readByFile = new Map(read.map((r) => [r.file, r]));

  const packages: SourcePackage[] = [];
  const maxSourceBytes = opts.maxSourceBytes ?? DEFAULT_MAX_SOURCE_BYTES;
  const accept = (dir: string, specFile: string, result: Interpreted, sourcesOk: boolean): boolean => {
    if (!result.ok) {
      fail(dir, specFile, result.errors);
      return false;
    }
    let missing: UserError[];
    try {
      missing = sourcesOk ? [] : checkPackageFiles(result.pkg, packagesDir, dir, maxSourceBytes);
    } catch (e) {
      missing = [asPackageError(e, `packages/${dir}`)];
    }
    if (missing.length > 0) {
      fail(dir, specFile, missing);
      return false;
    }
    packages.push(result.pkg);
    return true;
  };
  for (const { dir, specFile, entry } of reused) {
    // An unchanged directory has the files it had: sources that were there still are.
    accept(dir, specFile, interpretedFromJson(entry.result), entry.sourcesOk);
  }
  for (const e of entries) {
    const hit = cached.get(e.snap.key);
    let result: Interpreted;
    let cacheable = true;
    if (hit) result = deserializeInterpreted(hit);
    else {
      const raw = readByFile.get(e.specFile)!;
      result = interpretSpec(raw, {
        specFile: e.specFile,
        dirName: e.dir,
        text: e.text.toString("utf8"),
        sha256: e.snap.sha256,
      });
      // A spec that failed without rpm saying why is not cached: the cause may be passing.
      cacheable = raw.ok || /error: /.test(raw.messages);
      if (cacheable) fresh.push({ key: e.snap.key, data: serializeInterpreted(result) });
    }
    const sourcesOk = accept(e.dir, e.specFile, result, false);
    if (cacheable) next.entries[e.dir] = { ...e.snap, result: interpretedToJson(result), sourcesOk };
  }
  await putCachedSpecs(opts.db, fresh);
  if (snapshotChanged) await putSetSnapshot(opts.db, setDir, JSON.stringify(next));

  // A binary package built by two specs is a clash: neither can be trusted until one is renamed.
  const owner = new Map<string, SourcePackage>();
  const clash = (x: SourcePackage, y: SourcePackage, binary: string): void =>
    fail(
      x.name,
      x.specFile,
      new UserError(
        "PACKAGE_DUPLICATE",
        `binary package "${binary}" is also built by ${y.specFile}`,
        { file: x.specFile },
        "rename one of the two (%package -n or Name)",
      ),
    );
  for (const p of packages) {
    for (const b of p.binaries) {
      const other = owner.get(b.name);
      if (!other || other === p) owner.set(b.name, p);
      else {
        clash(p, other, b.name);
        clash(other, p, b.name);
      }
    }
  }
  // Each package's own packages/<name>/kiln.yaml, read every time (it is small; a stat would cost as
  // much): a bad one (a link, oversize, bad YAML, a wrong key) makes its package unusable, as a bad
  // spec does, and the others load.
  const packageConfigs = new Map<string, PackageConfig>();
  for (const dir of dirs) {
    const file = `packages/${dir}/${PACKAGE_CONFIG_FILE}`;
    try {
      const c = await readPackageConfig(join(setDir, file), file, config.pipeline);
      if (c) packageConfigs.set(dir, c);
    } catch (e) {
      fail(dir, `packages/${dir}/${dir}.spec`, asPackageError(e, file));
    }
  }
  const usable = packages.filter((p) => !broken.has(p.name));
  return {
    dir: setDir,
    config,
    packages: usable,
    broken,
    errors,
    packageConfigs,
    stats: {
      specs: reused.length + entries.length,
      cached: reused.length + entries.length - toRead.length,
      read: toRead.length,
      ms: performance.now() - started,
    },
  };
}

/** The set's directory must exist and hold kiln.yaml; a clear error otherwise. */
export function checkSetDir(setDir: string): void {
  try {
    if (!statSync(setDir).isDirectory()) throw new Error();
  } catch {
    throw new UserError("SET_INVALID", `${setDir} is not a directory`, { file: setDir }, "pass --set DIR");
  }
}
