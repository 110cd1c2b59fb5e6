// Update threads' queries on both engines: one thread per (package, version), the older open ones
// superseded in the same transaction, a rejected version never reopened, the timeline kept.
import { describe, expect, test } from "vitest";
import type { Db } from "../src/db/connect.js";
import { openThread, rejectThread, setState, threadsIn, updateEvents, updatesOf } from "../src/db/updates.js";
import { backends, databaseForSuite } from "./kit/index.js";

const t0 = new Date("2026-02-01T00:00:00Z");
const thread = (version: string) => ({
  package: "libfoo",
  version,
  raw: `v${version}`,
  rpmVersion: version,
  fromVersion: "1.0",
  note: `${version} found upstream`,
  tarballUrl: `https://x.org/libfoo-${version}.tar.gz`,
  tarballName: `libfoo-${version}.tar.gz`,
});

describe.each(backends)("update threads on %s", (kind) => {
  let d: Db;
  databaseForSuite(kind, (opened) => (d = opened));

  test("open, supersede, refuse the same version, reject for good", async () => {
    const first = await openThread(d.db, thread("1.1"), t0);
    expect(first).toEqual({ id: expect.any(Number), superseded: [] });
    const id1 = (first as { id: number }).id;
    expect(await openThread(d.db, thread("1.1"), t0)).toEqual({
      why: `thread ${id1} is about 1.1 already (detected)`,
    });
    await setState(d.db, id1, "bumped", "committed", t0, { branch: "kiln/update/libfoo-1.1", commit: "abc" });
    const second = (await openThread(d.db, thread("1.2"), t0)) as { id: number; superseded: number[] };
    expect(second.superseded).toEqual([id1]);
    const rows = await updatesOf(d.db, { package: "libfoo" });
    expect(rows.map((r) => [r.rpm_version, r.state, r.branch])).toEqual([
      ["1.2", "detected", null],
      ["1.1", "superseded", "kiln/update/libfoo-1.1"],
    ]);
    expect((await updateEvents(d.db, [id1])).map((e) => e.state)).toEqual([
      "detected",
      "bumped",
      "superseded",
    ]);
    expect((await threadsIn(d.db, "detected")).map((r) => r.id)).toEqual([second.id]);

    expect(await rejectThread(d.db, second.id, "maintainer", "not yet", t0)).toBe("rejected");
    expect(await rejectThread(d.db, second.id, "maintainer", undefined, t0)).toBe("rejected");
    expect(await rejectThread(d.db, id1, "maintainer", undefined, t0)).toBe("superseded");
    expect(await rejectThread(d.db, 99999, "maintainer", undefined, t0)).toBe("unknown");
    expect(await openThread(d.db, thread("1.2"), t0)).toEqual({
      why: `1.2 was rejected (thread ${second.id})`,
    });
    expect((await updatesOf(d.db, { ids: [second.id] }))[0]!.note).toBe(
      "rejected by maintainer: not yet; this version will not be proposed again",
    );
  });

  test("two servers opening the same version at once open one thread", async () => {
    const both = await Promise.all([
      openThread(d.db, { ...thread("2.0"), package: "race" }, t0),
      openThread(d.db, { ...thread("2.0"), package: "race" }, t0),
    ]);
    expect(both.filter((r) => "id" in r)).toHaveLength(1);
    expect(await updatesOf(d.db, { package: "race" })).toHaveLength(1);
  });
});
