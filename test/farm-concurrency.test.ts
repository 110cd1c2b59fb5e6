// Leasing under concurrency: two `kiln serve` processes on one PostgreSQL database (as behind a
// load balancer) and many agents racing for the same jobs: every job is leased exactly once.
import { describe, expect, it } from "vitest";
import { LeaseResponse, RequestView } from "../src/api/schemas.js";
import {
  api,
  enrolAgent,
  freshDatabaseUrl,
  KILN_YAML,
  makeSet,
  noarchSpec,
  startServer,
  tempDir,
  waitForRequest,
} from "./kit/index.js";

/** An agent that takes jobs and reports them done without running anything. */
async function drain(url: string, token: string, leased: number[]): Promise<void> {
  for (;;) {
    const r = await api(url, "POST", "/agent/lease", { token, body: { free: 2 }, schema: LeaseResponse });
    expect(r.status).toBe(200);
    if (r.body.jobs.length === 0) return;
    for (const j of r.body.jobs) {
      leased.push(j.job);
      const res = await api(url, "POST", `/agent/jobs/${j.job}/result`, {
        token,
        body: { leaseToken: j.leaseToken, ok: true, durationMs: 1, artifacts: [] },
      });
      expect(res.body).toEqual({ status: "green", duplicate: false });
    }
  }
}

describe("leasing under concurrency", () => {
  it("two servers on one PostgreSQL database, 16 agents racing: each of 400 jobs leased exactly once", async () => {
    const db = await freshDatabaseUrl("postgres");
    const set = makeSet({ "kiln.yaml": KILN_YAML, "packages/one/one.spec": noarchSpec("one") });
    const data = tempDir("kiln-farm-data-");
    const a = await startServer({ set, data, db: db.url });
    const b = await startServer({ set, data: tempDir("kiln-farm-data-"), db: db.url });
    const req = await api(a.url, "POST", "/commands", {
      token: a.admin,
      body: { command: "true", count: 400 },
      schema: RequestView,
    });
    expect(req.status).toBe(201);
    const leased: number[] = [];
    const agents = await Promise.all(
      Array.from({ length: 16 }, async (_, i) => ({
        url: (i % 2 ? b : a).url,
        token: await enrolAgent(a, `sim-${i}`),
      })),
    );
    await Promise.all(agents.map((ag) => drain(ag.url, ag.token, leased)));
    expect(leased).toHaveLength(400);
    expect(new Set(leased).size).toBe(400);
    const done = await waitForRequest(b.url, req.body.id);
    expect(done.status).toBe("done");
    expect(done.jobs.every((j) => j.status === "green" && j.attempts === 1)).toBe(true);
    for (const s of [a, b]) s.child.kill("SIGTERM");
    await Promise.all([a.exited, b.exited]);
    await db.drop();
  }, 120_000);
});
