// The bundled example set, built by the real `kiln build` (rpmspec via librpm, rpm --root,
// rpmbuild in bubblewrap, createrepo_c), then installed by a real dnf client and run.
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../src/db/connect.js";
import { sha256File } from "../src/util/hash.js";
import { copyExamples, kiln, type KilnResult, tempDir } from "./kit/index.js";

const PACKAGES = ["greet-data", "hello", "libcount", "libframe", "libgreet", "libstats", "libupper"];

describe("kiln build on the example set", () => {
  let set: string;
  let first: KilnResult;

  beforeAll(async () => {
    set = copyExamples();
    first = await kiln(["build", "--set", set, "--jobs", "2"]);
  });

  it("builds every package green, in dependency order", async () => {
    expect(first.stderr).not.toMatch(/FAILED|blocked|invalid/);
    expect(first.stdout).toContain("built 7, up to date 0, cut off 0, failed 0, blocked 0");
    expect(first.code).toBe(0);
    const { db, close } = await openDatabase(`sqlite:${join(set, ".kiln", "kiln.db")}`);
    try {
      const builds = await db.selectFrom("builds").selectAll().orderBy("id").execute();
      expect(builds.map((b) => b.package).sort()).toEqual(PACKAGES);
      expect(builds.every((b) => b.status === "green" && (b.duration_ms ?? 0) > 0)).toBe(true);
      const finished = new Map(builds.map((b) => [b.package, b.finished_at!]));
      const started = new Map(builds.map((b) => [b.package, b.started_at!]));
      // Each package started after what it needs had finished (and been published).
      for (const [pkg, needs] of [
        ["libupper", ["libgreet", "greet-data"]],
        ["libframe", ["libgreet", "greet-data"]],
        ["libstats", ["libcount"]],
        ["hello", ["libupper", "libframe", "libstats"]],
      ] as const) {
        for (const n of needs) expect(started.get(pkg)! >= finished.get(n)!, `${pkg} after ${n}`).toBe(true);
      }
    } finally {
      await close();
    }
  });

  it("keeps each build's log, SRPM, RPMs and the sha256 of every artifact", async () => {
    const { db, close } = await openDatabase(`sqlite:${join(set, ".kiln", "kiln.db")}`);
    try {
      const arts = await db.selectFrom("artifacts").selectAll().execute();
      const byBuild = new Map<number, typeof arts>();
      for (const a of arts) byBuild.set(a.build_id, [...(byBuild.get(a.build_id) ?? []), a]);
      expect(byBuild.size).toBe(7);
      for (const [, list] of byBuild) {
        expect(list.filter((a) => a.kind === "srpm")).toHaveLength(1);
        expect(list.filter((a) => a.kind === "log")).toHaveLength(1);
        expect(list.filter((a) => a.kind === "rpm").length).toBeGreaterThanOrEqual(1);
      }
      for (const a of arts) {
        const file = join(set, ".kiln", "artifacts", "sha256", a.sha256.slice(0, 2), a.sha256);
        expect(await sha256File(file)).toBe(a.sha256);
      }
      const libgreet = arts.filter((a) => a.name === "libgreet-devel");
      expect(JSON.parse(libgreet[0]!.provides!)).toContain("pkgconfig(greet) = 1.0");
      const builds = await db.selectFrom("builds").selectAll().execute();
      for (const b of builds) expect(readFileSync(b.log_path, "utf8")).toContain("kiln: build succeeded");
    } finally {
      await close();
    }
  });

  it("publishes a repository that dnf installs the top package from, and the program runs", () => {
    const repo = join(set, ".kiln", "repos", "testing");
    expect(existsSync(join(repo, "repodata", "repomd.xml"))).toBe(true);
    const root = tempDir("kiln-dnf-");
    execFileSync(
      "dnf",
      [
        `--installroot=${root}`,
        `--repofrompath=kiln,file://${repo}`,
        "--repo=kiln",
        "--setopt=gpgcheck=0",
        `--setopt=cachedir=${root}/cache`,
        "-q",
        "-y",
        "install",
        "hello",
      ],
      { stdio: "pipe" },
    );
    const out = execFileSync(join(root, "usr", "bin", "hello"), ["Kiln"], {
      env: {
        LD_LIBRARY_PATH: join(root, "usr", "lib64"),
        GREET_DATA_DIR: join(root, "usr", "share", "greet"),
      },
    }).toString();
    // The greeting word comes from the noarch greet-data package, which dnf pulled in through
    // libgreet's Requires.
    expect(out).toContain("| Howdy, Kiln! |");
    expect(out).toContain("HOWDY, KILN!");
    expect(out).toContain("12 characters, 9 letters, 2 words");
    const installed = execFileSync("rpm", [
      "--root",
      root,
      "--dbpath",
      "/root/.rpmdb",
      "-qa",
      "--qf",
      "%{NAME}\\n",
    ])
      .toString()
      .split("\n")
      .filter(Boolean)
      .sort();
    expect(installed).toEqual([
      "greet-data",
      "hello",
      "kiln-host-provides",
      "libcount",
      "libframe",
      "libgreet",
      "libstats",
      "libupper",
    ]);
  });

  it("builds nothing when nothing changed, and reads no spec again", async () => {
    const again = await kiln(["build", "--set", set]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("built 0, up to date 7, cut off 0, failed 0, blocked 0");
    expect(again.stderr).toContain("(0 spec(s) read, 7 from the cache)");
  });

  it("notices a spec edited in place with its size and mtime kept (stat-based shortcut)", async () => {
    // Stamps younger than two seconds are never trusted; wait, and load once so that the set's
    // snapshot trusts every spec's stat from now on.
    await new Promise((r) => setTimeout(r, 2100));
    expect((await kiln(["graph", "--set", set])).code).toBe(0);
    const spec = join(set, "packages", "libcount", "libcount.spec");
    const ref = join(tempDir(), "libcount.spec.orig");
    execFileSync("cp", ["-p", spec, ref]); // keeps the mtime to the nanosecond, for touch -r
    const before = statSync(spec);
    const text = readFileSync(spec, "utf8");
    try {
      // Same length, different content, and the old modification time put back: only ctime differs.
      writeFileSync(spec, text.replace("Release:        1%{?dist}", "Release:        2%{?dist}"));
      execFileSync("touch", ["-r", ref, spec]);
      expect(statSync(spec).size).toBe(before.size);
      expect(statSync(spec).mtimeMs).toBe(before.mtimeMs);
      const g = await kiln(["graph", "--set", set, "--format", "json"]);
      const pkgs = (JSON.parse(g.stdout) as { packages: { name: string; evr: string }[] }).packages;
      expect(pkgs.find((p) => p.name === "libcount")?.evr).toBe("1.0-2.kiln1");
    } finally {
      writeFileSync(spec, text);
    }
  });

  it("a comment in a spec rebuilds that package only, in a cloned build root, and cuts off there", async () => {
    appendFileSync(join(set, "packages", "libframe", "libframe.spec"), "# a comment changes the spec\n");
    const r = await kiln(["build", "--set", set]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("built 0, up to date 6, cut off 1, failed 0, blocked 0");
    expect(r.stderr).toMatch(/start libframe \(build \d+\): spec changed/);
    expect(r.stderr).toMatch(
      /cut off libframe \(build \d+\) in [\d.]+ s: same output as build \d+, not published/,
    );
    // hello was planned (libframe was being rebuilt) but found nothing it needs had changed.
    expect(r.stderr).toMatch(/hello is up to date/);
    expect(r.stderr).not.toMatch(/start hello/);
    // libframe's dependencies did not change: its new build root is the cached one, cloned.
    const { db, close } = await openDatabase(`sqlite:${join(set, ".kiln", "kiln.db")}`);
    try {
      const b = await db
        .selectFrom("builds")
        .selectAll()
        .where("package", "=", "libframe")
        .orderBy("id", "desc")
        .executeTakeFirstOrThrow();
      expect(readFileSync(b.log_path, "utf8")).toMatch(
        /build root [0-9a-f]{12}: cloned from cache in \d+ ms/,
      );
      expect(b.status).toBe("green");
      expect(b.same_output_as).not.toBeNull();
    } finally {
      await close();
    }
    const roots = readdirSync(join(set, ".kiln", "buildroots")).filter((d) => !d.startsWith("."));
    // One root per distinct dependency set: greet-data, libgreet and libcount share the empty
    // root; libupper and libframe share one; libstats and hello have theirs.
    expect(roots).toHaveLength(4);
    // Nothing is left to do: the cut-off build counts as libframe's output.
    const again = await kiln(["build", "--set", set]);
    expect(again.stdout).toContain("built 0, up to date 7, cut off 0, failed 0, blocked 0");
  });
});
