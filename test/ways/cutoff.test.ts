// Rebuilds that flow downstream and stop early, on the chain a → b → c, a → d, the same in every
// way: a change whose output is equivalent to what is published is cut off there; a change of
// output rebuilds the direct dependents, and the wave goes on below them only where their own
// output changed; one change to two packages (fan-in) builds each once, in order. Real rpmbuild,
// real RPMs compared. Printed texts are soft assertions, so that one says all that differs.
import { expect, it } from "vitest";
import { buildRows, buildsSince, chainSet, edit, forEachWay, lastBuildId, onSet } from "../kit/index.js";

forEachWay((way) => {
  it("stops where the output does not change, goes on where it does, each package built at most once (fan-in too)", async () => {
    const set = chainSet();
    const w = await onSet(way, set);
    const first = await w.kiln(["build"]);
    expect(first.code, first.stderr).toBe(0);
    expect.soft(first.stdout).toContain("built 4, up to date 0, cut off 0, failed 0, blocked 0");

    // The upper bound of any change to a: everything below it.
    const plan = await w.kiln(["plan", "--format", "json", "a"]);
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
    const text = await w.kiln(["plan", "a"]);
    expect(text.stdout).toMatch(
      /^a change to a rebuilds at most 4 package\(s\) in 3 wave\(s\), about [\d.]+ s with enough agents, [\d.]+ s on one$/m,
    );

    // 1. A comment: a rebuilds, to the same output; nothing below it builds.
    let since = await lastBuildId(w.dbUrl);
    edit(set, "a", (s) => `${s}# a comment\n`);
    const comment = await w.kiln(["build"]);
    expect.soft(comment.stdout).toContain("built 0, up to date 3, cut off 1, failed 0, blocked 0");
    expect.soft(comment.stdout).toContain("cut off (same output as what is published): a");
    expect(await buildsSince(w.dbUrl, since)).toEqual({ a: ["cut-off"] });

    // 2. New content in a, which b copies and d does not: a and b publish new output; c rebuilds
    //    (b changed) and d rebuilds (a changed), and both cut off.
    since = await lastBuildId(w.dbUrl);
    edit(set, "a", (s) => s.replace("a-content-1", "a-content-2"));
    const content = await w.kiln(["build"]);
    expect.soft(content.stdout).toContain("built 2, up to date 0, cut off 2, failed 0, blocked 0");
    expect
      .soft(content.stderr)
      .toMatch(
        /built a \(build \d+\) in [\d.]+ s: new output \(a\.noarch: \/usr\/share\/a\/a\.txt: content differs\)/,
      );
    expect
      .soft(content.stderr)
      .toMatch(
        /built b \(build \d+\) in [\d.]+ s: new output \(b\.noarch: \/usr\/share\/b\/from-a\.txt: content differs\)/,
      );
    expect(await buildsSince(w.dbUrl, since)).toEqual({
      a: ["green"],
      b: ["green"],
      d: ["cut-off"],
      c: ["cut-off"],
    });

    // 3. A Release bump: a's own Provides change, so its direct dependents rebuild; their output is
    //    the same, so the wave stops at them and c is not rebuilt.
    since = await lastBuildId(w.dbUrl);
    edit(set, "a", (s) => s.replace(/^Release: *1/m, "Release: 2"));
    const bump = await w.kiln(["build"]);
    expect.soft(bump.stdout).toContain("built 1, up to date 1, cut off 2, failed 0, blocked 0");
    expect
      .soft(bump.stderr)
      .toMatch(
        /built a \(build \d+\) in [\d.]+ s: new output \(a\.noarch: provides differ \(\+a = 1\.0-2\.kiln, -a = 1\.0-1\.kiln\)\)/,
      );
    expect(await buildsSince(w.dbUrl, since)).toEqual({ a: ["green"], b: ["cut-off"], d: ["cut-off"] });

    // 4. Fan-in: one change to a and to b (both outputs change): b builds once, after a, and c
    //    once, after b; never once per upstream.
    since = await lastBuildId(w.dbUrl);
    edit(set, "a", (s) => s.replace("a-content-2", "a-content-3"));
    edit(set, "b", (s) => s.replace("%files", "echo b2 > %{buildroot}%{_datadir}/b/b2.txt\n\n%files"));
    const both = await w.kiln(["build"]);
    expect.soft(both.stdout).toContain("built 2, up to date 0, cut off 2, failed 0, blocked 0");
    const rows = await buildRows(w.dbUrl, since);
    expect(rows.map((b) => `${b.package} ${b.status}`).sort()).toEqual([
      "a green",
      "b green",
      "c cut-off",
      "d cut-off",
    ]);
    const at = (p: string): { started: number; finished: number } => rows.find((b) => b.package === p)!;
    expect(at("b").started).toBeGreaterThanOrEqual(at("a").finished);
    expect(at("c").started).toBeGreaterThanOrEqual(at("b").finished);

    // And then there is nothing left to do.
    const again = await w.kiln(["build"]);
    expect.soft(again.stdout).toContain("built 0, up to date 4, cut off 0, failed 0, blocked 0");

    // A manual rebuild: a alone, then a and everything below it; a's output is the same each time,
    // so nothing below it builds.
    since = await lastBuildId(w.dbUrl);
    const alone = await w.kiln(["rebuild", "a"]);
    expect.soft(alone.stdout).toContain("built 0, up to date 0, cut off 1, failed 0, blocked 0");
    const down = await w.kiln(["rebuild", "--downstream", "a"]);
    expect.soft(down.stdout).toContain("built 0, up to date 3, cut off 1, failed 0, blocked 0");
    expect(await buildsSince(w.dbUrl, since)).toEqual({ a: ["cut-off", "cut-off"] });
    const unknown = await w.kiln(["rebuild", "--downstream", "nosuch"]);
    expect(unknown.code).toBe(2);
    expect.soft(unknown.stderr).toContain("no package named nosuch in the set");
  }, 300_000);
});
