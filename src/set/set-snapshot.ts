// What a spec file and its package directory looked like (stat) when Kiln last read them, so that
// a warm load of an unchanged set neither reads nor hashes 30,000 specs, as git's index does. A
// changed stat (inode, size, mtime, ctime) sends the spec through the content-hash cache again; so
// does a stamp too close to the moment it was taken (git's "racy" case: a file changed twice
// within one timestamp tick). An unchanged directory has the same files, so the existence of its
// sources need not be checked again.
import type { Stats } from "node:fs";

const STAMP_KEYS = ["dev", "ino", "size", "mtimeMs", "ctimeMs"] as const;

/** A file's identity and times: mtime and ctime in milliseconds, with their fractions (about 0.1 µs). */
export type Stamp = Pick<Stats, (typeof STAMP_KEYS)[number]>;

export interface SnapshotEntry {
  spec: Stamp;
  dir: Stamp;
  key: string;
  sha256: string;
  /** When the spec's content was last hashed (ms since the epoch). */
  verifiedAt: number;
  /** The interpretation, as serializeInterpreted wrote it (parsed). */
  result: unknown;
  /** All its Source/Patch files were there. */
  sourcesOk: boolean;
}

export interface SetSnapshot {
  /** What shaped the interpretations (reader and rpm versions, macros): another salt, no reuse. */
  salt: string;
  entries: Record<string, SnapshotEntry>;
}

/** Stamps newer than this before the content was hashed are not trusted (timestamp granularity). */
const RACY_MS = 2000;

export function stamp(st: Stats): Stamp {
  return { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs };
}

const same = (a: Stamp, b: Stamp): boolean => STAMP_KEYS.every((k) => a[k] === b[k]);

const racy = (s: Stamp, verifiedAt: number): boolean =>
  s.mtimeMs >= verifiedAt - RACY_MS || s.ctimeMs >= verifiedAt - RACY_MS;

/** The entry, if the spec and its directory are as they were when it was made. */
export function unchanged(
  entry: SnapshotEntry | undefined,
  spec: Stamp,
  dir: Stamp,
): SnapshotEntry | undefined {
  if (!entry || !same(entry.spec, spec) || !same(entry.dir, dir)) return undefined;
  if (racy(spec, entry.verifiedAt) || racy(dir, entry.verifiedAt)) return undefined;
  return entry;
}
