// The first job of a package's run to be leased decides for the whole run, from what the repository
// holds now: up to date, cannot build, or a new build, which every job of the run belongs to.
import { join } from "node:path";
import type { BuildTrigger } from "../api/schemas.js";
import { isUpToDate, prepareBuild, whyNotUpToDate } from "../planner/prepare-build.js";
import { formatEvr } from "../core/rpmvercmp.js";
import { createBuild, deleteBuild, getBuild, latestGreenBuild } from "../db/builds.js";
import { attachBuild, getJob, greenUpstream } from "../db/jobs.js";
import { getRequest } from "../db/requests.js";
import type { BuildRow, JobRow } from "../db/schema.js";
import type { Coordinator } from "./coordinator.js";
import { endPackageRun, failAtLease } from "./end-run.js";
import { fromJson, fromJsonOrNull } from "../db/json-columns.js";

/** The run's new build; undefined when the run ended instead (up to date, or it cannot build). */
export async function startRun(ctx: Coordinator, job: JobRow): Promise<BuildRow | undefined> {
  const { ws, db } = ctx;
  const pkg = ctx.graph.graph.packages.get(job.package)!;
  const view = ctx.publisher.view;
  const prepared = await prepareBuild(ws, view, pkg, (n) => ctx.isHost(n), new Map());
  if (prepared.unsatisfied.length > 0) {
    const what = prepared.unsatisfied
      .map((u) => (u.neededBy ? `${u.requirement} (required by ${u.neededBy})` : u.requirement))
      .join(", ");
    await failAtLease(ctx, job, `cannot fill the build root: nothing in ${ctx.repo} provides ${what}`);
    return undefined;
  }
  const request = await getRequest(db, job.request_id);
  if (!request) throw new Error(`request ${job.request_id} of job ${job.id} is gone`);
  const forced = fromJson("strings", request.forced, "requests.forced").includes(job.package);
  const last = await latestGreenBuild(db, job.package);
  if (!forced && isUpToDate(last, prepared, view)) {
    await endPackageRun(ctx, job, { status: "up-to-date", error: null, leased: "end" });
    return undefined;
  }
  const reason = forced ? "rebuild requested" : whyNotUpToDate(last, prepared, view);
  // Why it started, for following the chain back: the request's cause, and the builds of what
  // it needs that published new output in this flow.
  const trigger: BuildTrigger = {
    request: job.request_id,
    cause: fromJsonOrNull("cause", request.cause, "requests.cause"),
    upstream: await greenUpstream(db, job.id),
  };
  const buildId = await createBuild(db, {
    trigger: JSON.stringify(trigger),
    package: job.package,
    reason,
    inputKey: prepared.key,
    inputs: JSON.stringify(prepared.inputs),
    evr: formatEvr(pkg.evr),
    logPath: (id) => join(ws.data.buildDir(id), "build.log"),
  });
  // Two jobs of the run's first stage leased at once (another agent, another server): one build.
  if (!(await attachBuild(db, { requestId: job.request_id, package: job.package }, buildId, reason))) {
    await deleteBuild(db, buildId);
    const again = await getJob(db, job.id);
    return again?.build_id != null ? getBuild(db, again.build_id) : undefined;
  }
  return getBuild(db, buildId);
}
