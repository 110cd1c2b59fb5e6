// Hostile corpus: a package's run that never ends (an agent that leased its build and went
// silent, or lies) must not wedge the package. A rebuild of it says why it would wait; with
// replace, the stuck run is cancelled — its server-held publication included — and a new one runs.
import { describe, expect, it } from "vitest";
import { HeartbeatResponse, LeaseResponse, RequestView } from "../../src/api/schemas.js";
import { api, enrolAgent, KILN_YAML, makeSet, noarchSpec, startServer, tempDir } from "../kit/index.js";

describe("hostile: a stuck run", () => {
  it("a rebuild of a package whose run is stuck is refused naming it, and with replace cancels it and builds again", async () => {
    const set = makeSet({ "kiln.yaml": KILN_YAML, "packages/one/one.spec": noarchSpec("one") });
    const server = await startServer({ set, data: tempDir("kiln-hostile-wedge-"), localAgents: 0 });
    const agent = await enrolAgent(server, "silent");
    const first = await api(server.url, "POST", "/requests", {
      token: server.admin,
      body: { packages: ["one"] },
      schema: RequestView,
    });
    expect(first.status).toBe(201);
    const lease = await api(server.url, "POST", "/agent/lease", {
      token: agent,
      body: { free: 1, waitMs: 5000 },
      schema: LeaseResponse,
    });
    expect(lease.body.jobs).toHaveLength(1);
    const stuck = lease.body.jobs[0]!;
    // The agent heartbeats but never reports: the run is under way for ever.

    const refused = await api(server.url, "POST", "/rebuilds", {
      token: server.admin,
      body: { packages: ["one"] },
    });
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({
      error: `one (request ${first.body.id}) is still being built: a rebuild would wait for nothing; pass replace: true (kiln rebuild --replace) to cancel that run and build again`,
      code: "RUN_UNDER_WAY",
    });

    const replaced = await api(server.url, "POST", "/rebuilds", {
      token: server.admin,
      body: { packages: ["one"], replace: true },
      schema: RequestView,
    });
    expect(replaced.status).toBe(201);
    expect(replaced.body.jobs.length).toBeGreaterThan(0);
    await server.waitFor(
      new RegExp(`audit: admin cancelled the run of one in request ${first.body.id}, to rebuild it`),
    );
    // The silent agent is told to stop the old job; the old request ends; the new run is leased.
    const beat = await api(server.url, "POST", "/agent/heartbeat", {
      token: agent,
      body: { jobs: [{ job: stuck.job, leaseToken: stuck.leaseToken }] },
      schema: HeartbeatResponse,
    });
    expect(beat.body.cancel).toEqual([stuck.job]);
    const next = await api(server.url, "POST", "/agent/lease", {
      token: agent,
      body: { free: 1, waitMs: 5000 },
      schema: LeaseResponse,
    });
    expect(next.body.jobs).toHaveLength(1);
    expect(next.body.jobs[0]?.job).not.toBe(stuck.job);
    const cancelledReport = await api(server.url, "POST", `/agent/jobs/${stuck.job}/result`, {
      token: agent,
      body: {
        leaseToken: stuck.leaseToken,
        ok: false,
        cancelled: true,
        error: "cancelled",
        durationMs: 1,
        artifacts: [],
      },
    });
    expect(cancelledReport.status).toBe(200);
    const firstNow = async (): Promise<string> =>
      (await api(server.url, "GET", `/requests/${first.body.id}`, { schema: RequestView })).body.status;
    for (let t0 = Date.now(); Date.now() - t0 < 30_000;) {
      if ((await firstNow()) !== "active") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await firstNow()).not.toBe("active");
    server.child.kill("SIGTERM");
  });
});
