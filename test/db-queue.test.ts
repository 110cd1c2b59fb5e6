// The queue's queries on both back ends: requests and their jobs, what a package's run shares (its
// build), leases the server holds, the uploads of a lease, and the build rows the coordinator
// changes. Each test makes its own request in one database per back end.
import { describe, expect, it } from "vitest";
import {
  buildRpms,
  deleteBuild,
  finishBuild,
  finishRunningBuild,
  getBuild,
  interruptOrphanBuilds,
  latestGreenBuild,
  plainArtifact,
  replaceJobArtifacts,
  stageInputs,
} from "../src/db/builds.js";
import type { Db } from "../src/db/connect.js";
import {
  approveStage,
  attachBuild,
  cancelStates,
  claimJob,
  detachBuild,
  finishJob,
  getJob,
  greenUpstream,
  readyJobs,
  requestCancel,
  runJobs,
  setJobSteps,
  settleDependents,
} from "../src/db/jobs.js";
import { holdLease, renewServerLeases } from "../src/db/leases.js";
import {
  closeRequestIfDone,
  getRequest,
  insertRequest,
  markRequestCancelled,
  openJobIds,
} from "../src/db/requests.js";
import { agentName, createAgent, deleteAgent } from "../src/db/tokens.js";
import { recordUpload, uploadCount, uploadsOf } from "../src/db/uploads.js";
import { backends, databaseForSuite, testBuild, testJob } from "./kit/index.js";

const job = testJob;

