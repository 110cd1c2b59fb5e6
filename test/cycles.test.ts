// Cycles are normal in real distributions: a cycle whose members are already published builds
// against the published packages (as Open Build Service does); one with none is an error.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../src/db/connect.js";
import { kiln, KILN_YAML, makeSet, noarchSpec } from "./kit/index.js";

describe("a build dependency cycle", () => {
  it("builds against the published members once they exist", async () => {
    // First a and b without the cycle: b needs a.
    const set = makeSet({
      "kiln.yaml": KILN_YAML,
      "packages/a/a.spec": noarchSpec("a"),
      "packages/b/b.spec": noarchSpec("b", { buildRequires: ["a"] }),
      "packages/c/c.spec": noarchSpec("c", { buildRequires: ["b"] }),
    });
    expect((await kiln(["build", "--set", set])).stdout).toContain("built 3,");

    // Now a needs b too: a cycle whose members are both published.
    writeFileSync(
      join(set, "packages", "a", "a.spec"),
      noarchSpec("a", { buildRequires: ["b"], version: "2.0" }),
    );
    const g = await kiln(["graph", "--set", set]);
    expect(g.code).toBe(0);
    expect(g.stdout).toContain(
      "cycles (strongly connected components):\n  a ↔ b: builds against the published a, b",
    );

    const r = await kiln(["build", "--set", set]);
    expect(r.code).toBe(0);
    // b rebuilds against the new a, to the same output: cut off there, and c stays as it is.
    expect(r.stdout).toContain("built 1, up to date 1, cut off 1, failed 0, blocked 0");
    const { db, close } = await openDatabase(`sqlite:${join(set, ".kiln", "kiln.db")}`);
    try {
      const builds = await db.selectFrom("builds").selectAll().where("id", ">", 3).orderBy("id").execute();
      // a first (against the published b), then b (against the new a).
      expect(builds.map((b) => b.package)).toEqual(["a", "b"]);
      expect(builds[1]!.same_output_as).toBe(2);
      const aLog = readFileSync(builds[0]!.log_path, "utf8");
      expect(aLog).toMatch(/build root [0-9a-f]{12} \(\w+ ?\w*\): .*b-1\.0-1\.kiln\.noarch\.rpm/);
      const bLog = readFileSync(builds[1]!.log_path, "utf8");
      expect(bLog).toMatch(/build root [0-9a-f]{12} \(\w+ ?\w*\): .*a-2\.0-1\.kiln\.noarch\.rpm/);
    } finally {
      await close();
    }
  });

  it("with no published member is an error that prints the cycle, and the rest still builds", async () => {
    const set = makeSet({
      "kiln.yaml": KILN_YAML,
      "packages/x/x.spec": noarchSpec("x", { buildRequires: ["z"] }),
      "packages/y/y.spec": noarchSpec("y", { buildRequires: ["x"] }),
      "packages/z/z.spec": noarchSpec("z", { buildRequires: ["y"] }),
      "packages/after/after.spec": noarchSpec("after", { buildRequires: ["z"] }),
      "packages/free/free.spec": noarchSpec("free"),
    });
    const r = await kiln(["build", "--set", set]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /packages\/x\/x\.spec: build dependency cycle with no published member: x → z → y → x/,
    );
    expect(r.stdout).toContain("built 1, up to date 0, cut off 0, failed 0, blocked 1, invalid 3");
    expect(r.stderr).toContain("blocked after: needs z, which cannot build");
  });
});

describe("scheduling", () => {
  it("builds independent packages in parallel up to --jobs, and dependencies first", async () => {
    const slow = (name: string, br: string[] = []) =>
      noarchSpec(name, { buildRequires: br }).replace("%install\n", "%build\nsleep 1\n\n%install\n");
    const set = makeSet({
      "kiln.yaml": KILN_YAML,
      "packages/p1/p1.spec": slow("p1"),
      "packages/p2/p2.spec": slow("p2"),
      "packages/p3/p3.spec": slow("p3", ["p1", "p2"]),
    });
    const r = await kiln(["build", "--set", set, "--jobs", "2"]);
    expect(r.code).toBe(0);
    const { db, close } = await openDatabase(`sqlite:${join(set, ".kiln", "kiln.db")}`);
    try {
      const b = new Map((await db.selectFrom("builds").selectAll().execute()).map((x) => [x.package, x]));
      const t = (p: string, k: "started_at" | "finished_at") => Date.parse(b.get(p)![k]!);
      // p1 and p2 overlapped; p3 started after both had finished.
      expect(t("p1", "started_at")).toBeLessThan(t("p2", "finished_at"));
      expect(t("p2", "started_at")).toBeLessThan(t("p1", "finished_at"));
      expect(t("p3", "started_at")).toBeGreaterThanOrEqual(
        Math.max(t("p1", "finished_at"), t("p2", "finished_at")),
      );
    } finally {
      await close();
    }
  });
});
