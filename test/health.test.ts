// The farm's health on a real server and agent: an agent whose work directory (a small tmpfs) is
// made nearly full is failing in GET /health and `kiln status`, takes no jobs while it is, says so
// as the reason its job waits, and builds once the space returns; /readyz and /healthz answer.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HealthView, type HealthCheckView } from "../src/api/health-schemas.js";
import { RequestView } from "../src/api/schemas.js";
import {
  api,
  enrolAgent,
  KILN_YAML,
  kiln,
  makeSet,
  noarchSpec,
  offlineServerConfig,
  readyAgent,
  startServer,
  tempDir,
} from "./kit/index.js";

const isRoot = process.getuid?.() === 0;
const mounts: string[] = [];

/** A tmpfs of `mb` MiB: a disk that fills for real and is given back by removing a file. */
function smallDisk(mb: number): string {
  const dir = tempDir("kiln-small-disk-");
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${mb}m`, "tmpfs", dir]);
  mounts.push(dir);
  return dir;
}

afterAll(() => {
  for (const m of mounts) execFileSync("umount", ["-l", m]);
});

async function check(url: string, key: string): Promise<HealthCheckView | undefined> {
  const h = await api(url, "GET", "/health", { schema: HealthView });
  return h.body.checks.find((c) => c.key === key);
}

async function until<T>(what: string, get: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
    const v = await get();
    if (v !== undefined) return v;
  }
  throw new Error(`not within ${ms / 1000} s: ${what}`);
}

// Mounting a tmpfs needs root: skipped elsewhere, but with CI=true it runs and fails saying so.
describe.skipIf(!isRoot && process.env.CI !== "true")("the farm's health", () => {
  beforeAll(() => {
    if (!isRoot) throw new Error("this test needs root (it mounts a small tmpfs as an agent's disk)");
  });

  it("an agent with a nearly full disk fails its check, takes no jobs and says why, until space returns", async () => {
    const config = offlineServerConfig();
    writeFileSync(
      config,
      `${readFileSync(config, "utf8")}health:\n  interval: 1\n  disk: {warn-mb: 150, warn-percent: 0, fail-mb: 100}\n`,
    );
    const set = makeSet({ "kiln.yaml": KILN_YAML, "packages/a/a.spec": noarchSpec("a") });
    const server = await startServer({ set, data: tempDir("kiln-health-"), extra: ["--config", config] });
    const ready = await fetch(`${server.url}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { ready: true }]);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const db = await until("the database check", () => check(server.url, "server:database"));
    expect(db).toMatchObject({ state: "ok", sentence: expect.stringMatching(/^the database answers in /) });

    const disk = smallDisk(256);
    const workdir = join(disk, "agent");
    mkdirSync(workdir);
    await readyAgent(server, "a1", { workdir });
    const ok = await until("a1's disk check", () => check(server.url, "agent:a1:disk"));
    expect(ok).toMatchObject({ subject: "agent a1", state: "ok" });
    expect(ok.sentence).toMatch(
      new RegExp(`^agent a1's work directory ${workdir} has \\d+ MiB free of 256 MiB`),
    );

    // 180 MiB of a 256 MiB disk taken: under the 100 MiB hard limit.
    const fill = join(disk, "fill");
    execFileSync("dd", ["if=/dev/zero", `of=${fill}`, "bs=1M", "count=180", "status=none"]);
    const failing = await until("a1's disk failing", async () => {
      const c = await check(server.url, "agent:a1:disk");
      return c?.state === "failing" ? c : undefined;
    });
    expect(failing.sentence).toMatch(
      new RegExp(
        `^agent a1's work directory ${workdir} has \\d+ MiB free of 256 MiB, below the hard limit of 100 MiB: it takes no jobs until space returns; free space there`,
      ),
    );
    expect(server.output()).toMatch(/health: failing: agent a1's work directory/);

    const req = await api(server.url, "POST", "/requests", {
      token: server.admin,
      body: { packages: ["a"] },
    });
    expect(req.status, JSON.stringify(req.body)).toBe(201);
    const id = (req.body as { id: number }).id;
    // It waits, saying why, while the agent asks for work every few seconds.
    await new Promise((r) => setTimeout(r, 4000));
    const waiting = await api(server.url, "GET", `/requests/${id}`, { schema: RequestView });
    expect(waiting.body.jobs.map((j) => [j.status, j.why])).toEqual([
      [
        "queued",
        expect.stringMatching(/^ready, but no matching agent takes jobs now: agent a1's work directory/),
      ],
      ["queued", "waits for build/rpm (queued)"],
    ]);
    const status = await kiln(["status", "--server", server.url]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(
      /^health: failing \(1 of \d+ checks not ok\)\n {2}failing {2}agent a1's work directory/,
    );
    expect(status.stdout).toMatch(/a +queued +ready, but no matching agent takes jobs now/);

    // Space returns: the check clears, the job is taken and builds.
    rmSync(fill);
    const done = await until(
      "request done",
      async () => {
        const r = await api(server.url, "GET", `/requests/${id}`, { schema: RequestView });
        return r.body.status !== "active" ? r.body : undefined;
      },
      120_000,
    );
    expect(done.jobs.map((j) => j.status)).toEqual(["green", "green"]);
    const cleared = await check(server.url, "agent:a1:disk");
    expect(cleared?.state).toBe("ok");
    expect(cleared!.history.map((e) => e.state)).toEqual(["ok", "failing", "ok"]);
    const after = await kiln(["status", "--server", server.url]);
    expect(after.stdout).toMatch(/^health: ok \(\d+ checks\)\n/);
  }, 240_000);
});