describe.each(backends)("the queue's queries on %s", (kind) => {
  let d: Db;
  databaseForSuite(kind, (opened) => (d = opened));

  const newBuild = (pkg: string): Promise<number> => testBuild(d, pkg);

  /** A request: a → b (b's first stage needs a's publish job), b with two stages. */
  const request = async (
    tag: string,
  ): Promise<{ id: number; jobs: Map<string, number>; a: string; b: string }> => {
    const a = `a${tag}`;
    const b = `b${tag}`;
    const r = await insertRequest(d.db, {
      targets: [b],
      forced: [b],
      createdBy: "test",
      upToDate: [],
      cause: { kind: "submit" },
      jobs: [
        job(`${a}/0`, { package: a, runsOn: "server", stage: 0 }),
        job(`${b}/0`, { package: b, needs: [`${a}/0`], stage: 0 }),
        job(`${b}/1`, { package: b, needs: [`${b}/0`], stage: 1, approval: "manual" }),
        job(`${b}/2`, { package: b, needs: [`${b}/1`], stage: 2, runsOn: "server" }),
      ],
    });
    return { ...r, a, b };
  };

  it("reads a request, its open jobs newest first, and keeps it cancelled when it closes", async () => {
    const r = await request("1");
    const row = await getRequest(d.db, r.id);
    expect(row).toMatchObject({ id: r.id, status: "active", created_by: "test", finished_at: null });
    expect(JSON.parse(row!.forced)).toEqual([r.b]);
    expect(await getRequest(d.db, r.id + 1000)).toBeUndefined();
    const ids = [...r.jobs.values()];
    expect(await openJobIds(d.db, r.id)).toEqual([...ids].sort((x, y) => y - x));
    await finishJob(d.db, ids[0]!, "green", null);
    expect(await openJobIds(d.db, r.id)).not.toContain(ids[0]);
    await markRequestCancelled(d.db, r.id);
    expect(await closeRequestIfDone(d.db, r.id)).toBe(false);
    for (const id of ids) await finishJob(d.db, id, "cancelled", "cancelled");
    expect(await openJobIds(d.db, r.id)).toEqual([]);
    expect(await closeRequestIfDone(d.db, r.id)).toBe(true);
    expect(await closeRequestIfDone(d.db, r.id)).toBe(false);
    expect(await getRequest(d.db, r.id)).toMatchObject({ status: "cancelled" });
  });

  it("gives a package's run one build: the first attach wins, a detach frees it", async () => {
    const r = await request("2");
    const run = { requestId: r.id, package: r.b };
    const first = await newBuild(r.b);
    const second = await newBuild(r.b);
    expect(await attachBuild(d.db, run, first, "first")).toBe(true);
    expect(await attachBuild(d.db, run, second, "second")).toBe(false);
    const jobs = await runJobs(d.db, r.id, r.b);
    expect(jobs.map((j) => [j.build_id, j.reason])).toEqual([
      [first, "first"],
      [first, "first"],
      [first, "first"],
    ]);
    // The other package's run is not touched.
    expect((await runJobs(d.db, r.id, r.a)).map((j) => j.build_id)).toEqual([null]);
    await deleteBuild(d.db, second);
    expect(await getBuild(d.db, second)).toBeUndefined();
    await detachBuild(d.db, run);
    expect((await runJobs(d.db, r.id, r.b)).map((j) => j.build_id)).toEqual([null, null, null]);
    expect(await attachBuild(d.db, run, await newBuild(r.b), "again")).toBe(true);
  });

  it("names the upstream builds that published before a job: green ones with a build only", async () => {
    const r = await request("3");
    const aJob = r.jobs.get(`${r.a}/0`)!;
    const bJob = r.jobs.get(`${r.b}/0`)!;
    expect(await greenUpstream(d.db, bJob)).toEqual([]);
    const built = await newBuild(r.a);
    await attachBuild(d.db, { requestId: r.id, package: r.a }, built, "test");
    await finishJob(d.db, aJob, "up-to-date", null);
    expect(await greenUpstream(d.db, bJob)).toEqual([]);
    await d.db.updateTable("jobs").set({ status: "green" }).where("id", "=", aJob).execute();
    expect(await greenUpstream(d.db, bJob)).toEqual([{ package: r.a, build: built }]);
  });

  it("asks for cancellation and says which jobs were cancelled or asked to be", async () => {
    const r = await request("4");
    const [x, y, z] = [...r.jobs.values()];
    await requestCancel(d.db, []);
    await requestCancel(d.db, [x!, y!]);
    await finishJob(d.db, z!, "cancelled", "cancelled");
    const states = new Map((await cancelStates(d.db, [x!, y!, z!])).map((s) => [s.id, s]));
    expect(states.get(x!)).toMatchObject({ cancel_requested: 1, status: "queued" });
    expect(states.get(y!)).toMatchObject({ cancel_requested: 1 });
    expect(states.get(z!)).toMatchObject({ cancel_requested: 0, status: "cancelled" });
    expect(await cancelStates(d.db, [])).toEqual([]);
  });

  it("approves one stage of one run, which makes it ready once what it needs is done", async () => {
    const r = await request("5");
    const stage1 = r.jobs.get(`${r.b}/1`)!;
    await finishJob(d.db, r.jobs.get(`${r.a}/0`)!, "green", null);
    await finishJob(d.db, r.jobs.get(`${r.b}/0`)!, "green", null);
    const ready = async (): Promise<number[]> => (await readyJobs(d.db, 1000)).map((j) => j.id);
    expect(await ready()).not.toContain(stage1);
    await approveStage(d.db, { requestId: r.id, package: r.b, stage: 1 }, "alice");
    const approved = await getJob(d.db, stage1);
    expect(approved).toMatchObject({ approved_by: "alice" });
    expect(approved!.approved_at).not.toBeNull();
    expect(await ready()).toContain(stage1);
    // A second approval changes nothing.
    await approveStage(d.db, { requestId: r.id, package: r.b, stage: 1 }, "bob");
    expect(await getJob(d.db, stage1)).toMatchObject({ approved_by: "alice" });
    expect((await getJob(d.db, r.jobs.get(`${r.b}/2`)!))!.approved_by).toBeNull();
    await setJobSteps(d.db, stage1, JSON.stringify([{ name: "check", status: "ok", ms: 1 }]));
    expect(JSON.parse((await getJob(d.db, stage1))!.steps!)).toEqual([
      { name: "check", status: "ok", ms: 1 },
    ]);
  });

  it("blocks what depends on a job, transitively, and only what is still queued", async () => {
    const r = await request("6");
    const b0 = r.jobs.get(`${r.b}/0`)!;
    await finishJob(d.db, r.jobs.get(`${r.b}/2`)!, "cancelled", "cancelled");
    expect(await settleDependents(d.db, r.jobs.get(`${r.a}/0`)!, "blocked", `${r.a} failed`)).toEqual([
      r.b,
      r.b,
    ]);
    expect((await getJob(d.db, b0))!).toMatchObject({ status: "blocked", error: `${r.a} failed` });
    expect((await getJob(d.db, r.jobs.get(`${r.b}/2`)!))!).toMatchObject({ status: "cancelled" });
  });

  it("renews the server's own leases and holds a lease while its result is decided", async () => {
    const r = await request("7");
    const publish = r.jobs.get(`${r.a}/0`)!;
    const queued = r.jobs.get(`${r.b}/0`)!;
    const claimed = (await claimJob(d.db, publish, null, 1000))!;
    const before = Date.parse(claimed.lease_expires_at!);
    await renewServerLeases(d.db, [], 60_000);
    await renewServerLeases(d.db, [publish, queued], 60_000);
    const renewed = (await getJob(d.db, publish))!;
    expect(Date.parse(renewed.lease_expires_at!)).toBeGreaterThan(before + 30_000);
    expect((await getJob(d.db, queued))!.lease_expires_at).toBeNull();
    await holdLease(d.db, publish, "not-the-token");
    expect((await getJob(d.db, publish))!.lease_expires_at).not.toBeNull();
    await holdLease(d.db, publish, claimed.lease_token!);
    expect((await getJob(d.db, publish))!).toMatchObject({ status: "leased", lease_expires_at: null });
  });

  it("records uploads under a lease: a repeated name replaces the first, other leases apart", async () => {
    const r = await request("8");
    const id = r.jobs.get(`${r.b}/0`)!;
    const up = (token: string, filename: string, sha256: string): Promise<void> =>
      recordUpload(d.db, { jobId: id, leaseToken: token, filename, sha256, size: 3 });
    await up("t1", "x.rpm", "aa");
    await up("t1", "y.rpm", "bb");
    await up("t1", "x.rpm", "cc");
    await up("t2", "x.rpm", "dd");
    expect(await uploadCount(d.db, id, "t1")).toBe(2);
    expect(await uploadCount(d.db, id, "t3")).toBe(0);
    expect(await uploadsOf(d.db, id, "t1")).toEqual(
      new Map([
        ["x.rpm", "cc"],
        ["y.rpm", "bb"],
      ]),
    );
    expect(await uploadsOf(d.db, id, "t2")).toEqual(new Map([["x.rpm", "dd"]]));
  });

  it("names an agent, and says nothing once it is gone", async () => {
    const a = await createAgent(d.db, { name: `agent-${kind}`, labels: {}, slots: 1 });
    expect(await agentName(d.db, a.id)).toBe(`agent-${kind}`);
    await deleteAgent(d.db, a.id);
    expect(await agentName(d.db, a.id)).toBeUndefined();
  });

  it("interrupts running builds no job will come back to; the first ending of a build wins", async () => {
    const r = await request("9");
    const orphan = await newBuild("orphan");
    const held = await newBuild(r.b);
    await attachBuild(d.db, { requestId: r.id, package: r.b }, held, "test");
    expect(await interruptOrphanBuilds(d.db)).toBeGreaterThanOrEqual(1);
    expect(await getBuild(d.db, orphan)).toMatchObject({
      status: "cancelled",
      error: "interrupted: the server stopped",
    });
    expect((await getBuild(d.db, held))!.status).toBe("running");
    expect(await finishRunningBuild(d.db, held, "failed", 12.6, "stage/job: boom")).toBe(true);
    expect(await finishRunningBuild(d.db, held, "cancelled", 0, "cancelled")).toBe(false);
    expect(await getBuild(d.db, held)).toMatchObject({
      status: "failed",
      error: "stage/job: boom",
      duration_ms: 13,
    });
  });

  it("finds a package's latest green build", async () => {
    const one = await newBuild("lg");
    const two = await newBuild("lg");
    const three = await newBuild("lg");
    expect(await latestGreenBuild(d.db, "lg")).toBeUndefined();
    await finishBuild(d.db, one, "green", 1, null);
    await finishBuild(d.db, two, "green", 1, null);
    await finishBuild(d.db, three, "failed", 1, "boom");
    expect((await latestGreenBuild(d.db, "lg"))!.id).toBe(two);
  });

  it("hands later stages what earlier ones made, and replaces what a job run again made", async () => {
    const r = await request("10");
    const build = await newBuild(r.b);
    await attachBuild(d.db, { requestId: r.id, package: r.b }, build, "test");
    const s0 = r.jobs.get(`${r.b}/0`)!;
    const s1 = r.jobs.get(`${r.b}/1`)!;
    const rpm = (filename: string, sha256: string, jobId: number | null) => ({
      ...plainArtifact({ buildId: build, jobId, kind: "file", filename, sha256, size: 1 }),
      kind: "rpm" as const,
    });
    await replaceJobArtifacts(d.db, build, s0, [
      rpm("b-1.0-1.x86_64.rpm", "r1", s0),
      plainArtifact({ buildId: build, jobId: s0, kind: "log", filename: "build.log", sha256: "l1", size: 1 }),
    ]);
    await replaceJobArtifacts(d.db, build, s1, [
      plainArtifact({
        buildId: build,
        jobId: s1,
        kind: "file",
        filename: "report.txt",
        sha256: "f1",
        size: 1,
      }),
    ]);
    expect(await buildRpms(d.db, build)).toEqual(["r1"]);
    expect(await stageInputs(d.db, build, 1)).toEqual([
      { filename: "b-1.0-1.x86_64.rpm", sha256: "r1", kind: "rpm" },
    ]);
    expect(await stageInputs(d.db, build, 2)).toEqual([
      { filename: "b-1.0-1.x86_64.rpm", sha256: "r1", kind: "rpm" },
      { filename: "report.txt", sha256: "f1", kind: "file" },
    ]);
    // Run again: the job's rows are replaced, the other job's are kept.
    await replaceJobArtifacts(d.db, build, s0, [rpm("b-1.0-2.x86_64.rpm", "r2", s0)]);
    expect(await buildRpms(d.db, build)).toEqual(["r2"]);
    expect((await stageInputs(d.db, build, 2)).map((a) => a.sha256)).toEqual(["f1", "r2"]);
    await replaceJobArtifacts(d.db, build, s0, []);
    expect(await buildRpms(d.db, build)).toEqual([]);
  });
});
