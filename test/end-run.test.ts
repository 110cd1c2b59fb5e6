// endPackageRun on both back ends: how each way a package's run ends leaves its jobs, its build,
// what depends on it and its request.
import { describe, expect, it } from "vitest";
import { endPackageRun, type RunEnd } from "../src/coordinator/end-run.js";
import { createBuild, getBuild } from "../src/db/builds.js";
import type { Db } from "../src/db/connect.js";
import { attachBuild, claimJob, finishJob, getJob, readyJobs, runJobs } from "../src/db/jobs.js";
import { getRequest, insertRequest } from "../src/db/requests.js";
import { backends, databaseForSuite, testJob } from "./kit/index.js";

describe.each(backends)("a package's run ending on %s", (kind) => {
  let d: Db;
  let refreshed = 0;
  let changes = 0;
  databaseForSuite(kind, (opened) => (d = opened));

  const ctx = () => ({
    db: d.db,
    refreshActive: () => {
      refreshed++;
      return Promise.resolve();
    },
    changed: () => {
      changes++;
    },
  });

  const job = testJob;

  /**
   * One request: `a` with two agent jobs in stage 0 and its publish job, `b` (stage 0 needs a's
   * publish job, then b's own publish), and `c`, which needs b. `a`'s run has a running build.
   */
  const setUp = async (tag: string) => {
    const [a, b, c] = [`a${tag}`, `b${tag}`, `c${tag}`];
    const r = await insertRequest(d.db, {
      targets: [a, b, c],
      forced: [],
      createdBy: "test",
      upToDate: [],
      jobs: [
        job(`${a}/0/0`, { stage: 0, stageName: "build", name: "one" }),
        job(`${a}/0/1`, { stage: 0, stageName: "build", name: "two" }),
        job(`${a}/1/0`, { stage: 1, runsOn: "server", needs: [`${a}/0/0`, `${a}/0/1`] }),
        job(`${b}/0/0`, { stage: 0, needs: [`${a}/1/0`] }),
        job(`${b}/1/0`, { stage: 1, runsOn: "server", needs: [`${b}/0/0`] }),
        job(`${c}/0/0`, { stage: 0, needs: [`${b}/1/0`] }),
      ],
    });
    const build = await createBuild(d.db, {
      package: a,
      reason: "test",
      inputKey: "k",
      inputs: "{}",
      evr: "1-1",
      logPath: (id) => `/logs/${id}`,
    });
    await attachBuild(d.db, { requestId: r.id, package: a }, build, "test");
    const one = (await claimJob(d.db, r.jobs.get(`${a}/0/0`)!, null, 60_000))!;
    const two = (await claimJob(d.db, r.jobs.get(`${a}/0/1`)!, null, 60_000))!;
    const of = { request_id: r.id, package: a };
    const status = async (key: string) => (await getJob(d.db, r.jobs.get(key)!))!;
    return { r, a, b, c, build, one, two, of, status };
  };

  it("a failed result: the job its own error, the rest the run's, the others asked to stop, what depends on it blocked", async () => {
    const s = await setUp("1");
    const before = { refreshed, changes };
    const end: RunEnd = {
      status: "failed",
      error: "build/one failed",
      by: { job: s.one, error: "rpmbuild failed" },
      leased: "stop",
      build: { ms: 1500, error: "build/one: rpmbuild failed" },
    };
    await endPackageRun(ctx(), s.of, end);
    expect(await s.status(`${s.a}/0/0`)).toMatchObject({ status: "failed", error: "rpmbuild failed" });
    expect(await s.status(`${s.a}/0/1`)).toMatchObject({ status: "leased", cancel_requested: 1 });
    expect(await s.status(`${s.a}/1/0`)).toMatchObject({ status: "failed", error: "build/one failed" });
    for (const k of [`${s.b}/0/0`, `${s.b}/1/0`, `${s.c}/0/0`]) {
      expect(await s.status(k)).toMatchObject({
        status: "blocked",
        error: `needs ${s.a}, which cannot build`,
      });
    }
    expect(await getBuild(d.db, s.build)).toMatchObject({
      status: "failed",
      error: "build/one: rpmbuild failed",
      duration_ms: 1500,
    });
    expect((await getRequest(d.db, s.r.id))!.status).toBe("active");
    expect({ refreshed, changes }).toEqual({ refreshed: before.refreshed + 1, changes: before.changes + 1 });

    // The job asked to stop reports cancelled: the run is over already, its build keeps its first end.
    await endPackageRun(ctx(), s.of, {
      status: "cancelled",
      error: "build/two was cancelled",
      by: { job: s.two, error: "cancelled" },
      leased: "stop",
    });
    expect(await s.status(`${s.a}/0/1`)).toMatchObject({ status: "cancelled", error: "cancelled" });
    expect((await getBuild(d.db, s.build))!.status).toBe("failed");
    expect(await getRequest(d.db, s.r.id)).toMatchObject({ status: "done" });
    expect((await getRequest(d.db, s.r.id))!.finished_at).not.toBeNull();
  });

  it("cancelled: what depends on it is cancelled; its build too", async () => {
    const s = await setUp("2");
    await finishJob(d.db, s.one.id, "cancelled", "cancelled", s.one.lease_token!);
    await finishJob(d.db, s.two.id, "cancelled", "cancelled", s.two.lease_token!);
    await endPackageRun(ctx(), s.of, { status: "cancelled", error: "cancelled", leased: "stop" });
    expect(await s.status(`${s.a}/1/0`)).toMatchObject({ status: "cancelled", error: "cancelled" });
    for (const k of [`${s.b}/0/0`, `${s.c}/0/0`]) {
      expect(await s.status(k)).toMatchObject({ status: "cancelled", error: `${s.a} was cancelled` });
    }
    expect(await getBuild(d.db, s.build)).toMatchObject({ status: "cancelled", error: "cancelled" });
  });

  it("decided at lease time: leased jobs end with the run; up to date releases what depends on it", async () => {
    const s = await setUp("3");
    await endPackageRun(ctx(), s.of, { status: "up-to-date", error: null, leased: "end", build: false });
    for (const k of [`${s.a}/0/0`, `${s.a}/0/1`, `${s.a}/1/0`]) {
      expect(await s.status(k)).toMatchObject({ status: "up-to-date", error: null, lease_expires_at: null });
    }
    // b is ready now; the build was left as it was.
    expect((await readyJobs(d.db, 1000)).map((j) => j.id)).toContain(s.r.jobs.get(`${s.b}/0/0`));
    expect((await getBuild(d.db, s.build))!.status).toBe("running");
  });

  it("published: the publish job green under its lease, the build green with its time, what depends on it ready", async () => {
    const s = await setUp("4");
    await finishJob(d.db, s.one.id, "green", null, s.one.lease_token!);
    await finishJob(d.db, s.two.id, "green", null, s.two.lease_token!);
    const publish = (await claimJob(d.db, s.r.jobs.get(`${s.a}/1/0`)!, null, 60_000))!;
    // Another lease token: nothing changes.
    await endPackageRun(ctx(), s.of, {
      status: "green",
      error: null,
      by: { job: { ...publish, lease_token: "stale" } },
      leased: "stop",
      build: false,
    });
    expect((await getJob(d.db, publish.id))!.status).toBe("leased");
    await endPackageRun(ctx(), s.of, {
      status: "cut-off",
      error: null,
      by: { job: publish },
      leased: "stop",
      build: { ms: 10, sameOutputAs: s.build },
    });
    expect((await getJob(d.db, publish.id))!.status).toBe("cut-off");
    expect(await getBuild(d.db, s.build)).toMatchObject({
      status: "green",
      same_output_as: s.build,
      duration_ms: 10,
    });
    expect((await runJobs(d.db, s.r.id, s.b)).map((j) => j.status)).toEqual(["queued", "queued"]);
    expect((await readyJobs(d.db, 1000)).map((j) => j.id)).toContain(s.r.jobs.get(`${s.b}/0/0`));
  });
});
