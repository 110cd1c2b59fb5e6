// Faults with real processes: an agent killed mid-build, a server killed mid-build, an upload
// damaged on the way. Each time the work finishes, once, with every artifact intact.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ErrorBody, RequestView } from "../src/api/schemas.js";
import { openDatabase } from "../src/db/connect.js";
import { sha256 } from "../src/util/hash.js";
import {
  api,
  backends,
  bodyOf,
  BuildList,
  freshDatabaseUrl,
  KILN_YAML,
  makeSet,
  noarchSpec,
  readyAgent,
  slowSet,
  startAgent,
  startProxy,
  startServer,
  tempDir,
  waitForRequest,
} from "./kit/index.js";

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Every artifact row's file is in the store with its sha256; returns builds per package by status. */
async function checkStore(dbUrl: string, data: string): Promise<Record<string, string[]>> {
  const { db, close } = await openDatabase(dbUrl);
  try {
    for (const a of await db.selectFrom("artifacts").selectAll().execute()) {
      const path = join(data, "artifacts", "sha256", a.sha256.slice(0, 2), a.sha256);
      expect(sha256(readFileSync(path)), a.filename).toBe(a.sha256);
    }
    const builds = await db.selectFrom("builds").select(["package", "status"]).orderBy("id").execute();
    const out: Record<string, string[]> = {};
    for (const b of builds) (out[b.package] ??= []).push(b.status);
    return out;
  } finally {
    await close();
  }
}

