// Rebuilds that flow downstream and stop early: a change whose output is equivalent to what is
// published is cut off there; a change of output rebuilds the direct dependents, and the wave goes
// on below them only where their own output changed. Real rpmbuild, real RPMs compared.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../src/db/connect.js";
import { chainSet, copyExamples, kiln } from "./helpers/kiln.js";

function edit(set: string, pkg: string, f: (spec: string) => string): void {
  const file = join(set, "packages", pkg, `${pkg}.spec`);
  writeFileSync(file, f(readFileSync(file, "utf8")));
}

/** Each build since `after`: package, status, and when it started and finished. */
async function buildRows(
  set: string,
  after: number,
): Promise<{ id: number; package: string; status: string; started: string; finished: string }[]> {
  const { db, close } = await openDatabase(`sqlite:${join(set, ".kiln", "kiln.db")}`);
  try {
    const rows = await db.selectFrom("builds").selectAll().where("id", ">", after).orderBy("id").execute();
    return rows.map((b) => ({
      id: b.id,
      package: b.package,
      status: b.same_output_as !== null ? "cut-off" : b.status,
      started: b.started_at ?? "",
      finished: b.finished_at ?? "",
    }));
  } finally {
    await close();
  }
}

/** Builds per package since build id `after`, with what became of each. */
async function buildsSince(set: string, after: number): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const b of await buildRows(set, after)) (out[b.package] ??= []).push(b.status);
  return out;
}

async function lastBuildId(set: string): Promise<number> {
  const { db, close } = await openDatabase(`sqlite:${join(set, ".kiln", "kiln.db")}`);
  try {
    const r = await db.selectFrom("builds").select("id").orderBy("id", "desc").executeTakeFirst();
    return r?.id ?? 0;
  } finally {
    await close();
  }
}

