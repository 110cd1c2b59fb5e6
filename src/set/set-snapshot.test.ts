import { describe, expect, it } from "vitest";
import { unchanged, type SnapshotEntry, type Stamp } from "./set-snapshot.js";

const s = (over: Partial<Stamp> = {}): Stamp => ({
  dev: 1,
  ino: 10,
  size: 500,
  mtimeMs: 1_000_000,
  ctimeMs: 1_000_000,
  ...over,
});
const entry = (spec: Stamp, dir: Stamp, verifiedAt = 2_000_000): SnapshotEntry => ({
  spec,
  dir,
  key: "k",
  sha256: "h",
  verifiedAt,
  result: { ok: true },
  sourcesOk: true,
});

describe("unchanged", () => {
  it("trusts an entry whose spec and directory stamps are the same, taken well after their times", () => {
    const e = entry(s(), s({ ino: 11 }));
    expect(unchanged(e, s(), s({ ino: 11 }))).toBe(e);
  });

  it.each<[string, Partial<Stamp>]>([
    ["another inode (the file was replaced)", { ino: 99 }],
    ["another size", { size: 501 }],
    ["another mtime", { mtimeMs: 1_000_000.0001 }],
    ["another ctime (an edit that restored the mtime)", { ctimeMs: 1_500_000 }],
    ["another device", { dev: 2 }],
  ])("does not trust a spec with %s", (_what, over) => {
    expect(unchanged(entry(s(), s()), s(over), s())).toBeUndefined();
  });

  it("does not trust a directory that changed (a source added or removed)", () => {
    expect(unchanged(entry(s(), s()), s(), s({ mtimeMs: 1_000_001 }))).toBeUndefined();
  });

  it("does not trust stamps within two seconds of when the content was hashed (racy)", () => {
    const racy = s({ mtimeMs: 1_999_000, ctimeMs: 1_999_000 });
    expect(unchanged(entry(racy, s(), 2_000_000), racy, s())).toBeUndefined();
    expect(unchanged(entry(racy, s(), 2_001_001), racy, s())).toBeDefined();
  });

  it("has nothing to trust without an entry", () => {
    expect(unchanged(undefined, s(), s())).toBeUndefined();
  });
});
