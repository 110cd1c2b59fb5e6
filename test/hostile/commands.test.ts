// Hostile corpus: shell commands on agents (POST /commands). A maintainer's command runs in the
// sandbox; only an admin may ask for none, the server's log records it, and only an agent whose
// own policy is --sandbox off takes such a job — while it waits, it says why.
import { describe, expect, it } from "vitest";
import { JobView, LeaseResponse, RequestView, TokenResponse } from "../../src/api/schemas.js";
import { probeSandbox } from "../../src/sandbox/bubblewrap.js";
import {
  api,
  enrolAgent,
  KILN_YAML,
  makeSet,
  noarchSpec,
  startAgent,
  startServer,
  tempDir,
} from "../kit/index.js";

async function waitForJob(url: string, id: number, until: (job: JobView) => boolean): Promise<JobView> {
  for (let t0 = Date.now(); Date.now() - t0 < 60_000;) {
    const r = await api(url, "GET", `/jobs/${id}`, { schema: JobView });
    if (until(r.body)) return r.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${id} never reached the state waited for`);
}

describe("hostile: commands on agents", () => {
  it("a maintainer cannot run a command unsandboxed; an admin's waits for an agent that allows it, saying so", async () => {
    expect((await probeSandbox()).available).toBe(true);
    const set = makeSet({ "kiln.yaml": KILN_YAML, "packages/one/one.spec": noarchSpec("one") });
    const data = tempDir("kiln-hostile-cmd-");
    const server = await startServer({ set, data, localAgents: 0 });
    const strict = startAgent({
      url: server.url,
      token: server.enrol,
      workdir: tempDir("kiln-agent-"),
      name: "strict",
    });
    await strict.waitFor(/sandbox policy required/);
    const maint = await api(server.url, "POST", "/tokens", {
      token: server.admin,
      body: { name: "maint", role: "maintainer" },
      schema: TokenResponse,
    });
    expect(maint.status).toBe(201);

    const before = (await api(server.url, "GET", "/requests")).body;
    const refused = await api(server.url, "POST", "/commands", {
      token: maint.body.token,
      body: { command: "cat /etc/shadow", unsandboxed: true },
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      code: "FORBIDDEN",
      error: "only an admin token may run a command without the sandbox (unsandboxed: true)",
    });
    expect((await api(server.url, "GET", "/requests")).body).toEqual(before);

    const asked = await api(server.url, "POST", "/commands", {
      token: server.admin,
      body: { command: "id -u", unsandboxed: true },
      schema: RequestView,
    });
    expect(asked.status).toBe(201);
    expect(asked.body.cause).toEqual({ kind: "command", command: "id -u", unsandboxed: true });
    await server.waitFor(
      /audit: admin queued 1 command job\(s\) WITHOUT the sandbox \(request \d+\): "id -u"/,
    );
    const jobId = asked.body.jobs[0]!.id;
    const waiting = await waitForJob(server.url, jobId, (j) => j.why.includes("without the sandbox"));
    expect(waiting.status).toBe("queued");
    expect(waiting.why).toBe(
      "ready, but it runs without the sandbox and no online agent takes that (only agents started with --sandbox off do)",
    );
    // The strict agent keeps polling and never takes it.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await api(server.url, "GET", `/jobs/${jobId}`, { schema: JobView })).body.status).toBe("queued");
    expect(strict.output()).not.toMatch(new RegExp(`job ${jobId}:`));

    // An agent whose operator chose --sandbox off takes it.
    const loose = startAgent({
      url: server.url,
      token: server.enrol,
      workdir: tempDir("kiln-agent-"),
      name: "loose",
      extra: ["--sandbox", "off"],
    });
    const done = await waitForJob(server.url, jobId, (j) => j.status === "green" || j.status === "failed");
    expect(done.status).toBe("green");
    await loose.waitFor(new RegExp(`job ${jobId}: \\(command\\) green`));
    expect((await api(server.url, "GET", `/jobs/${jobId}`, { schema: JobView })).body.agent).toBe("loose");
    // Its log says, first, that it ran without the sandbox, and why; then what it printed.
    const log = await fetch(`${server.url}/api/v1/jobs/${jobId}/log`).then((r) => r.text());
    expect(log).toBe(
      'kiln: sh -c "id -u", WITHOUT the sandbox (no sandbox: the sandbox is off by policy)\n0\nkiln: the command succeeded\n',
    );
    // A disabled agent is told so, says it once, and does not enrol again under a new name.
    expect(
      (await api(server.url, "POST", "/agents/strict/disable", { token: server.admin, body: {} })).status,
    ).toBe(200);
    await strict.waitFor(
      /the agent "strict" is disabled \(by admin at [^)]+\): an admin enables it with kiln agents enable strict; asking again every 30 s/,
    );
    expect(strict.output()).not.toMatch(/enrolling again/);
    for (const p of [strict, loose, server]) p.child.kill("SIGTERM");
  });

  it("an agent disabled while its lease request waits is given nothing more", async () => {
    const set = makeSet({ "kiln.yaml": KILN_YAML, "packages/one/one.spec": noarchSpec("one") });
    const server = await startServer({ set, data: tempDir("kiln-hostile-cmd-"), localAgents: 0 });
    const credential = await enrolAgent(server, "rogue");
    // The long poll starts while nothing is queued, then the agent is disabled, then work comes.
    const poll = api(server.url, "POST", "/agent/lease", {
      token: credential,
      body: { free: 1, waitMs: 4000 },
      schema: LeaseResponse,
    });
    await new Promise((r) => setTimeout(r, 300));
    const off = await api(server.url, "POST", "/agents/rogue/disable", { token: server.admin, body: {} });
    expect(off.status).toBe(200);
    const req = await api(server.url, "POST", "/commands", {
      token: server.admin,
      body: { command: "true" },
      schema: RequestView,
    });
    expect(req.status).toBe(201);
    const leased = await poll;
    expect(leased.status).toBe(200);
    expect(leased.body.jobs).toEqual([]);
    const job = await api(server.url, "GET", `/jobs/${req.body.jobs[0]!.id}`, { schema: JobView });
    expect(job.body.status).toBe("queued");
    server.child.kill("SIGTERM");
  });
});
