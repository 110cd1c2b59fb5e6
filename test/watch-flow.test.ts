// Release watches end to end, offline: fake upstreams on 127.0.0.1 answering as GitHub does, the
// example set's watched libgreet, the real `kiln watch` and `kiln serve` (its config pointing the
// services at the fakes), real tarballs made here, and the bump read back by librpm and committed
// to its own branch of the set's git repository while the set's checkout stays as it was.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { CandidateView, UpdateList, WatchList, type UpdateView } from "../src/api/watch-schemas.js";
import { ApiClient } from "../src/api/client.js";
import { startFakeUpstreams, type FakeUpstreams } from "./kit/fake-upstreams.js";
import { BuildList, commit, copyExamples, editFile, git, kiln, startServer, tempDir } from "./kit/index.js";

const PROJECT = "kiln-examples/libgreet";
const LONG_AGO = "2026-01-01T00:00:00Z";

/** libgreet's upstream tree at `version`, as a reproducible .tar.gz (the example's own 1.0 plus a NEWS line). */
function tarball(set: string, version: string, news = `libgreet ${version}\n`): Buffer {
  const dir = tempDir("kiln-tarball-");
  cpSync(join(set, "packages/libgreet/upstream/libgreet-1.0"), join(dir, `libgreet-${version}`), {
    recursive: true,
  });
  writeFileSync(join(dir, `libgreet-${version}`, "NEWS"), news);
  const tar = execFileSync("tar", [
    "--sort=name",
    "--mtime=2024-01-01",
    "--owner=0",
    "--group=0",
    "-C",
    dir,
    "-cf",
    "-",
    `libgreet-${version}`,
  ]);
  return execFileSync("gzip", ["-n", "-9"], { input: tar });
}

function serverConfig(fake: FakeUpstreams): string {
  const dir = tempDir("kiln-server-config-");
  const file = join(dir, "server.yaml");
  const upstreams = Object.entries(fake.endpoints)
    .map(([name, url]) => `  ${name}: {url: "${url}"}`)
    .join("\n");
  writeFileSync(file, `upstreams:\n${upstreams}\nwatch:\n  host-gap: 0\n  interval: 1h\n`);
  return file;
}

