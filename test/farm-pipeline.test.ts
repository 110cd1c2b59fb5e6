// Pipelines on a farm: the jobs of a stage on any agents, artifacts handed from one stage to the
// next through the server, a stage that waits until a maintainer approves it, each job's own log.
import { describe, expect, it } from "vitest";
import { api, startAgent, startServer, waitForRequest } from "./helpers/farm.js";
import { kiln, makeSet, noarchSpec, PIPELINE_YAML, tempDir } from "./helpers/kiln.js";

interface Job {
  id: number;
  package: string;
  stage: string;
  name: string;
  status: string;
  why: string;
  agent: string | null;
  runsOn: string;
  log: string | null;
}

describe("a pipeline on a farm", () => {
  it("runs test jobs side by side on two agents, passes artifacts on, and publishes once approved", async () => {
    // Each test job takes a second: with one slot each, the two agents take one each.
    const yaml = PIPELINE_YAML.replace("- run: ls $KILN_RPMS", "- run: sleep 1; ls $KILN_RPMS").replace(
      "- run: for r in",
      "- run: sleep 1; for r in",
    );
    const set = makeSet({ "kiln.yaml": yaml, "packages/one/one.spec": noarchSpec("one") });
    const data = tempDir("kiln-farm-data-");
    const server = await startServer({ set, data });
    const agents = ["left", "right"].map((name) =>
      startAgent({ url: server.url, token: server.enrol, workdir: tempDir("kiln-agent-"), name }),
    );
    await Promise.all(agents.map((a) => a.waitFor(/ready/)));
    const req = await api(server.url, "POST", "/requests", { token: server.admin, body: {} });
    expect(req.status).toBe(201);
    expect(req.body.jobs.map((j: Job) => `${j.stage}/${j.name}`)).toEqual([
      "build/rpm",
      "test/list",
      "test/unpack",
      "report/summary",
      "release/publish",
    ]);

    // Everything before the release stage runs; then the publish job waits for approval.
    let jobs: Job[];
    const t0 = Date.now();
    for (;;) {
      jobs = (await api(server.url, "GET", `/requests/${req.body.id}`)).body.jobs;
      if (jobs.filter((j) => j.runsOn === "agent").every((j) => j.status === "green")) break;
      if (jobs.some((j) => j.status === "failed")) throw new Error(JSON.stringify(jobs, null, 1));
      if (Date.now() - t0 > 60_000) throw new Error(`not done: ${JSON.stringify(jobs, null, 1)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const tests = jobs.filter((j) => j.stage === "test");
    expect(new Set(tests.map((j) => j.agent))).toEqual(new Set(["left", "right"]));
    const publish = jobs.find((j) => j.name === "publish")!;
    expect(publish.status).toBe("queued");
    expect(publish.why).toBe(`waits for approval of stage release (kiln approve ${publish.id})`);
    const status = await kiln(["status", "--server", server.url, "--request", String(req.body.id)]);
    expect(status.stdout).toContain(
      `waits for approval of stage release (kiln approve ${publish.id})  [job ${publish.id}: release/publish]`,
    );

    // The report job got the list job's rpms.txt from the server, wherever each ran.
    const build = jobs[0]!.log!.match(/builds\/(\d+)\/log/)![1];
    const b = (await api(server.url, "GET", `/builds/${build}`)).body;
    const summary = b.artifacts.find((a: { filename: string }) => a.filename === "summary.txt");
    const text = await (await fetch(`${server.url}${summary.url}`)).text();
    expect(text).toBe("one-1.0-1.kiln.noarch.rpm\nhello-from-env\n");
    expect(b.artifacts.map((a: { filename: string }) => a.filename).sort()).toEqual([
      "build.log",
      "one-1.0-1.kiln.noarch.rpm",
      "one-1.0-1.kiln.src.rpm",
      "report-summary.log",
      "rpms.txt",
      "summary.txt",
      "test-list.log",
      "test-unpack.log",
    ]);
    const list = jobs.find((j) => j.name === "list")!;
    const listLog = await kiln(["logs", "--server", server.url, "--job", String(list.id)]);
    expect(listLog.stdout).toMatch(/kiln: job list succeeded/);

    // Approving needs a maintainer: a viewer is refused.
    const viewer = await api(server.url, "POST", "/tokens", {
      token: server.admin,
      body: { name: "watcher", role: "viewer" },
    });
    const refused = await kiln([
      "approve",
      "--server",
      server.url,
      "--token",
      viewer.body.token,
      String(publish.id),
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('this needs the maintainer role; the token "watcher" has viewer');
    const ok = await kiln(["approve", "--server", server.url, "--token", server.admin, String(publish.id)]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`approved by admin: job(s) ${publish.id}`);
    const again = await kiln([
      "approve",
      "--server",
      server.url,
      "--token",
      server.admin,
      String(publish.id),
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(
      /stage release of one was approved by admin already|is green: there is nothing to approve/,
    );

    const done = await waitForRequest(server.url, req.body.id);
    expect(done.packages).toEqual([{ package: "one", status: "green", build: Number(build), error: null }]);
    const final = done.jobs.find((j: Job) => j.name === "publish");
    expect(final.approvedBy).toBe("admin");

    for (const a of agents) a.child.kill("SIGTERM");
    server.child.kill("SIGTERM");
    await server.exited;
  }, 120_000);
});