describe("the queue's health", () => {
  it("a job ready while an agent with a free slot never takes it is a stall, which a working agent clears", async () => {
    const config = offlineServerConfig();
    writeFileSync(config, `${readFileSync(config, "utf8")}health:\n  interval: 1\n  queue-stall: 2\n`);
    const set = makeSet({
      "kiln.yaml": KILN_YAML,
      "packages/a/a.spec": noarchSpec("a"),
    });
    const server = await startServer({
      set,
      data: tempDir("kiln-health-queue-"),
      extra: ["--config", config],
    });
    // An agent that is heard from but never asks for work: online, one slot free, nothing taken.
    const token = await enrolAgent(server, "stuck");
    const beat = setInterval(
      () => void api(server.url, "POST", "/agent/heartbeat", { token, body: { jobs: [] } }),
      500,
    );
    try {
      const req = await api(server.url, "POST", "/requests", { token: server.admin, body: {} });
      expect(req.status, JSON.stringify(req.body)).toBe(201);
      const stall = await until("a stall", async () => {
        const c = await check(server.url, "server:queue-stall");
        return c?.state === "failing" ? c : undefined;
      });
      expect(stall.sentence).toMatch(
        /^the queue is not moving: 1 job\(s\) ready for more than 2 s \(the oldest: a, job \d+, \d+ s\) while stuck \(0\/1\) could take it; look at those agents' logs/,
      );
      expect((await check(server.url, "server:queue-labels"))?.state).toBe("ok");
      const status = await kiln(["status", "--server", server.url]);
      expect(status.stdout).toMatch(/^health: failing \(1 of \d+ checks not ok\)\n/);
      expect(status.stdout).toContain("  failing  the queue is not moving");
    } finally {
      clearInterval(beat);
    }
    // A real agent takes the job: the stall clears.
    await readyAgent(server, "a1");
    const cleared = await until(
      "the stall cleared",
      async () => {
        const c = await check(server.url, "server:queue-stall");
        return c?.state === "ok" ? c : undefined;
      },
      60_000,
    );
    expect(cleared.history.map((e) => e.state).slice(0, 2)).toEqual(["ok", "failing"]);
  }, 120_000);

  it("a job whose labels no agent has is a warning that names them", async () => {
    const config = offlineServerConfig();
    writeFileSync(config, `${readFileSync(config, "utf8")}health:\n  interval: 1\n`);
    const set = makeSet({
      "kiln.yaml": `${KILN_YAML}build:\n  labels: { arch: riscv64, os: linux }\n`,
      "packages/r/r.spec": noarchSpec("r"),
    });
    const server = await startServer({
      set,
      data: tempDir("kiln-health-labels-"),
      extra: ["--config", config],
    });
    await readyAgent(server, "x86");
    expect((await api(server.url, "POST", "/requests", { token: server.admin, body: {} })).status).toBe(201);
    const labels = await until("the labels warning", async () => {
      const c = await check(server.url, "server:queue-labels");
      return c?.state === "warning" ? c : undefined;
    });
    expect(labels.sentence).toBe(
      "1 ready job(s) ask for labels no enabled agent has (r: arch=riscv64, os=linux): enrol an agent with those labels (kiln agent --label K=V) or change build.labels in kiln.yaml",
    );
    // Not a stall: no agent could take it.
    expect((await check(server.url, "server:queue-stall"))?.state).toBe("ok");
  }, 60_000);
});
