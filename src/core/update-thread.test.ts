import { describe, expect, it } from "vitest";
import { isOpenUpdate, onNewVersion, withinLevel, type ThreadFacts } from "./update-thread.js";

const t = (id: number, rpmVersion: string, state: ThreadFacts["state"]): ThreadFacts => ({
  id,
  rpmVersion,
  state,
});

describe("a new upstream version and the package's threads", () => {
  it("opens the first thread", () => {
    expect(onNewVersion([], "1.1")).toEqual({ open: true, supersede: [] });
  });

  it("supersedes older open threads, and leaves ended ones alone", () => {
    expect(
      onNewVersion([t(1, "1.1", "ready"), t(2, "1.0.5", "failed"), t(3, "1.1~rc1", "building")], "1.2"),
    ).toEqual({
      open: true,
      supersede: [1, 3],
    });
  });

  it("never reopens a version that has a thread, and never proposes a rejected one", () => {
    expect(onNewVersion([t(4, "1.2", "failed")], "1.2")).toEqual({
      open: false,
      why: "thread 4 is about 1.2 already (failed)",
    });
    expect(onNewVersion([t(5, "1.2", "rejected")], "1.2")).toEqual({
      open: false,
      why: "1.2 was rejected (thread 5)",
    });
  });

  it("does not go back to an older version, nor past an accepted one", () => {
    expect(onNewVersion([t(6, "2.0", "bumped")], "1.9")).toMatchObject({
      open: false,
      why: expect.stringMatching(/newer version, 2.0/),
    });
    expect(onNewVersion([t(7, "1.1", "accepted")], "1.2")).toMatchObject({
      open: false,
      why: expect.stringMatching(/accepted/),
    });
  });

  it("counts final states as ended", () => {
    expect(
      ["promoted", "needs-hand", "failed", "superseded", "rejected"].map((s) => isOpenUpdate(s as never)),
    ).toEqual([false, false, false, false, false]);
    expect(isOpenUpdate("ready")).toBe(true);
  });
});

describe("which version changes a rule accepts by itself", () => {
  it("patch keeps major.minor, minor keeps major, major takes any newer release", () => {
    expect(withinLevel("1.2", "1.2.1", "patch")).toBe(true);
    expect(withinLevel("1.2.1", "1.2.10", "patch")).toBe(true);
    expect(withinLevel("1.2", "1.3", "patch")).toBe(false);
    expect(withinLevel("1.2", "1.3", "minor")).toBe(true);
    expect(withinLevel("1.9", "2.0", "minor")).toBe(false);
    expect(withinLevel("1.9", "2.0", "major")).toBe(true);
  });
  it("never a prerelease, an older version or the same one", () => {
    expect(withinLevel("1.2", "1.2.1~rc1", "major")).toBe(false);
    expect(withinLevel("1.2.1", "1.2", "major")).toBe(false);
    expect(withinLevel("1.2", "1.2", "patch")).toBe(false);
  });
});
