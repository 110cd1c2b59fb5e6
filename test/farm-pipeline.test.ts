// Pipelines on a farm only: the jobs of a stage on any agents, artifacts handed from one stage to
// the next through the server, a stage that waits until a maintainer approves it (who may, and
// what kiln status says meanwhile), each job's own log. What a pipeline does in every way is in
// test/ways/pipeline.test.ts.
import { describe, expect, it } from "vitest";
import { kiln, makeSet, noarchSpec, PIPELINE_ARTIFACTS, PIPELINE_YAML, startFarm } from "./kit/index.js";

describe("a pipeline on a farm", () => {
  it("runs test jobs side by side on two agents, passes artifacts on, and publishes once approved", async () => {
    // Each test job takes a second: with one slot each, the two agents take one each.
    const yaml = PIPELINE_YAML.replace("- run: ls $KILN_RPMS", "- run: sleep 1; ls $KILN_RPMS").replace(
      "- run: for r in",
      "- run: sleep 1; for r in",
    );
    const set = makeSet({ "kiln.yaml": yaml, "packages/one/one.spec": noarchSpec("one") });
    const farm = await startFarm({ set, agents: [{ name: "left" }, { name: "right" }] });
    const req = await farm.api.submit();
    expect(req.jobs.map((j) => `${j.stage}/${j.name}`)).toEqual([
      "build/rpm",
      "test/list",
      "test/unpack",
      "report/summary",
      "release/publish",
    ]);

    // Everything before the release stage runs; then the publish job waits for approval.
    const { jobs } = await farm.api.waitForRequest(req.id, {
      ms: 60_000,
      everyMs: 200,
      until: (r) => {
        if (r.jobs.some((j) => j.status === "failed")) throw new Error(JSON.stringify(r.jobs, null, 1));
        return r.jobs.filter((j) => j.runsOn === "agent").every((j) => j.status === "green");
      },
    });
    const tests = jobs.filter((j) => j.stage === "test");
    expect(new Set(tests.map((j) => j.agent))).toEqual(new Set(["left", "right"]));
    const publish = jobs.find((j) => j.name === "publish")!;
    expect(publish.status).toBe("queued");
    expect(publish.why).toBe(`waits for approval of stage release (kiln approve ${publish.id})`);
    const status = await kiln(["status", "--server", farm.url, "--request", String(req.id)]);
    expect(status.stdout).toContain(
      `waits for approval of stage release (kiln approve ${publish.id})  [job ${publish.id}: release/publish]`,
    );

    // The report job got the list job's rpms.txt from the server, wherever each ran.
    const build = Number(/builds\/(\d+)\/log/.exec(jobs[0]!.log!)![1]);
    const b = await farm.api.build(build);
    const summary = b.artifacts.find((a) => a.filename === "summary.txt")!;
    const text = await (await fetch(`${farm.url}${summary.url}`)).text();
    expect(text).toBe("one-1.0-1.kiln.noarch.rpm\nhello-from-env\n");
    expect(b.artifacts.map((a) => a.filename).sort()).toEqual(PIPELINE_ARTIFACTS);
    const list = jobs.find((j) => j.name === "list")!;
    const listLog = await kiln(["logs", "--server", farm.url, "--job", String(list.id)]);
    expect(listLog.stdout).toMatch(/kiln: job list succeeded/);

    // Approving needs a maintainer: a viewer is refused.
    const viewer = await farm.api.newToken("watcher", "viewer");
    const approve = (token: string): Promise<{ code: number | null; stdout: string; stderr: string }> =>
      kiln(["approve", "--server", farm.url, "--token", token, String(publish.id)]);
    const refused = await approve(viewer.token);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('this needs the maintainer role; the token "watcher" has viewer');
    const ok = await approve(farm.adminToken);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`approved by admin: job(s) ${publish.id}`);
    const again = await approve(farm.adminToken);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(
      /stage release of one was approved by admin already|is green: there is nothing to approve/,
    );

    const done = await farm.api.waitForRequest(req.id);
    expect(done.packages).toEqual([{ package: "one", status: "green", build, error: null }]);
    expect(done.jobs.find((j) => j.name === "publish")?.approvedBy).toBe("admin");
    await farm.stop();
  }, 120_000);
});
