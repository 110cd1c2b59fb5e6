// Change-driven rebuilds on a farm only: the package set is a git repository; a commit (seen by
// polling or announced by a webhook) rebuilds the packages it changed and, by their rebuild modes,
// what may rebuild below them; early cutoff stops the wave; every build says why it started
// (kiln why). What a build does in every way (cutoff, fan-in, rebuilds) is in test/ways/.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  buildOf,
  commit,
  edit,
  editFile,
  freshDatabaseUrl,
  gitSet,
  kiln,
  startFarm,
  statuses,
  tempDir,
} from "./kit/index.js";

describe("rebuilds set off by commits", () => {
  it("a webhook per push: a comment cuts off at once, new content flows down and cuts off below, a bad kiln.yaml keeps the last valid one", async () => {
    const set = gitSet();
    const farm = await startFarm({ set, agents: [{ name: "builder", slots: 2 }] });
    const first = await farm.api.submit();
    expect(statuses(await farm.api.waitForRequest(first.id))).toEqual({
      a: "green",
      b: "green",
      c: "green",
      d: "green",
    });
    // The first look only records where the repository is.
    const seen = await farm.api.hook(farm.hookSecret);
    expect(seen).toMatchObject({ request: null, changed: [] });

    // 1. A comment in a's spec: a rebuilds to the same output; nothing below it builds.
    edit(set, "a", (s) => `${s}# a comment\n`);
    const c1 = commit(set, "Comment a");
    const h1 = await farm.api.hook(farm.hookSecret);
    expect(h1).toMatchObject({ commit: c1, changed: ["a"] });
    const r1 = await farm.api.waitForRequest(h1.request!);
    expect(statuses(r1)).toEqual({ a: "cut-off", b: "up-to-date", c: "up-to-date", d: "up-to-date" });
    expect(r1.cause).toEqual({
      kind: "commit",
      commit: c1,
      previous: seen.commit,
      changed: ["a"],
      subject: "Comment a",
    });

    // Nothing new: the same commit sets nothing off twice.
    expect(await farm.api.hook(farm.hookSecret)).toMatchObject({ commit: c1, request: null });

    // 2. New content in a: a and b publish new output; c and d rebuild and cut off.
    edit(set, "a", (s) => s.replace("a-content-1", "a-content-2"));
    const c2 = commit(set, "New content for a");
    const h2 = await farm.api.hook(farm.hookSecret);
    const r2 = await farm.api.waitForRequest(h2.request!);
    expect(statuses(r2)).toEqual({ a: "green", b: "green", c: "cut-off", d: "cut-off" });
    // c's build says why it started, back to the commit.
    const cBuild = buildOf(r2, "c");
    const why = await kiln(["why", "--server", farm.url, String(cBuild)]);
    expect(why.code, why.stderr).toBe(0);
    expect(why.stdout).toContain(`build ${cBuild}: c 1.0-1.kiln, cut off (same output as build `);
    expect(why.stdout).toContain(`  after new output of: b (build ${buildOf(r2, "b")})`);
    expect(why.stdout).toContain(`  after new output of: a (build ${buildOf(r2, "a")})`);
    expect(why.stdout).toContain(
      `  set off by: commit ${c2.slice(0, 12)} "New content for a", which changed a (request ${h2.request})`,
    );

    // 3. A broken kiln.yaml with a Release bump of a: the error is logged with its line, the farm
    //    goes on with the last valid configuration, and the bump builds.
    editFile(set, "kiln.yaml", (s) => `${s}rebuld: none\n`);
    edit(set, "a", (s) => s.replace(/^Release: *1/m, "Release: 2"));
    commit(set, "Bump a, and a typo");
    const h3 = await farm.api.hook(farm.hookSecret);
    await farm.server.waitFor(
      /kiln\.yaml is not valid, the last valid configuration stays in use: .*kiln\.yaml:\d+:1: unknown key "rebuld"/,
    );
    const r3 = await farm.api.waitForRequest(h3.request!);
    expect(statuses(r3)).toEqual({ a: "green", b: "cut-off", c: "up-to-date", d: "cut-off" });

    // 4. Fan-in from one commit: it changed a and b (both outputs change); each builds once in
    //    the request it set off.
    edit(set, "a", (s) => s.replace("a-content-2", "a-content-3"));
    edit(set, "b", (s) => s.replace("%files", "echo b2 > %{buildroot}%{_datadir}/b/b2.txt\n\n%files"));
    commit(set, "Change a and b together");
    const h4 = await farm.api.hook(farm.hookSecret);
    expect(h4.changed).toEqual(["a", "b"]);
    const r4 = await farm.api.waitForRequest(h4.request!);
    expect(statuses(r4)).toEqual({ a: "green", b: "green", c: "cut-off", d: "cut-off" });
    const builds = await farm.api.builds(100);
    const perPackage = (p: string): number =>
      builds.filter((x) => x.package === p && x.trigger?.request === h4.request).length;
    expect(["a", "b", "c", "d"].map(perPackage)).toEqual([1, 1, 1, 1]);

    expect(await farm.stop()).toBe(0);
  }, 180_000);

  it("polling finds a commit by itself; a package with rebuild mode none sets nothing off below it", async () => {
    const set = gitSet();
    writeFileSync(join(set, "packages", "a", "kiln.yaml"), "rebuild: none\n");
    commit(set, "a rebuilds nothing below it");
    const farm = await startFarm({ set, poll: 0.5, build: true, agents: [{ name: "poller" }] });
    await farm.server.waitFor(/watching .* from commit/);
    await farm.server.waitFor(/request 1 done: built 4/);
    edit(set, "a", (s) => s.replace("a-content-1", "a-content-2"));
    commit(set, "New content for a");
    const m = await farm.server.waitFor(/changed a: request (\d+)/);
    const r = await farm.api.waitForRequest(Number(m[1]));
    // Mode none: a alone, though b would have had new output.
    expect(statuses(r)).toEqual({ a: "green" });
    await farm.stop();
  }, 120_000);

  it("early cutoff off: a commit to a rebuilds by a's mode, direct (b and d) then transitive (b, c and d)", async () => {
    const set = gitSet();
    editFile(set, "kiln.yaml", (s) => `${s}early-cutoff: false\n`);
    writeFileSync(join(set, "packages", "a", "kiln.yaml"), "rebuild: direct\n");
    commit(set, "Every build publishes; a rebuilds only what build-requires it");
    const farm = await startFarm({ set, build: true, agents: [{ name: "builder", slots: 2 }] });
    await farm.server.waitFor(/request 1 done: built 4/);
    expect(await farm.api.hook(farm.hookSecret)).toMatchObject({ request: null, changed: [] });

    // direct: a comment (the same output, published all the same as cutoff is off) rebuilds what
    // build-requires a, and nothing below that.
    edit(set, "a", (s) => `${s}# a comment\n`);
    commit(set, "Comment a");
    const direct = await farm.api.hook(farm.hookSecret);
    expect(direct.changed).toEqual(["a"]);
    expect(statuses(await farm.api.waitForRequest(direct.request!))).toEqual({
      a: "green",
      b: "green",
      d: "green",
    });
    await farm.server.waitFor(
      /a \(build \d+\): same output as build \d+, published as early-cutoff is false/,
    );

    // transitive: the same kind of change goes all the way down, each package once, in order.
    // With a spec change too: a new kiln.yaml alone changes none of a's inputs.
    writeFileSync(join(set, "packages", "a", "kiln.yaml"), "rebuild: transitive\n");
    edit(set, "a", (s) => `${s}# another comment\n`);
    commit(set, "a rebuilds everything below it");
    const transitive = await farm.api.hook(farm.hookSecret);
    expect(transitive.changed).toEqual(["a"]);
    const r = await farm.api.waitForRequest(transitive.request!);
    expect(statuses(r)).toEqual({ a: "green", b: "green", c: "green", d: "green" });
    expect(new Set(r.packages.map((x) => x.build)).size).toBe(4);
    expect(buildOf(r, "c")).toBeGreaterThan(buildOf(r, "b"));
    expect(buildOf(r, "b")).toBeGreaterThan(buildOf(r, "a"));
    await farm.stop();
  }, 180_000);

  it("two servers on one PostgreSQL database, both told of the same push: one request", async () => {
    const db = await freshDatabaseUrl("postgres");
    const set = gitSet();
    // Each server its own data directory; the tokens are in the shared database. Started one
    // after the other: the first makes the database (two first starts at once were seen to hang
    // under load; not what this test is about).
    const a = await startFarm({ set, data: tempDir("kiln-farm-data-"), db: db.url, agents: 0 });
    const b = await startFarm({ set, data: tempDir("kiln-farm-data-"), db: db.url, agents: 0 });
    await a.api.hook(a.hookSecret);
    edit(set, "d", (s) => `${s}# touched\n`);
    commit(set, "Touch d");
    const [x, y] = await Promise.all([a.api.hook(a.hookSecret), b.api.hook(b.hookSecret)]);
    const requests = [x.request, y.request].filter((r) => r !== null);
    expect(requests).toHaveLength(1);
    await Promise.all([a.stop(), b.stop()]);
    await db.drop();
  }, 60_000);
});
