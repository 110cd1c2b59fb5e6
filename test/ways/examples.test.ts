// The example set's C libraries, the same in every way: a Release bump of libgreet (under
// libframe and libupper, hello over both) cuts off above it; with early cutoff off, a change to
// its bottom rebuilds each package above exactly once, in order; a failed branch blocks only what
// is above it. One set and one first build for both: the first build is most of the cost.
import { expect, it } from "vitest";
import {
  buildRows,
  buildsSince,
  copyExamples,
  edit,
  editFile,
  forEachWay,
  lastBuildId,
  onSet,
} from "../kit/index.js";

forEachWay((way) => {
  it("a Release bump of a C library cuts off its dependents; with early cutoff off, the diamond rebuilds once each, in order, and a failed branch blocks only the top", async () => {
    const set = copyExamples();
    const w = await onSet(way, set);
    const first = await w.kiln(["build", "--jobs", "2"]);
    expect(first.code, first.stderr).toBe(0);

    // A Release bump of libgreet: its dependents rebuild against it and cut off.
    let since = await lastBuildId(w.dbUrl);
    edit(set, "libgreet", (s) => s.replace(/^Release: *1/m, "Release: 2"));
    const bump = await w.kiln(["build", "--jobs", "2"]);
    expect(bump.code, bump.stderr).toBe(0);
    expect.soft(bump.stdout).toContain("built 1, up to date 3, cut off 3, failed 0, blocked 0");
    expect(await buildsSince(w.dbUrl, since)).toEqual({
      libgreet: ["green"],
      libframe: ["cut-off"],
      libupper: ["cut-off"],
      hello: ["cut-off"],
    });
    // The repository has the new libgreet (and the earlier builds of what is linked against it).
    const graph = await w.kiln(["graph", "--format", "json"]);
    const evr = (JSON.parse(graph.stdout) as { packages: { name: string; evr: string }[] }).packages.find(
      (p) => p.name === "libgreet",
    )?.evr;
    expect(evr).toBe("1.0-2.kiln1");

    // Early cutoff off. A comment: the same output, published all the same, and everything above
    // it rebuilds.
    editFile(set, "kiln.yaml", (s) => `${s}early-cutoff: false\n`);
    await w.reload();
    since = await lastBuildId(w.dbUrl);
    edit(set, "libgreet", (s) => s.replace("%description", "# a comment\n%description"));
    const r = await w.kiln(["build", "--jobs", "2"]);
    expect(r.code, r.stderr).toBe(0);
    expect.soft(r.stdout).toContain("built 4, up to date 3, cut off 0, failed 0, blocked 0");
    expect
      .soft(r.stdout + r.stderr)
      .toMatch(/libgreet.*same output as build \d+, published as early-cutoff is false/);
    const rows = await buildRows(w.dbUrl, since);
    // Exactly once each.
    expect(rows.map((b) => b.package).sort()).toEqual(["hello", "libframe", "libgreet", "libupper"]);
    expect(rows.every((b) => b.status === "green")).toBe(true);
    // In order: each one starts after everything below it in the change has finished.
    const at = (p: string): { started: number; finished: number } => rows.find((b) => b.package === p)!;
    for (const upper of ["libframe", "libupper"])
      expect(at(upper).started).toBeGreaterThanOrEqual(at("libgreet").finished);
    expect(at("hello").started).toBeGreaterThanOrEqual(at("libframe").finished);
    expect(at("hello").started).toBeGreaterThanOrEqual(at("libupper").finished);

    // Another change at the bottom, and one branch broken: the other branch builds, the top is blocked.
    since = await lastBuildId(w.dbUrl);
    edit(set, "libgreet", (s) => s.replace("# a comment", "# another comment"));
    edit(set, "libupper", (s) => s.replace("%build", "%build\necho 'libupper is broken' >&2; exit 1"));
    const broken = await w.kiln(["build", "--jobs", "2"]);
    expect(broken.code).toBe(1);
    expect.soft(broken.stdout).toContain("built 2, up to date 3, cut off 0, failed 1, blocked 1");
    expect.soft(broken.stderr).toContain("blocked hello: needs libupper, which cannot build");
    expect(await buildsSince(w.dbUrl, since)).toEqual({
      libgreet: ["green"],
      libframe: ["green"],
      libupper: ["failed"],
    });
  }, 420_000);
});
