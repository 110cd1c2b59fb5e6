// Change-driven rebuilds on a farm: the package set is a git repository; a commit (seen by polling
// or announced by a webhook) rebuilds the packages it changed and, by their rebuild modes, what may
// rebuild below them; early cutoff stops the wave; every build says why it started.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freshDatabaseUrl } from "./helpers/databases.js";
import { api, startAgent, startServer, waitForRequest, type Server } from "./helpers/farm.js";
import { chainSet, kiln, tempDir } from "./helpers/kiln.js";

/** The chain set (a → b → c, a → d) as a git repository with one commit. */
function gitSet(): string {
  const set = chainSet({ ".gitignore": ".kiln/\n" });
  git(set, "init", "-q", "-b", "main");
  commit(set, "the first packages");
  return set;
}

function git(dir: string, ...args: string[]): string {
  return execFileSync("git", ["-C", dir, ...args], {
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "Maintainer",
      GIT_AUTHOR_EMAIL: "m@example.org",
      GIT_COMMITTER_NAME: "Maintainer",
      GIT_COMMITTER_EMAIL: "m@example.org",
    },
  })
    .toString()
    .trim();
}

function commit(dir: string, message: string): string {
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", message);
  return git(dir, "rev-parse", "HEAD");
}

function edit(set: string, path: string, f: (text: string) => string): void {
  const file = join(set, path);
  writeFileSync(file, f(readFileSync(file, "utf8")));
}

const statuses = (r: { packages: { package: string; status: string }[] }): Record<string, string> =>
  Object.fromEntries(r.packages.map((j) => [j.package, j.status]));