describe("farm faults", () => {
  it("an agent killed mid-build loses its lease; the job is requeued and finished by another; a late result is refused", async () => {
    const set = slowSet("slow-build-running", 4);
    const data = tempDir("kiln-farm-data-");
    const server = await startServer({ set, data, leaseTimeout: 2 });
    const aDir = tempDir("kiln-agent-");
    const a = startAgent({ url: server.url, token: server.enrol, workdir: aDir, name: "doomed" });
    await a.waitFor(/ready/);
    const req = await api(server.url, "POST", "/requests", {
      token: server.admin,
      body: {},
      schema: RequestView,
    });
    await a.waitFor(/building slow/);
    await new Promise((r) => setTimeout(r, 800)); // rpmbuild is running
    const { db, close } = await openDatabase(`sqlite:${join(data, "kiln.db")}`);
    const lost = await db
      .selectFrom("jobs")
      .selectAll()
      .where("package", "=", "slow")
      .executeTakeFirstOrThrow();
    await close();
    expect(lost.status).toBe("leased");
    await a.kill9();

    const b = startAgent({
      url: server.url,
      token: server.enrol,
      workdir: tempDir("kiln-agent-"),
      name: "rescuer",
    });
    await server.waitFor(
      /job \d+ \(slow\): agent doomed stopped responding \(no heartbeat for 2 s\); requeued/,
    );
    const done = await waitForRequest(server.url, req.body.id);
    expect(done.packages.map((j) => `${j.package}:${j.status}`).sort()).toEqual([
      "first:green",
      "last:green",
      "slow:green",
    ]);
    const slow = done.jobs.find((j) => j.package === "slow" && j.runsOn === "agent");
    expect(slow?.attempts).toBe(2);
    expect(slow?.agent).toBe("rescuer");

    // The dead agent's build is recorded as lost, not as a failure of the package.
    const builds = await api(server.url, "GET", "/builds?package=slow", { schema: BuildList });
    expect(builds.body.builds.map((x) => x.status)).toEqual(["green", "cancelled"]);
    expect(builds.body.builds[1]?.error).toMatch(/^lost: agent doomed stopped responding/);

    // Its result, arriving late under the old lease, changes nothing.
    const cred = JSON.parse(readFileSync(join(aDir, "agent.json"), "utf8")) as { token: string };
    const late = await api(server.url, "POST", `/agent/jobs/${lost.id}/result`, {
      token: cred.token,
      body: { leaseToken: lost.lease_token, ok: true, durationMs: 1, artifacts: [] },
      schema: ErrorBody,
    });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe("LEASE_LOST");
    expect(await checkStore(`sqlite:${join(data, "kiln.db")}`, data)).toEqual({
      first: ["green"],
      slow: ["cancelled", "green"],
      last: ["green"],
    });
    b.child.kill("SIGTERM");
    server.child.kill("SIGTERM");
    await server.exited;
  }, 120_000);

  it.each(backends)(
    "a server killed mid-build (%s) restarts; the agent reconnects and finishes; nothing built twice, nothing lost",
    async (backend) => {
      const db = await freshDatabaseUrl(backend);
      const set = slowSet("slow-build-running", 3);
      const data = tempDir("kiln-farm-data-");
      const port = await freePort();
      const first = await startServer({ set, data, db: db.url, port, leaseTimeout: 10 });
      const agent = await readyAgent(first, "steady");
      const req = await api(first.url, "POST", "/requests", {
        token: first.admin,
        body: {},
        schema: RequestView,
      });
      await agent.waitFor(/building slow/);
      // Killed while rpmbuild runs (its log, streamed to the server, says so).
      const t0 = Date.now();
      for (;;) {
        const b = await api(first.url, "GET", "/builds?package=slow", { schema: BuildList });
        const id = b.body.builds[0]?.id;
        const log = id ? await fetch(`${first.url}/api/v1/builds/${id}/log`).then((r) => r.text()) : "";
        if (log.includes("slow-build-running")) break;
        if (Date.now() - t0 > 30_000) throw new Error(`rpmbuild of slow did not start: ${log}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await first.kill9();
      // The agent keeps building while the server is away.
      await new Promise((r) => setTimeout(r, 1500));
      const second = await startServer({ set, data, db: db.url, port, leaseTimeout: 10 });
      expect(second.output()).toMatch(/1 job\(s\) leased before the restart: waiting for their agents/);
      const done = await waitForRequest(second.url, req.body.id);
      expect(
        done.packages.map((j) => j.status),
        `${JSON.stringify(done.jobs, null, 1)}\nagent:\n${agent.output()}\nserver:\n${second.output()}`,
      ).toEqual(["green", "green", "green"]);
      expect(done.jobs.every((j: { attempts: number }) => j.attempts <= 1)).toBe(true);
      expect(
        done.jobs
          .filter((j: { runsOn: string }) => j.runsOn === "agent")
          .every((j: { attempts: number }) => j.attempts === 1),
      ).toBe(true);
      expect(agent.output()).toMatch(/job \d+: slow green/);
      expect(await checkStore(db.url, data)).toEqual({ first: ["green"], slow: ["green"], last: ["green"] });
      agent.child.kill("SIGTERM");
      second.child.kill("SIGTERM");
      await second.exited;
      await db.drop();
    },
    120_000,
  );

  it("an upload damaged on the way is refused, sent again, and only the right bytes are stored", async () => {
    const set = makeSet({ "kiln.yaml": KILN_YAML, "packages/one/one.spec": noarchSpec("one") });
    const data = tempDir("kiln-farm-data-");
    const server = await startServer({ set, data });
    // A proxy that flips one byte of the first artifact upload it carries.
    let damaged = 0;
    const proxy = await startProxy(server.url, {
      onRequest: (req, body) => {
        if (req.method === "PUT" && req.url?.includes("/artifacts/") && damaged === 0 && body.length > 0) {
          damaged++;
          body[Math.floor(body.length / 2)]! ^= 0xff;
        }
      },
    });
    const agent = await readyAgent({ url: proxy.url, enrol: server.enrol }, "through-proxy");
    const req = await api(server.url, "POST", "/requests", {
      token: server.admin,
      body: {},
      schema: RequestView,
    });
    const done = await waitForRequest(server.url, req.body.id);
    expect(done.packages[0]?.status).toBe("green");
    expect(damaged).toBe(1);
    expect(agent.output()).toMatch(
      /upload of \S+ refused \(.*sha256 is [0-9a-f]{64}, expected [0-9a-f]{64}.*\); sending it again/,
    );
    expect(await checkStore(`sqlite:${join(data, "kiln.db")}`, data)).toEqual({ one: ["green"] });
    agent.child.kill("SIGTERM");
    await proxy.close();
    server.child.kill("SIGTERM");
    await server.exited;
  }, 60_000);

  it("a download cut off half-way (the server going away) is started again, and the build goes on", async () => {
    const set = makeSet({
      "kiln.yaml": KILN_YAML,
      "packages/first/first.spec": noarchSpec("first"),
      "packages/second/second.spec": noarchSpec("second", { buildRequires: ["first"] }),
    });
    const data = tempDir("kiln-farm-data-");
    const server = await startServer({ set, data });
    // A proxy that sends half of the first build-root RPM it carries to the agent, then hangs up.
    let cut = 0;
    const proxy = await startProxy(server.url, {
      onAnswer: (req, up, res) => {
        if (!(req.method === "GET" && req.url?.includes("/artifacts/") && cut === 0)) return false;
        cut++;
        void bodyOf(up).then((body) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
        });
        return true;
      },
    });
    const agent = await readyAgent({ url: proxy.url, enrol: server.enrol }, "flaky-line");
    const req = await api(server.url, "POST", "/requests", {
      token: server.admin,
      body: {},
      schema: RequestView,
    });
    const done = await waitForRequest(server.url, req.body.id, 30_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\nagent:\n${agent.output()}`);
    });
    expect(
      done.packages.map((j) => j.status),
      agent.output(),
    ).toEqual(["green", "green"]);
    expect(cut).toBe(1);
    expect(agent.output()).toMatch(/the answer to first-1\.0-1\.kiln\.noarch\.rpm was cut off .*; retrying/);
    agent.child.kill("SIGTERM");
    await proxy.close();
    server.child.kill("SIGTERM");
    await server.exited;
  }, 60_000);
});
