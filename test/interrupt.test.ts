// An interrupted `kiln build` (Ctrl-C, kill -9) leaves the last good repository intact, and the
// next run finishes the work.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../src/db/connect.js";
import { sha256 } from "../src/util/hash.js";
import { copyExamples, kiln, KILN_YAML, makeSet, noarchSpec, slowSet, tempDir } from "./kit/index.js";

/** Every file repomd.xml names exists with its checksum, and so does every package primary.xml names. */
function checkRepository(repo: string): number {
  const repomd = readFileSync(join(repo, "repodata", "repomd.xml"), "utf8");
  const entries = [
    ...repomd.matchAll(/<checksum type="sha256">([0-9a-f]{64})<\/checksum>[\s\S]*?<location href="([^"]+)"/g),
  ];
  expect(entries.length).toBeGreaterThan(0);
  for (const [, sum, href] of entries) expect(sha256(readFileSync(join(repo, href!))), href).toBe(sum);
  const primaryHref = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(repomd)![1]!;
  const primary = gunzipSync(readFileSync(join(repo, primaryHref))).toString();
  const pkgs = [
    ...primary.matchAll(
      /<checksum type="sha256" pkgid="YES">([0-9a-f]{64})<\/checksum>[\s\S]*?<location href="([^"]+)"/g,
    ),
  ];
  for (const [, sum, href] of pkgs) expect(sha256(readFileSync(join(repo, href!))), href).toBe(sum);
  return pkgs.length;
}

function dnfList(repo: string): string {
  const root = tempDir("kiln-dnf-");
  return execFileSync("dnf", [
    `--installroot=${root}`,
    `--repofrompath=kiln,file://${repo}`,
    "--repo=kiln",
    `--setopt=cachedir=${root}/cache`,
    "-q",
    "list",
    "--available",
  ]).toString();
}

function waitFor(text: RegExp, p: { stderr: () => string }, ms = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = setInterval(() => {
      if (text.test(p.stderr())) {
        clearInterval(tick);
        resolve();
      } else if (Date.now() - t0 > ms) {
        clearInterval(tick);
        reject(new Error(`timed out waiting for ${String(text)}`));
      }
    }, 20);
  });
}

describe("an interrupted kiln build", () => {
  it("kill -9 in the middle of a build: the repository stays as it was, the next run finishes", async () => {
    const marker = `kiln-interrupt-${Date.now()}`;
    const set = slowSet(marker, 2);
    let err = "";
    const run = kiln(["build", "--set", set, "--jobs", "1"], { onStderr: (c) => (err += c) });
    await waitFor(/start slow/, { stderr: () => err });
    await waitFor(/published main snapshot 1/, { stderr: () => err });
    process.kill(run.pid()!, "SIGKILL");
    const killed = await run;
    expect(killed.signal).toBe("SIGKILL");
    // The sandboxed rpmbuild died with its parent.
    await new Promise((r) => setTimeout(r, 300));
    expect(execFileSync("ps", ["-eo", "args"]).toString()).not.toContain(marker);

    const repo = join(set, ".kiln", "repos", "main");
    expect(checkRepository(repo)).toBe(1);
    expect(dnfList(repo)).toMatch(/^first\.noarch/m);

    const again = await kiln(["build", "--set", set]);
    expect(again.stdout).toContain("built 2, up to date 1, cut off 0, failed 0, blocked 0");
    expect(again.code).toBe(0);
    expect(checkRepository(repo)).toBe(3);
    const { db, close } = await openDatabase(`sqlite:${join(set, ".kiln", "kiln.db")}`);
    try {
      const slow = await db
        .selectFrom("builds")
        .selectAll()
        .where("package", "=", "slow")
        .orderBy("id")
        .execute();
      expect(slow.map((b) => [b.status, b.error])).toEqual([
        ["cancelled", "interrupted: the kiln process running it stopped"],
        ["green", null],
      ]);
    } finally {
      await close();
    }
  });

  it("kill -9 at many moments of a whole build: every time a complete repository or none", async () => {
    const set = copyExamples();
    const repo = join(set, ".kiln", "repos", "testing");
    const seen = new Set<string>();
    // Each run is killed a little after it publishes its first snapshot (or at once, or when it ends),
    // so every run makes progress whatever the machine's speed, and kills land at varied moments:
    // during a build, between record and write, while createrepo_c runs. Before each run the bottom
    // library's Release goes up, so every run has new output to publish, even where the first run,
    // on a fast machine, built and published everything before its kill.
    const libgreet = join(set, "packages", "libgreet", "libgreet.spec");
    for (const [i, after] of [0, 30, 120, 250, -1].entries()) {
      writeFileSync(libgreet, readFileSync(libgreet, "utf8").replace(/^Release: *\d+/m, `Release: ${i + 2}`));
      let err = "";
      const run = kiln(["build", "--set", set, "--jobs", "2"], { onStderr: (c) => (err += c) });
      if (after >= 0) {
        await Promise.race([waitFor(/published testing snapshot/, { stderr: () => err }), run]);
        await new Promise((r) => setTimeout(r, after));
      } else {
        await new Promise((r) => setTimeout(r, 200));
      }
      try {
        process.kill(run.pid()!, "SIGKILL");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e; // it had already finished
      }
      await run;
      if (existsSync(repo)) {
        seen.add(readlinkSync(repo));
        checkRepository(repo);
        dnfList(repo);
      }
    }
    const last = await kiln(["build", "--set", set, "--jobs", "2"]);
    expect(last.code).toBe(0);
    expect(last.stdout).toMatch(/failed 0, blocked 0/);
    // Seven source packages' 12 binary RPMs, the generated host-provides package, and the build of
    // libgreet (and libgreet-devel) before the last Release bump: a repository keeps two builds a package.
    expect(checkRepository(repo)).toBe(15);
    expect(seen.size).toBeGreaterThan(2);
  });

  it("a kiln stopped between recording a publication and writing it: the next run writes it", async () => {
    const set = makeSet({
      "kiln.yaml": KILN_YAML,
      "packages/one/one.spec": noarchSpec("one"),
      "packages/two/two.spec": noarchSpec("two"),
    });
    expect((await kiln(["build", "--set", set])).code).toBe(0);
    const repo = join(set, ".kiln", "repos", "main");
    // As if the process had died after committing the content, before the snapshot was written:
    // the database is ahead of the disk, which shows an older snapshot (or none).
    rmSync(repo);
    const { db, close } = await openDatabase(`sqlite:${join(set, ".kiln", "kiln.db")}`);
    await db.updateTable("repositories").set({ snapshot_content_version: 0 }).execute();
    await close();
    const r = await kiln(["build", "--set", set]);
    expect(r.stdout).toContain("built 0, up to date 2, cut off 0, failed 0, blocked 0");
    expect(r.code).toBe(0);
    expect(checkRepository(repo)).toBe(2);
  });

  it("Ctrl-C cancels the running build, exits 130, and keeps the repository", async () => {
    const set = slowSet(`kiln-sigint-${Date.now()}`, 2);
    let err = "";
    const run = kiln(["build", "--set", set, "--jobs", "1"], { onStderr: (c) => (err += c) });
    await waitFor(/start slow/, { stderr: () => err });
    await waitFor(/published main snapshot 1/, { stderr: () => err });
    process.kill(run.pid()!, "SIGINT");
    const r = await run;
    expect(r.code).toBe(130);
    expect(r.stdout).toContain("built 1, up to date 0, cut off 0, failed 0, blocked 0, cancelled 2");
    expect(checkRepository(join(set, ".kiln", "repos", "main"))).toBe(1);
  });
});
