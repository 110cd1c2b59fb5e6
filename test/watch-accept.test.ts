// An update thread from a new upstream release to stable, on a real farm (a server and an agent):
// the candidate built and tested on the server, accepted by a maintainer, merged into the set,
// built and published by the farm's own flow, promoted to stable by the repository's rules, and
// installed from stable with dnf at the new version, with no hand edit of any spec.
import { execFileSync } from "node:child_process";
import { cpSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { UpdateList, UpdateView, WatchList } from "../src/api/watch-schemas.js";
import { startFakeUpstreams } from "./kit/fake-upstreams.js";
import { BuildList, commit, copyExamples, editFile, git, startFarm, tempDir } from "./kit/index.js";

test("a new upstream release becomes a tested candidate, and once accepted is installable from stable", async () => {
  const fake = await startFakeUpstreams();
  const set = copyExamples();
  writeFileSync(join(set, ".gitignore"), ".kiln/\n");
  // A patch release is accepted by the rule; anything bigger waits for a maintainer.
  editFile(set, "packages/libgreet/kiln.yaml", (t) => t.replace("min-age: 1d", "min-age: 0\n  auto: patch"));
  git(set, "init", "-q", "-b", "main");
  commit(set, "the example set");
  const tarball = (version: string, broken = false): Buffer => {
    const dir = tempDir("kiln-accept-tarball-");
    cpSync(join(set, "packages/libgreet/upstream/libgreet-1.0"), join(dir, `libgreet-${version}`), {
      recursive: true,
    });
    if (broken) rmSync(join(dir, `libgreet-${version}`, "greet.c"));
    writeFileSync(join(dir, `libgreet-${version}`, "NEWS"), `${version}: the same greeting, newer\n`);
    return execFileSync("gzip", ["-n"], {
      input: execFileSync("tar", ["-C", dir, "-cf", "-", `libgreet-${version}`]),
    });
  };
  const bytes = tarball("1.2");
  fake.addRelease("github", "kiln-examples/libgreet", {
    version: "v1.2",
    publishedAt: "2026-01-01T00:00:00Z",
    files: [{ name: "libgreet-1.2.tar.gz", bytes }],
  });
  const config = join(tempDir("kiln-accept-config-"), "server.yaml");
  writeFileSync(config, `upstreams:\n  github: {url: "${fake.url}"}\nwatch:\n  host-gap: 0\n`);
  const farm = await startFarm({ set, agents: 1, extra: ["--config", config, "--watch-tick", "1"] });
  const thread = async (ok: (u: UpdateView) => boolean, ms = 180_000): Promise<UpdateView> => {
    for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 250))) {
      const found = (await farm.api.json(UpdateList, "GET", "/updates")).updates.find(ok);
      if (found) return found;
    }
    const now = (await farm.api.json(UpdateList, "GET", "/updates")).updates;
    throw new Error(
      `no such thread within ${ms / 1000} s: ${JSON.stringify(now, null, 1)}\n${farm.server.output().slice(-3000)}`,
    );
  };

  const ready = await thread((u) => ["ready", "failed", "needs-hand"].includes(u.state), 100_000);
  expect(ready).toMatchObject({ state: "ready", version: "1.2" });
  // A thread that is not ready is not accepted.
  const early = await farm.api.refusal(farm.api.json(UpdateView, "POST", "/updates/999/accept"));
  expect(early.status).toBe(404);

  const accepted = await farm.api.json(UpdateView, "POST", `/updates/${ready.id}/accept`);
  expect(accepted).toMatchObject({
    state: "accepted",
    note: expect.stringMatching(
      /^accepted by admin: merged into main as [0-9a-f]{12}; request \d+ builds it$/,
    ),
  });
  expect(git(set, "log", "-1", "--format=%an%n%s")).toBe(`Kiln\nlibgreet: update to 1.2`);
  const again = await farm.api.refusal(farm.api.json(UpdateView, "POST", `/updates/${ready.id}/accept`));
  expect([again.status, again.message]).toEqual([
    409,
    expect.stringMatching(/is accepted: only a ready candidate is accepted/),
  ]);

  const promoted = await thread((u) => u.id === ready.id && !u.open, 100_000);
  // Into an empty stable it takes what it needs along (greet-data), as the closure check asks.
  expect(promoted).toMatchObject({ state: "promoted", note: "libgreet 1.2 is in stable" });
  expect(promoted.events.map((e) => e.state)).toEqual([
    "detected",
    "bumped",
    "building",
    "built",
    "testing",
    "ready",
    "accepted",
    "promoted",
  ]);

  const installed = (): string => {
    const root = tempDir("kiln-accept-root-");
    execFileSync("dnf", [
      `--installroot=${root}`,
      `--repofrompath=stable,file://${join(farm.data, "repos", "stable")}`,
      "--repo=stable",
      "--setopt=gpgcheck=0",
      `--setopt=cachedir=${root}/cache`,
      "-q",
      "-y",
      "install",
      "libgreet",
    ]);
    return execFileSync("rpm", ["--root", root, "--dbpath", "/root/.rpmdb", "-q", "libgreet"])
      .toString()
      .trim();
  };
  expect(installed()).toMatch(/^libgreet-1\.2-1\.kiln1\.\w+$/);

  // The merge's request goes on building below libgreet after its promotion: let it finish, so
  // that the next candidate finds all seven packages published on the farm.
  for (let end = Date.now() + 100_000; ; await new Promise((r) => setTimeout(r, 250))) {
    const builds = (await farm.api.json(BuildList, "GET", "/builds")).builds;
    const green = new Set(builds.filter((b) => b.status === "green").map((b) => b.package));
    if (green.size === 7 && builds.every((b) => b.status !== "running")) break;
    if (Date.now() > end) throw new Error(`the farm did not build the set: ${JSON.stringify(builds)}`);
  }
  // 1.2.1, a patch release: accepted by the rule, built, promoted, with no one's hand.
  fake.addRelease("github", "kiln-examples/libgreet", {
    version: "v1.2.1",
    publishedAt: "2026-01-02T00:00:00Z",
    files: [{ name: "libgreet-1.2.1.tar.gz", bytes: tarball("1.2.1") }],
  });
  await farm.api.json(WatchList, "POST", "/watches/check", { packages: ["libgreet"] });
  const patch = await thread((u) => u.version === "1.2.1" && !u.open, 100_000);
  expect(patch).toMatchObject({ state: "promoted", fromVersion: "1.2" });
  // The farm has the set built by now: the candidate takes its published builds and builds only
  // what a change to libgreet rebuilds by the rebuild modes (kiln plan libgreet's wave).
  const built = patch.events.find((e) => e.state === "built")!.note;
  const at = (state: string): number => Date.parse(patch.events.find((e) => e.state === state)!.at);
  console.log(`the 1.2.1 candidate: ${built}`);
  console.log(
    `1.2.1 seen → ready: ${((at("ready") - at("detected")) / 1000).toFixed(1)} s, → promoted: ${((at("promoted") - at("detected")) / 1000).toFixed(1)} s`,
  );
  const m =
    /^the candidate built libgreet 1\.2\.1 and what rebuilds below it: (\d) built \(([a-z, -]+)\)(?:, (\d) cut off)?, 3 up to date, into its own repository testing; 6 package\(s\) taken from the farm's testing$/.exec(
      built,
    );
  expect(m, built).not.toBeNull();
  // The wave is libgreet, libframe, libupper, hello; the three they need and nothing else are up to date.
  expect(Number(m![1]) + Number(m![3] ?? 0)).toBe(4);
  expect(m![2]!.split(", ")).toContain("libgreet");
  expect(patch.events.find((e) => e.state === "testing")!.note).toBe(
    "installing hello, libframe, libgreet, libupper with dnf",
  );
  expect(patch.events.find((e) => e.state === "accepted")!.note).toMatch(
    /^accepted by kiln \(watch\.auto: patch\): merged into main/,
  );
  expect(installed()).toMatch(/^libgreet-1\.2\.1-1\.kiln1\.\w+$/);

  // 1.2.2 does not build (its tarball lacks greet.c): its thread fails, saying so, nothing of it is
  // merged or published, even by the patch rule, and stable still installs 1.2.1.
  const mainBefore = git(set, "rev-parse", "HEAD");
  fake.addRelease("github", "kiln-examples/libgreet", {
    version: "v1.2.2",
    publishedAt: "2026-01-03T00:00:00Z",
    files: [{ name: "libgreet-1.2.2.tar.gz", bytes: tarball("1.2.2", true) }],
  });
  await farm.api.json(WatchList, "POST", "/watches/check", { packages: ["libgreet"] });
  const bad = await thread((u) => u.version === "1.2.2" && !u.open, 100_000);
  expect(bad).toMatchObject({ state: "failed", fromVersion: "1.2.1" });
  expect(bad.note).toMatch(
    /^the candidate with libgreet 1\.2\.2 did not build \(failed: libgreet; blocked: hello, libframe, libupper\b.*; nothing was published$/,
  );
  expect(bad.events.map((e) => e.state)).not.toContain("accepted");
  expect(git(set, "rev-parse", "HEAD")).toBe(mainBefore);
  const farmBuilds = (await farm.api.json(BuildList, "GET", "/builds")).builds;
  expect(farmBuilds.filter((b) => b.package === "libgreet").map((b) => b.evr)).toContain("1.2.1-1.kiln1");
  expect(farmBuilds.filter((b) => b.evr.startsWith("1.2.2"))).toEqual([]);
  expect(installed()).toMatch(/^libgreet-1\.2\.1-1\.kiln1\.\w+$/);
}, 360_000);