describe("early cutoff", () => {
  it("stops where the output does not change, and goes on where it does, each package built at most once", async () => {
    const set = chainSet();
    const first = await kiln(["build", "--set", set]);
    expect(first.stdout).toContain("built 4, up to date 0, cut off 0, failed 0, blocked 0");

    // The upper bound of any change to a: everything below it.
    const plan = await kiln(["plan", "--set", set, "--format", "json", "a"]);
    const upper = JSON.parse(plan.stdout) as { criticalPathMs: number; totalWorkMs: number };
    expect(upper).toMatchObject({
      changed: ["a"],
      packages: ["a", "b", "d", "c"],
      waves: [["a"], ["b", "d"], ["c"]],
      unknown: [],
    });
    // From the durations of the first build: a, then b or d, then c.
    expect(upper.criticalPathMs).toBeGreaterThan(0);
    expect(upper.totalWorkMs).toBeGreaterThan(upper.criticalPathMs);
    const text = await kiln(["plan", "--set", set, "a"]);
    expect(text.stdout).toMatch(
      /^a change to a rebuilds at most 4 package\(s\) in 3 wave\(s\), about [\d.]+ s with enough agents, [\d.]+ s on one$/m,
    );

    // 1. A comment: a rebuilds, to the same output; nothing below it builds.
    let since = await lastBuildId(set);
    edit(set, "a", (s) => `${s}# a comment\n`);
    const comment = await kiln(["build", "--set", set]);
    expect(comment.stdout).toContain("built 0, up to date 3, cut off 1, failed 0, blocked 0");
    expect(comment.stdout).toContain("cut off (same output as what is published): a");
    expect(await buildsSince(set, since)).toEqual({ a: ["cut-off"] });

    // 2. New content in a, which b copies and d does not: a and b publish new output; c rebuilds
    //    (b changed) and d rebuilds (a changed), and both cut off.
    since = await lastBuildId(set);
    edit(set, "a", (s) => s.replace("a-content-1", "a-content-2"));
    const content = await kiln(["build", "--set", set]);
    expect(content.stdout).toContain("built 2, up to date 0, cut off 2, failed 0, blocked 0");
    expect(content.stderr).toMatch(
      /built a \(build \d+\) in [\d.]+ s: new output \(a\.noarch: \/usr\/share\/a\/a\.txt: content differs\)/,
    );
    expect(content.stderr).toMatch(
      /built b \(build \d+\) in [\d.]+ s: new output \(b\.noarch: \/usr\/share\/b\/from-a\.txt: content differs\)/,
    );
    expect(await buildsSince(set, since)).toEqual({
      a: ["green"],
      b: ["green"],
      d: ["cut-off"],
      c: ["cut-off"],
    });

    // 3. A Release bump: a's own Provides change, so its direct dependents rebuild; their output is
    //    the same, so the wave stops at them and c is not rebuilt.
    since = await lastBuildId(set);
    edit(set, "a", (s) => s.replace(/^Release: *1/m, "Release: 2"));
    const bump = await kiln(["build", "--set", set]);
    expect(bump.stdout).toContain("built 1, up to date 1, cut off 2, failed 0, blocked 0");
    expect(bump.stderr).toMatch(
      /built a \(build \d+\) in [\d.]+ s: new output \(a\.noarch: provides differ \(\+a = 1\.0-2\.kiln, -a = 1\.0-1\.kiln\)\)/,
    );
    expect(await buildsSince(set, since)).toEqual({ a: ["green"], b: ["cut-off"], d: ["cut-off"] });

    // And then there is nothing left to do.
    const again = await kiln(["build", "--set", set]);
    expect(again.stdout).toContain("built 0, up to date 4, cut off 0, failed 0, blocked 0");

    // A manual rebuild: a alone, then a and everything below it; a's output is the same each time,
    // so nothing below it builds.
    since = await lastBuildId(set);
    const alone = await kiln(["rebuild", "--set", set, "a"]);
    expect(alone.stdout).toContain("built 0, up to date 0, cut off 1, failed 0, blocked 0");
    const down = await kiln(["rebuild", "--set", set, "--downstream", "a"]);
    expect(down.stdout).toContain("built 0, up to date 3, cut off 1, failed 0, blocked 0");
    expect(await buildsSince(set, since)).toEqual({ a: ["cut-off", "cut-off"] });
    const unknown = await kiln(["rebuild", "--set", set, "--downstream", "nosuch"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no package named nosuch in the set");
  }, 120_000);

  it("a Release bump of a C library in the example set: its dependents rebuild against it and cut off", async () => {
    const set = copyExamples();
    expect((await kiln(["build", "--set", set, "--jobs", "2"])).code).toBe(0);
    const since = await lastBuildId(set);
    edit(set, "libgreet", (s) => s.replace(/^Release: *1/m, "Release: 2"));
    const r = await kiln(["build", "--set", set, "--jobs", "2"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("built 1, up to date 3, cut off 3, failed 0, blocked 0");
    const builds = await buildsSince(set, since);
    expect(builds).toEqual({
      libgreet: ["green"],
      libframe: ["cut-off"],
      libupper: ["cut-off"],
      hello: ["cut-off"],
    });
    // The repository has the new libgreet and the earlier builds of what is linked against it.
    const dnf = await kiln(["graph", "--set", set, "--format", "json"]);
    const evr = (JSON.parse(dnf.stdout) as { packages: { name: string; evr: string }[] }).packages.find(
      (p) => p.name === "libgreet",
    )?.evr;
    expect(evr).toBe("1.0-2.kiln1");
  }, 120_000);
});

describe("the example set's diamond (libgreet under libframe and libupper, hello over both)", () => {
  it("with early cutoff off, a change to its bottom rebuilds each package above exactly once, in order; a failed branch blocks only what is above it", async () => {
    const set = copyExamples();
    writeFileSync(
      join(set, "kiln.yaml"),
      readFileSync(join(set, "kiln.yaml"), "utf8") + "early-cutoff: false\n",
    );
    expect((await kiln(["build", "--set", set, "--jobs", "2"])).code).toBe(0);

    // A comment: the same output, published all the same, and everything above it rebuilds.
    let since = await lastBuildId(set);
    edit(set, "libgreet", (s) => s.replace("%description", "# a comment\n%description"));
    const r = await kiln(["build", "--set", set, "--jobs", "2"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("built 4, up to date 3, cut off 0, failed 0, blocked 0");
    expect(r.stdout + r.stderr).toMatch(
      /libgreet.*same output as build \d+, published as early-cutoff is false/,
    );
    const rows = await buildRows(set, since);
    // Exactly once each.
    expect(rows.map((b) => b.package).sort()).toEqual(["hello", "libframe", "libgreet", "libupper"]);
    expect(rows.every((b) => b.status === "green")).toBe(true);
    // In order: each one starts after everything below it in the change has finished.
    const at = (p: string): { started: string; finished: string } => rows.find((b) => b.package === p)!;
    for (const upper of ["libframe", "libupper"])
      expect(at(upper).started >= at("libgreet").finished).toBe(true);
    expect(at("hello").started >= at("libframe").finished).toBe(true);
    expect(at("hello").started >= at("libupper").finished).toBe(true);

    // Another change at the bottom, and one branch broken: the other branch builds, the top is blocked.
    since = await lastBuildId(set);
    edit(set, "libgreet", (s) => s.replace("# a comment", "# another comment"));
    edit(set, "libupper", (s) => s.replace("%build", "%build\necho 'libupper is broken' >&2; exit 1"));
    const broken = await kiln(["build", "--set", set, "--jobs", "2"]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain("built 2, up to date 3, cut off 0, failed 1, blocked 1");
    expect(broken.stderr).toContain("blocked hello: needs libupper, which cannot build");
    expect(await buildsSince(set, since)).toEqual({
      libgreet: ["green"],
      libframe: ["green"],
      libupper: ["failed"],
    });
  }, 180_000);
});