async function hook(server: Server): Promise<{ commit: string; request: number | null; changed: string[] }> {
  // As GitLab sends it: the secret in X-Gitlab-Token, a JSON body the server does not need.
  const r = await api(server.url, "POST", "/hooks/git", {
    headers: { "x-gitlab-token": server.hookSecret },
    body: { object_kind: "push" },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

describe("rebuilds set off by commits", () => {
  it("a webhook per push: a comment cuts off at once, new content flows down and cuts off below, a bad kiln.yaml keeps the last valid one", async () => {
    const set = gitSet();
    const data = tempDir("kiln-farm-data-");
    const server = await startServer({ set, data, extra: ["--poll", "0"] });
    const agent = startAgent({
      url: server.url,
      token: server.enrol,
      workdir: tempDir("kiln-agent-"),
      name: "builder",
      slots: 2,
    });
    await agent.waitFor(/ready/);
    const first = await api(server.url, "POST", "/requests", { token: server.admin, body: {} });
    expect(statuses(await waitForRequest(server.url, first.body.id))).toEqual({
      a: "green",
      b: "green",
      c: "green",
      d: "green",
    });
    // The first look only records where the repository is.
    const seen = await hook(server);
    expect(seen).toMatchObject({ request: null, changed: [] });

    // 1. A comment in a's spec: a rebuilds to the same output; nothing below it builds.
    edit(set, "packages/a/a.spec", (s) => `${s}# a comment\n`);
    const c1 = commit(set, "Comment a");
    const h1 = await hook(server);
    expect(h1).toMatchObject({ commit: c1, changed: ["a"] });
    const r1 = await waitForRequest(server.url, h1.request!);
    expect(statuses(r1)).toEqual({ a: "cut-off", b: "up-to-date", c: "up-to-date", d: "up-to-date" });
    expect(r1.cause).toEqual({
      kind: "commit",
      commit: c1,
      previous: seen.commit,
      changed: ["a"],
      subject: "Comment a",
    });

    // Nothing new: the same commit sets nothing off twice.
    expect(await hook(server)).toMatchObject({ commit: c1, request: null });

    // 2. New content in a: a and b publish new output; c and d rebuild and cut off.
    edit(set, "packages/a/a.spec", (s) => s.replace("a-content-1", "a-content-2"));
    const c2 = commit(set, "New content for a");
    const h2 = await hook(server);
    const r2 = await waitForRequest(server.url, h2.request!);
    expect(statuses(r2)).toEqual({ a: "green", b: "green", c: "cut-off", d: "cut-off" });
    const cBuild = r2.packages.find((j: { package: string }) => j.package === "c").build as number;
    // c's build says why it started, back to the commit.
    const why = await kiln(["why", "--server", server.url, String(cBuild)]);
    expect(why.code, why.stderr).toBe(0);
    const bBuild = r2.packages.find((j: { package: string }) => j.package === "b").build as number;
    const aBuild = r2.packages.find((j: { package: string }) => j.package === "a").build as number;
    expect(why.stdout).toContain(`build ${cBuild}: c 1.0-1.kiln, cut off (same output as build `);
    expect(why.stdout).toContain(`  after new output of: b (build ${bBuild})`);
    expect(why.stdout).toContain(`  after new output of: a (build ${aBuild})`);
    expect(why.stdout).toContain(
      `  set off by: commit ${c2.slice(0, 12)} "New content for a", which changed a (request ${h2.request})`,
    );

    // 3. A broken kiln.yaml with a Release bump of a: the error is logged with its line, the farm
    //    goes on with the last valid configuration, and the bump builds.
    edit(set, "kiln.yaml", (s) => `${s}rebuld: none\n`);
    edit(set, "packages/a/a.spec", (s) => s.replace(/^Release: *1/m, "Release: 2"));
    commit(set, "Bump a, and a typo");
    const h3 = await hook(server);
    await server.waitFor(
      /kiln\.yaml is not valid, the last valid configuration stays in use: .*kiln\.yaml:\d+:1: unknown key "rebuld"/,
    );
    const r3 = await waitForRequest(server.url, h3.request!);
    expect(statuses(r3)).toEqual({ a: "green", b: "cut-off", c: "up-to-date", d: "cut-off" });

    // 4. Fan-in: one commit changes a and b (both outputs change): b builds once, after a, and c
    //    once, after b; never once per upstream.
    edit(set, "packages/a/a.spec", (s) => s.replace("a-content-2", "a-content-3"));
    edit(set, "packages/b/b.spec", (s) =>
      s.replace("%files", "echo b2 > %{buildroot}%{_datadir}/b/b2.txt\n\n%files"),
    );
    commit(set, "Change a and b together");
    const h4 = await hook(server);
    expect(h4.changed).toEqual(["a", "b"]);
    const r4 = await waitForRequest(server.url, h4.request!);
    expect(statuses(r4)).toEqual({ a: "green", b: "green", c: "cut-off", d: "cut-off" });
    const builds = (await api(server.url, "GET", "/builds?limit=100")).body.builds as {
      package: string;
      trigger: { request: number } | null;
    }[];
    const perPackage = (p: string): number =>
      builds.filter((x) => x.package === p && x.trigger?.request === h4.request).length;
    expect(["a", "b", "c", "d"].map(perPackage)).toEqual([1, 1, 1, 1]);

    agent.child.kill("SIGTERM");
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
  }, 180_000);

  it("polling finds a commit by itself; a package with rebuild mode none sets nothing off below it", async () => {
    const set = gitSet();
    writeFileSync(join(set, "packages", "a", "kiln.yaml"), "rebuild: none\n");
    commit(set, "a rebuilds nothing below it");
    const data = tempDir("kiln-farm-data-");
    const server = await startServer({ set, data, extra: ["--poll", "0.5", "--build"] });
    await server.waitFor(/watching .* from commit/);
    const agent = startAgent({
      url: server.url,
      token: server.enrol,
      workdir: tempDir("kiln-agent-"),
      name: "poller",
    });
    await server.waitFor(/request 1 done: built 4/);
    edit(set, "packages/a/a.spec", (s) => s.replace("a-content-1", "a-content-2"));
    commit(set, "New content for a");
    const m = await server.waitFor(/changed a: request (\d+)/);
    const r = await waitForRequest(server.url, Number(m[1]));
    // Mode none: a alone, though b would have had new output.
    expect(statuses(r)).toEqual({ a: "green" });
    agent.child.kill("SIGTERM");
    server.child.kill("SIGTERM");
    await server.exited;
  }, 120_000);

  it("early cutoff off: a commit to a rebuilds by a's mode, direct (b and d) then transitive (b, c and d)", async () => {
    const set = gitSet();
    edit(set, "kiln.yaml", (s) => `${s}early-cutoff: false\n`);
    writeFileSync(join(set, "packages", "a", "kiln.yaml"), "rebuild: direct\n");
    commit(set, "Every build publishes; a rebuilds only what build-requires it");
    const data = tempDir("kiln-farm-data-");
    const server = await startServer({ set, data, extra: ["--poll", "0", "--build"] });
    const agent = startAgent({
      url: server.url,
      token: server.enrol,
      workdir: tempDir("kiln-agent-"),
      name: "builder",
      slots: 2,
    });
    await server.waitFor(/request 1 done: built 4/);
    expect(await hook(server)).toMatchObject({ request: null, changed: [] });

    // direct: a comment (the same output, published all the same as cutoff is off) rebuilds what
    // build-requires a, and nothing below that.
    edit(set, "packages/a/a.spec", (s) => `${s}# a comment\n`);
    commit(set, "Comment a");
    const direct = await hook(server);
    expect(direct.changed).toEqual(["a"]);
    expect(statuses(await waitForRequest(server.url, direct.request!))).toEqual({
      a: "green",
      b: "green",
      d: "green",
    });
    await server.waitFor(/a \(build \d+\): same output as build \d+, published as early-cutoff is false/);

    // transitive: the same kind of change goes all the way down, each package once, in order.
    // With a spec change too: a new kiln.yaml alone changes none of a's inputs.
    writeFileSync(join(set, "packages", "a", "kiln.yaml"), "rebuild: transitive\n");
    edit(set, "packages/a/a.spec", (s) => `${s}# another comment\n`);
    commit(set, "a rebuilds everything below it");
    const transitive = await hook(server);
    expect(transitive.changed).toEqual(["a"]);
    const r = await waitForRequest(server.url, transitive.request!);
    expect(statuses(r)).toEqual({ a: "green", b: "green", c: "green", d: "green" });
    const build = (p: string): number => r.packages.find((x: { package: string }) => x.package === p)!.build!;
    expect(new Set(r.packages.map((x: { build: number }) => x.build)).size).toBe(4);
    expect(build("c")).toBeGreaterThan(build("b"));
    expect(build("b")).toBeGreaterThan(build("a"));
    agent.child.kill("SIGTERM");
    server.child.kill("SIGTERM");
    await server.exited;
  }, 180_000);

  it("two servers on one PostgreSQL database, both told of the same push: one request", async () => {
    const db = await freshDatabaseUrl("postgres");
    const set = gitSet();
    const a = await startServer({
      set,
      data: tempDir("kiln-farm-data-"),
      db: db.url,
      extra: ["--poll", "0"],
    });
    const b = await startServer({
      set,
      data: tempDir("kiln-farm-data-"),
      db: db.url,
      extra: ["--poll", "0"],
    });
    b.admin = a.admin; // the tokens are in the shared database; the first server wrote them out
    await hook(a);
    edit(set, "packages/d/d.spec", (s) => `${s}# touched\n`);
    commit(set, "Touch d");
    const [x, y] = await Promise.all([hook(a), hook(b)]);
    const requests = [x.request, y.request].filter((r) => r !== null);
    expect(requests).toHaveLength(1);
    for (const s of [a, b]) s.child.kill("SIGTERM");
    await Promise.all([a.exited, b.exited]);
    await db.drop();
  }, 60_000);
});
