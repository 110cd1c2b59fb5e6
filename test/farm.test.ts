// The farm end to end with real processes: a server, three agents that share no disk with it,
// the bundled example set built green on SQLite and on PostgreSQL, artifacts identical to a local
// `kiln build`; the CLI against the server; why a job waits.
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { EnrolResponse, ErrorBody, LeaseResponse, RequestView, TokenResponse } from "../src/api/schemas.js";
import { openDatabase } from "../src/db/connect.js";
import { sha256 } from "../src/util/hash.js";
import {
  api,
  backends,
  BuildList,
  copyExamples,
  freshDatabaseUrl,
  kiln,
  KILN_YAML,
  makeSet,
  noarchSpec,
  type Proc,
  readyAgent,
  type RequestPackageView,
  type Server,
  startAgent,
  startServer,
  tempDir,
  waitForRequest,
} from "./kit/index.js";

/** filename → sha256 of every RPM and SRPM a data directory's database lists. */
async function checksums(dbUrl: string): Promise<Map<string, string>> {
  const { db, close } = await openDatabase(dbUrl);
  try {
    const rows = await db
      .selectFrom("artifacts")
      .select(["filename", "sha256"])
      .where("kind", "!=", "log")
      .execute();
    return new Map(rows.map((r) => [r.filename, r.sha256]));
  } finally {
    await close();
  }
}

/** Asks the server to build everything and waits (a minute at most): the packages by name. */
async function buildAll(server: Server): Promise<Record<string, RequestPackageView>> {
  const r = await api(server.url, "POST", "/requests", {
    token: server.admin,
    body: {},
    schema: RequestView,
  });
  const done = await waitForRequest(server.url, r.body.id, 60_000);
  return Object.fromEntries(done.packages.map((j) => [j.package, j]));
}

/** SIGTERM to the agents and the server; waits for the server to exit. */
async function stop(server: Server, ...agents: Proc[]): Promise<void> {
  for (const a of agents) a.child.kill("SIGTERM");
  server.child.kill("SIGTERM");
  await server.exited;
}

let local: Map<string, string>;
beforeAll(async () => {
  const set = copyExamples();
  const r = await kiln(["build", "--set", set, "--jobs", "2"]);
  expect(r.code, r.stderr).toBe(0);
  local = await checksums(`sqlite:${join(set, ".kiln", "kiln.db")}`);
  expect(local.size).toBe(19);
}, 120_000);