describe("a watched package's new upstream release", () => {
  let fake: FakeUpstreams;
  let set: string;
  let config: string;
  let v10: Buffer;

  beforeAll(async () => {
    fake = await startFakeUpstreams();
    set = copyExamples();
    writeFileSync(join(set, ".gitignore"), ".kiln/\n");
    git(set, "init", "-q", "-b", "main");
    commit(set, "the example set");
    config = serverConfig(fake);
    v10 = readFileSync(join(set, "packages/libgreet/libgreet-1.0.tar.gz"));
    fake.addRelease("github", PROJECT, {
      version: "v1.0",
      publishedAt: LONG_AGO,
      files: [{ name: "libgreet-1.0.tar.gz", bytes: v10 }],
    });
  });

  test("kiln watch sees it, skips a prerelease and a fresh release, and asks again with the ETag", async () => {
    fake.addRelease("github", PROJECT, {
      version: "v1.1",
      publishedAt: LONG_AGO,
      files: [{ name: "libgreet-1.1.tar.gz", bytes: tarball(set, "1.1") }],
    });
    fake.addRelease("github", PROJECT, { version: "v1.2.0rc1", prerelease: true, publishedAt: LONG_AGO });
    fake.addRelease("github", PROJECT, { version: "v1.3", publishedAt: new Date().toISOString() });
    const data = tempDir("kiln-watch-data-");
    const r = await kiln(["watch", "--set", set, "--data", data, "--config", config]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `libgreet (github-releases ${PROJECT}): new 1.1 is out upstream (the spec has 1.0)`,
    );
    expect(r.stdout).toMatch(/skipped v1\.3: \d+ s old, min-age is 24\.0 h/);
    expect(r.stdout).toContain("skipped v1.2.0rc1: marked a prerelease upstream");
    const before = fake.log.length;
    const again = await kiln([
      "watch",
      "libgreet",
      "--set",
      set,
      "--data",
      data,
      "--config",
      config,
      "--format",
      "json",
    ]);
    const [w] = WatchList.parse(JSON.parse(again.stdout)).watches;
    expect(w).toMatchObject({
      package: "libgreet",
      outcome: "newer",
      newest: "1.1",
      current: "1.0",
      requests: 1,
      fromCache: 1,
    });
    expect(fake.log.slice(before).map((l) => l.status)).toEqual([304]);
    const unknown = await kiln(["watch", "hello", "--set", set, "--data", data, "--config", config]);
    expect([unknown.code, unknown.stderr]).toEqual([
      2,
      expect.stringMatching(/not watched: hello[\s\S]*watched packages: libgreet/),
    ]);
  });

  test("the server opens a thread, bumps the spec onto its own branch and builds the candidate; the set's checkout and repository are untouched", async () => {
    const head = git(set, "rev-parse", "HEAD");
    const data = tempDir("kiln-watch-serve-");
    const server = await startServer({
      set,
      data,
      extra: ["--config", config, "--watch-tick", "1", "--poll", "0"],
      scope: "test",
    });
    const api = new ApiClient(server.url, server.admin);
    const thread = await until(
      api,
      (u) => u.package === "libgreet" && ["ready", "failed"].includes(u.state),
      180_000,
    );
    expect(thread).toMatchObject({
      state: "ready",
      version: "1.1",
      rpmVersion: "1.1",
      fromVersion: "1.0",
      branch: "kiln/update/libgreet-1.1",
    });
    expect(thread.events.map((e) => e.state)).toEqual([
      "detected",
      "bumped",
      "building",
      "built",
      "testing",
      "ready",
    ]);
    // The bump says what accepting it would rebuild on the farm (kiln plan's wave).
    expect(thread.events.find((e) => e.state === "bumped")!.note).toMatch(
      /committed to branch kiln\/update\/libgreet-1\.1 \([0-9a-f]{12}\); once accepted, it rebuilds \d+ package\(s\) in \d+ wave\(s\) on the farm: libgreet; then .*hello/,
    );
    expect(thread.events.find((e) => e.state === "built")!.note).toMatch(
      // The farm has built nothing yet: the wave and what it needs are built in the candidate.
      /^the candidate built libgreet 1\.1 and what rebuilds below it: 7 built \(greet-data, hello, libcount, libframe, libgreet, libstats, libupper\), into its own repository testing; 0 package\(s\) taken from the farm's testing$/,
    );
    expect(thread.note).toMatch(
      /^a green, tested candidate: dnf installs greet-data, hello, libcount, libframe, libgreet, libstats, libupper from the candidate's repository \(\d+ packages with what they need\)$/,
    );
    // The candidate's repository has the new version; the farm's own has built and published nothing.
    const candidate = readdirSync(join(data, "updates", String(thread.id), "candidate", "repos", "testing"), {
      recursive: true,
    }).map(String);
    expect(candidate.filter((f) => /libgreet-1\.1-1\.kiln1\.\w+\.rpm$/.test(f)).length).toBeGreaterThan(0);
    expect((await api.json(BuildList, "GET", "/builds")).builds).toEqual([]);
    // Each of the candidate's builds, with its log, and the install test's dnf output.
    const cand = await api.json(CandidateView, "GET", `/updates/${thread.id}/candidate`);
    expect(cand.taken).toEqual([]);
    expect(cand.installLog).toBe(true);
    expect(cand.builds.map((b) => b.package).sort()).toEqual([
      "greet-data",
      "hello",
      "libcount",
      "libframe",
      "libgreet",
      "libstats",
      "libupper",
    ]);
    for (const b of cand.builds)
      expect(b).toMatchObject({ state: "green", log: true, build: expect.any(Number) });
    const greet = cand.builds.find((b) => b.package === "libgreet")!;
    const log = await (await api.fetch(`/updates/${thread.id}/candidate/builds/${greet.build}/log`)).text();
    expect(log).toMatch(/libgreet-1\.1/);
    expect(await (await api.fetch(`/updates/${thread.id}/install-log`)).text()).toMatch(/libgreet/);
    await expect(api.fetch(`/updates/${thread.id}/candidate/builds/9999/log`)).rejects.toMatchObject({
      status: 404,
      message: expect.stringMatching(/has no log of build 9999/),
    });
    const at = (state: string): number => Date.parse(thread.events.find((e) => e.state === state)!.at);
    console.log(`release seen → candidate ready: ${((at("ready") - at("detected")) / 1000).toFixed(1)} s`);
    expect(thread.tarballUrl).toBe(fake.tarballUrl("github", PROJECT, "v1.1", "libgreet-1.1.tar.gz"));
    // The branch: the new tarball instead of the old, the spec bumped; nothing else.
    const files = git(set, "diff", "--name-status", head, thread.branch!).split("\n").sort();
    expect(files).toEqual([
      "A\tpackages/libgreet/libgreet-1.1.tar.gz",
      "D\tpackages/libgreet/libgreet-1.0.tar.gz",
      "M\tpackages/libgreet/libgreet.spec",
    ]);
    const spec = git(set, "show", `${thread.branch!}:packages/libgreet/libgreet.spec`);
    expect(spec).toMatch(/^Version: {8}1\.1$/m);
    expect(spec).toMatch(/^Release: {8}1%\{\?dist\}$/m);
    expect(spec).toMatch(
      /%changelog\n\* \w{3} \w{3} \d\d \d{4} Kiln <kiln@localhost> - 1\.1-1\n- Update to 1\.1 \(release watch: github-releases kiln-examples\/libgreet\)\n/,
    );
    expect(git(set, "log", "-1", "--format=%an <%ae>%n%s", thread.branch!)).toBe(
      "Kiln <kiln@localhost>\nlibgreet: update to 1.1",
    );
    expect(git(set, "rev-parse", "HEAD")).toBe(head);
    expect(git(set, "status", "--porcelain")).toBe("");
    expect(git(set, "worktree", "list").split("\n")).toHaveLength(1);
    const watches = await api.json(WatchList, "GET", "/watches");
    expect(watches.watches[0]).toMatchObject({ package: "libgreet", outcome: "newer", newest: "1.1" });
    console.log(`requests per poll of the GitHub fake: ${watches.watches[0]!.requests ?? "?"}`);

    // 1.2 appears: a new thread, the 1.1 one superseded. Its tarball is the 1.0 one, byte for byte.
    fake.addRelease("github", PROJECT, {
      version: "v1.2",
      publishedAt: LONG_AGO,
      files: [{ name: "libgreet-1.2.tar.gz", bytes: v10 }],
    });
    await api.json(WatchList, "POST", "/watches/check", { packages: ["libgreet"] });
    const v12 = await until(api, (u) => u.version === "1.2" && u.state !== "detected");
    expect(v12).toMatchObject({
      state: "needs-hand",
      note: expect.stringMatching(/byte for byte the one for 1\.0/),
    });
    const all = (await api.json(UpdateList, "GET", "/updates?package=libgreet")).updates;
    expect(all.find((u) => u.version === "1.1")).toMatchObject({
      state: "superseded",
      open: false,
      note: `superseded by 1.2 (thread ${v12.id})`,
    });
    expect(await branchList(set)).toEqual(["kiln/update/libgreet-1.1", "main"]);

    // A rejected version ends its thread; looking again does not bring it back.
    const rejected = await api.json(UpdateList.shape.updates.element, "POST", `/updates/${v12.id}/reject`, {
      reason: "bad tarball",
    });
    expect(rejected).toMatchObject({
      state: "rejected",
      note: expect.stringMatching(/^rejected by admin: bad tarball/),
    });
    await api.json(WatchList, "POST", "/watches/check", { packages: [] });
    expect((await api.json(UpdateList, "GET", "/updates?package=libgreet&open=true")).updates).toEqual([]);
  });

  test("a rate-limited upstream is an error in words, and the watch waits for its reset", async () => {
    const data = tempDir("kiln-watch-limited-");
    fake.rateLimitGitHub(true, new Date(Date.now() + 1800_000));
    try {
      const r = await kiln(["watch", "--set", set, "--data", data, "--config", config, "--format", "json"]);
      expect(r.code).toBe(1);
      const [w] = WatchList.parse(JSON.parse(r.stdout)).watches;
      expect(w!.outcome).toBe("error");
      expect(w!.error).toMatch(
        /answered 403 Forbidden for \/repos\/kiln-examples\/libgreet\/releases: rate limited; Kiln leaves 127\.0\.0\.1:\d+ alone until .*a token in the server's config raises the limit/,
      );
      expect(Date.parse(w!.nextAt) - Date.now()).toBeGreaterThan(1700_000);
    } finally {
      fake.rateLimitGitHub(false);
    }
  });

  test("a new version that does not build fails its thread, says why, and publishes nothing", async () => {
    const s = copyExamples();
    editFile(s, "packages/libgreet/kiln.yaml", (t) => t.replace("min-age: 1d", "min-age: 0"));
    // 2.0's tarball lacks greet.c: make fails in the candidate.
    const dir = tempDir("kiln-broken-");
    cpSync(join(s, "packages/libgreet/upstream/libgreet-1.0"), join(dir, "libgreet-2.0"), {
      recursive: true,
    });
    execFileSync("rm", [join(dir, "libgreet-2.0", "greet.c")]);
    const bytes = execFileSync("gzip", ["-n"], {
      input: execFileSync("tar", ["-C", dir, "-cf", "-", "libgreet-2.0"]),
    });
    const project = "kiln-examples/libgreet-broken";
    editFile(s, "packages/libgreet/kiln.yaml", (t) => t.replace(PROJECT, project));
    fake.addRelease("github", project, {
      version: "v2.0",
      publishedAt: LONG_AGO,
      files: [{ name: "libgreet-2.0.tar.gz", bytes }],
    });
    writeFileSync(join(s, ".gitignore"), ".kiln/\n");
    git(s, "init", "-q", "-b", "main");
    commit(s, "the example set");
    const data = tempDir("kiln-watch-broken-");
    const server = await startServer({
      set: s,
      data,
      extra: ["--config", config, "--watch-tick", "1"],
      scope: "test",
    });
    const api = new ApiClient(server.url, server.admin);
    const t = await until(api, (u) => ["ready", "failed", "needs-hand"].includes(u.state), 180_000);
    expect(t).toMatchObject({
      state: "failed",
      note: expect.stringMatching(
        /^the candidate with libgreet 2\.0 did not build \(failed: libgreet; blocked: hello, libframe, libupper; 3 built \(greet-data, libcount, libstats\)\); nothing was published$/,
      ),
    });
    expect(t.events.map((e) => e.state)).toEqual(["detected", "bumped", "building", "failed"]);
    expect((await api.json(BuildList, "GET", "/builds")).builds).toEqual([]);
    // The failed build's log says why, for the maintainer who opens the thread.
    const cand = await api.json(CandidateView, "GET", `/updates/${t.id}/candidate`);
    const failed = cand.builds.find((b) => b.package === "libgreet")!;
    expect(failed).toMatchObject({ state: "failed", log: true });
    expect(cand.builds.find((b) => b.package === "hello")).toMatchObject({ state: "blocked", log: false });
    const log = await (await api.fetch(`/updates/${t.id}/candidate/builds/${failed.build}/log`)).text();
    expect(log).toMatch(/greet\.c/);
  });

  test("a spec that cannot follow the release needs a hand, saying why", async () => {
    const s = copyExamples();
    mkdirSync(join(s, "packages/hello"), { recursive: true });
    writeFileSync(
      join(s, "packages/hello/kiln.yaml"),
      "watch:\n  source: github-tags\n  project: kiln-examples/hello\n",
    );
    editFile(s, "packages/libgreet/kiln.yaml", (t) =>
      t.replace("min-age: 1d", `min-age: 0\n  url: ${fake.url}/dist/libgreet/missing-{version}.tar.gz`),
    );
    fake.addRelease("github", "kiln-examples/hello", { version: "2.0", publishedAt: LONG_AGO });
    const server = await startServer({
      set: s,
      data: tempDir("kiln-watch-hand-"),
      extra: ["--config", config, "--watch-tick", "1"],
      scope: "test",
    });
    const api = new ApiClient(server.url, server.admin);
    const hello = await until(api, (u) => u.package === "hello" && u.state !== "detected");
    expect(hello).toMatchObject({
      state: "needs-hand",
      note: expect.stringMatching(/Source0 \(hello\.c\) does not contain %\{version\}/),
    });
    const libgreet = await until(api, (u) => u.package === "libgreet" && u.state !== "detected");
    // The tarball is not there: the thread fails saying so, and nothing is committed.
    expect(libgreet).toMatchObject({
      state: "failed",
      note: expect.stringMatching(
        /^fetching the tarball http:\/\/127\.0\.0\.1:\d+\/dist\/libgreet\/missing-1\.3\.tar\.gz: 127\.0\.0\.1:\d+ answered 404 Not Found for \/dist\/libgreet\/missing-1\.3\.tar\.gz: no such project or file upstream$/,
      ),
    });
    expect(libgreet.patch).toBe(false);
  });
});

async function until(api: ApiClient, ok: (u: UpdateView) => boolean, ms = 60_000): Promise<UpdateView> {
  const end = Date.now() + ms;
  for (;;) {
    const found = (await api.json(UpdateList, "GET", "/updates")).updates.find(ok);
    if (found) return found;
    if (Date.now() > end) throw new Error(`no such update thread within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const branchList = (set: string): Promise<string[]> =>
  Promise.resolve(git(set, "branch", "--format=%(refname:short)").split("\n").sort());