describe.each(backends)("a farm on %s", (backend) => {
  it("a server and three agents build the example set green, byte for byte as a local build", async () => {
    const db = await freshDatabaseUrl(backend);
    const set = copyExamples();
    const data = tempDir("kiln-farm-data-");
    const server = await startServer({ set, data, db: db.url, leaseTimeout: 20 });
    const agents = [1, 2, 3].map((n) =>
      startAgent({
        url: server.url,
        token: server.enrol,
        workdir: tempDir("kiln-agent-"),
        name: `agent-${n}`,
      }),
    );
    await Promise.all(agents.map((a) => a.waitFor(/ready: 1 slot/)));

    const out = await kiln(["build", "--server", server.url, "--token", server.admin]);
    expect(out.code, out.stdout + out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^request \d+: 7 package\(s\), 14 job\(s\)/m);
    expect(out.stdout).toContain("built 7, up to date 0, cut off 0, failed 0, blocked 0");
    // Progress is polled: a short build may show only its end.
    expect(out.stderr).toMatch(/^kiln: start \S+ \(build \d+ on agent-\d\): never built$/m);
    for (const p of ["greet-data", "libgreet", "hello"])
      expect(out.stderr).toMatch(new RegExp(`^kiln: built ${p} \\(build \\d+\\) in [\\d.]+ s$`, "m"));

    // Every agent got work (seven builds, three agents, two independent chains at the bottom).
    const { body } = await api(server.url, "GET", "/builds?limit=100", { schema: BuildList });
    expect(body.builds).toHaveLength(7);
    expect(body.builds.every((b) => b.status === "green")).toBe(true);
    expect(
      new Set(body.builds.map((b) => b.agent)).size,
      agents.map((a) => a.output()).join("\n"),
    ).toBeGreaterThan(1);

    // What the farm stored is exactly what a local build makes.
    const farm = await checksums(db.url);
    expect(farm).toEqual(local);
    for (const [, sum] of farm) {
      const path = join(data, "artifacts", "sha256", sum.slice(0, 2), sum);
      expect(sha256(readFileSync(path))).toBe(sum);
    }
    // The repository is published, and downloads carry their checksum.
    expect(existsSync(join(data, "repos", "testing", "repodata", "repomd.xml"))).toBe(true);
    const hello = body.builds.find((b) => b.package === "hello")!;
    const rpm = hello.artifacts.find((a) => a.kind === "rpm")!;
    const res = await fetch(`${server.url}${rpm.url}`);
    expect(res.headers.get("x-kiln-sha256")).toBe(rpm.sha256);
    expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(rpm.sha256);
    expect(hello.steps.map((s) => s.name)).toEqual([
      "sources",
      "build-dependencies",
      "rpmbuild",
      "check",
      "upload",
    ]);

    // A second submission finds everything up to date, and builds nothing.
    const again = await kiln(["build", "--server", server.url, "--token", server.admin]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("built 0, up to date 7, cut off 0, failed 0, blocked 0");

    // The log, whole and followed, is the agent's log.
    const logs = await kiln(["logs", "--server", server.url, String(hello.id)]);
    expect(logs.stdout).toMatch(/kiln: build succeeded/);
    const followed = await kiln(["logs", "--server", server.url, "--follow", String(hello.id)]);
    expect(followed.stdout).toBe(logs.stdout);
    expect(followed.code).toBe(0);

    const status = await kiln(["status", "--server", server.url]);
    expect(status.stdout).toMatch(/agent-1\s+idle\s+0\/1 slots/);

    for (const a of agents) a.child.kill("SIGTERM");
    await Promise.all(agents.map((a) => a.exited));
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    await db.drop();
  }, 180_000);
});

describe("a farm's queue", () => {
  it("says why a job waits: a dependency, a label no agent has, busy agents", async () => {
    const set = makeSet({
      "kiln.yaml": `${KILN_YAML}build:\n  labels: { arch: riscv64, os: linux }\n`,
      "packages/base/base.spec": noarchSpec("base"),
      "packages/top/top.spec": noarchSpec("top", { buildRequires: ["base"] }),
    });
    const data = tempDir("kiln-farm-data-");
    const server = await startServer({ set, data });
    const agent = await readyAgent(server, "x86");
    const r = await api(server.url, "POST", "/requests", {
      token: server.admin,
      body: {},
      schema: RequestView,
    });
    expect(r.status).toBe(201);
    const why = Object.fromEntries(
      r.body.jobs.filter((j) => j.runsOn === "agent").map((j) => [j.package, j.why]),
    );
    expect(why.base).toBe("ready, but no online agent has label arch=riscv64");
    expect(why.top).toBe("waits for base (queued)");
    const status = await kiln(["status", "--server", server.url]);
    expect(status.stdout).toMatch(/base\s+queued\s+ready, but no online agent has label arch=riscv64/);

    // An agent with the label takes it; with its one slot busy the next job says so.
    const riscv = startAgent({
      url: server.url,
      token: server.enrol,
      workdir: tempDir("kiln-agent-"),
      name: "riscv",
      labels: ["arch=riscv64"],
    });
    const done = await waitForRequest(server.url, r.body.id);
    expect(done.packages.map((j) => j.status)).toEqual(["green", "green"]);
    const onAgents = done.jobs.filter((j) => j.runsOn === "agent");
    expect(onAgents.every((j) => j.agent === "riscv")).toBe(true);
    await stop(server, riscv, agent);
  }, 120_000);
});

/**
 * `app` (needing lib as `app` says) and `lib`, whose %build runs `lead` then fails, built on a
 * server with one agent of `slots` slots: the data directory and the packages by name.
 */
async function failingLib(
  app: Parameters<typeof noarchSpec>[1],
  lead: string,
  slots: number,
): Promise<{ data: string; byName: Awaited<ReturnType<typeof buildAll>> }> {
  const set = makeSet({
    "kiln.yaml": KILN_YAML,
    "packages/app/app.spec": noarchSpec("app", app),
    "packages/lib/lib.spec": noarchSpec("lib").replace("%install\n", `%build\n${lead}exit 1\n\n%install\n`),
  });
  const data = tempDir("kiln-farm-data-");
  const server = await startServer({ set, data });
  const agent = await readyAgent(server, `slots-${slots}`, { slots });
  const byName = await buildAll(server);
  await stop(server, agent);
  return { data, byName };
}

describe("publishing in a farm", () => {
  it("a green build waiting for its Requires is refused once what provides them fails, and its request ends", async () => {
    // app needs lib at run time only: it builds at once, and waits for lib to be published with it.
    const { data, byName } = await failingLib({ requires: ["lib"] }, "sleep 2; ", 2);
    expect(byName.lib?.status).toBe("failed");
    expect(byName.app?.status).toBe("failed");
    expect(byName.app?.error).toBe(
      "not published: nothing in main provides lib (add it to the set, or to host.provides in kiln.yaml)",
    );
    expect(existsSync(join(data, "repos", "main", "repodata"))).toBe(false);
  }, 90_000);
});

describe("a failed build in a farm", () => {
  it("blocks what needs the package, saying which package failed", async () => {
    const { byName } = await failingLib({ buildRequires: ["lib"] }, "", 1);
    expect(byName.lib?.status).toBe("failed");
    expect(byName.app?.status).toBe("blocked");
    expect(byName.app?.error).toBe("needs lib, which cannot build");
  }, 90_000);
});

describe("the farm's security", () => {
  it("refuses anonymous and under-privileged writes, bad uploads, and keeps tokens private", async () => {
    const set = makeSet({ "kiln.yaml": KILN_YAML, "packages/one/one.spec": noarchSpec("one") });
    const data = tempDir("kiln-farm-data-");
    const server = await startServer({ set, data });
    expect(statSync(join(data, "admin.token")).mode & 0o777).toBe(0o600);
    expect(statSync(join(data, "enrol.token")).mode & 0o777).toBe(0o600);
    expect(server.output()).toMatch(/admin API token written to .*admin\.token \(mode 0600\)/);

    const anon = await api(server.url, "POST", "/requests", { body: {}, schema: ErrorBody });
    expect(anon.status).toBe(401);
    expect(anon.body.error).toMatch(/needs an API token/);
    const bogus = await api(server.url, "POST", "/requests", { token: "kiln_api_nope", body: {} });
    expect(bogus.status).toBe(401);

    const viewer = await api(server.url, "POST", "/tokens", {
      token: server.admin,
      body: { name: "watcher", role: "viewer" },
      schema: TokenResponse,
    });
    expect(viewer.status).toBe(201);
    const denied = await api(server.url, "POST", "/requests", {
      token: viewer.body.token,
      body: {},
      schema: ErrorBody,
    });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toBe('this needs the maintainer role; the token "watcher" has viewer');
    const notAdmin = await api(server.url, "POST", "/tokens", {
      token: viewer.body.token,
      body: { name: "x", role: "admin" },
    });
    expect(notAdmin.status).toBe(403);
    // Tokens are stored hashed: neither appears in the database.
    const { db, close } = await openDatabase(`sqlite:${join(data, "kiln.db")}`);
    const hashes = (await db.selectFrom("tokens").select("token_hash").execute()).map((t) => t.token_hash);
    await close();
    expect(hashes).toHaveLength(3);
    expect(hashes).not.toContain(server.admin);
    expect(hashes).not.toContain(viewer.body.token);

    // Validation: what was wrong, and where.
    const bad = await api(server.url, "POST", "/requests", {
      token: server.admin,
      body: { packages: ["../x"] },
      schema: ErrorBody,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/packages\.0: not a package name/);
    const unknown = await api(server.url, "POST", "/requests", {
      token: server.admin,
      body: { packages: ["nope"] },
      schema: ErrorBody,
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe("no package named nope in the set");
    const big = await api(server.url, "POST", "/requests", {
      token: server.admin,
      raw: JSON.stringify({ packages: ["x".repeat(2 * 1024 * 1024)] }),
      headers: { "content-type": "application/json" },
    });
    expect(big.status).toBe(413);

    // An agent credential: enrolment needs the enrolment token, not a user's.
    const noEnrol = await api(server.url, "POST", "/agents", {
      token: viewer.body.token,
      body: { name: "a", labels: {}, slots: 1 },
    });
    expect(noEnrol.status).toBe(403);
    const enrolled = await api(server.url, "POST", "/agents", {
      token: server.enrol,
      body: { name: "a", labels: { arch: "x86_64", os: "linux" }, slots: 1 },
      schema: EnrolResponse,
    });
    expect(enrolled.status).toBe(201);
    const agentToken = enrolled.body.token;
    const asUser = await api(server.url, "POST", "/requests", { token: agentToken, body: {} });
    expect(asUser.status).toBe(403);

    // Lease a job by hand, then try uploads the server must refuse.
    const req = await api(server.url, "POST", "/requests", { token: server.admin, body: {} });
    expect(req.status).toBe(201);
    const lease = await api(server.url, "POST", "/agent/lease", {
      token: agentToken,
      body: { free: 1 },
      schema: LeaseResponse,
    });
    expect(lease.body.jobs).toHaveLength(1);
    const job = lease.body.jobs[0]!;
    const put = (name: string, body: Buffer, sum: string, leaseToken = job.leaseToken) =>
      fetch(`${server.url}/api/v1/agent/jobs/${job.job}/artifacts/${name}`, {
        method: "PUT",
        headers: {
          authorization: `Bearer ${agentToken}`,
          "content-type": "application/octet-stream",
          "x-kiln-lease": leaseToken,
          "x-kiln-sha256": sum,
        },
        body,
      });
    const bytes = Buffer.from("not really an rpm");
    const traversal = await put("..%2F..%2Fetc%2Fpasswd.rpm", bytes, sha256(bytes));
    expect(traversal.status).toBe(400);
    expect(((await traversal.json()) as { error: string }).error).toMatch(/not an artifact file name/);
    const wrong = await put("one-1.0-1.noarch.rpm", bytes, sha256(Buffer.from("other")));
    expect(wrong.status).toBe(422);
    expect(((await wrong.json()) as { error: string }).error).toMatch(/sha256 is [0-9a-f]{64}, expected/);
    expect(existsSync(join(data, "artifacts", "sha256", sha256(bytes).slice(0, 2), sha256(bytes)))).toBe(
      false,
    );
    const stale = await put("one-1.0-1.noarch.rpm", bytes, sha256(bytes), "not-the-lease");
    expect(stale.status).toBe(409);
    const ok = await put("one-1.0-1.noarch.rpm", bytes, sha256(bytes));
    expect(ok.status).toBe(201);
    // The files endpoint hands out only the spec's own files.
    const file = await fetch(`${server.url}/api/v1/agent/jobs/${job.job}/files/kiln.yaml`, {
      headers: { authorization: `Bearer ${agentToken}`, "x-kiln-lease": job.leaseToken },
    });
    expect(file.status).toBe(404);

    // A report of success whose RPM is not an RPM fails the build; a repeated report is harmless.
    const result = {
      leaseToken: job.leaseToken,
      ok: false,
      error: "it broke",
      durationMs: 5,
      artifacts: [],
    };
    const first = await api(server.url, "POST", `/agent/jobs/${job.job}/result`, {
      token: agentToken,
      body: result,
    });
    expect(first.body).toEqual({ status: "failed", duplicate: false });
    const second = await api(server.url, "POST", `/agent/jobs/${job.job}/result`, {
      token: agentToken,
      body: result,
    });
    expect(second.body).toEqual({ status: "failed", duplicate: true });

    const openapi = await fetch(`${server.url}/api/openapi.json`);
    const spec = (await openapi.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(["/api/v1/requests", "/api/v1/builds/{id}", "/api/v1/agent/lease"]),
    );
    await stop(server);
  }, 60_000);
});
