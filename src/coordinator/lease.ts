// Leasing: an agent's long poll claims the ready jobs it can run (its labels, its sandbox policy),
// and each becomes what the agent receives, or ends its run at once (up to date, cannot build).
import { existsSync, lstatSync } from "node:fs";
import { join } from "node:path";
import type { z } from "zod";
import type { LeasedJob, SandboxReport } from "../api/schemas.js";
import type { RootPackage } from "../buildroot/buildroot-cache.js";
import { labelsMatch, type Labels } from "../core/labels.js";
import { decide, type SandboxMode } from "../core/sandbox-policy.js";
import { getBuild, stageInputs } from "../db/builds.js";
import { claimJob, lockFirst, readyJobs } from "../db/jobs.js";
import type { AgentRow, BuildRow, JobRow } from "../db/schema.js";
import { agentRefusal } from "../db/health.js";
import { agentIsDisabled, setAgentSandbox } from "../db/tokens.js";
import { sha256Regular } from "../util/safe-fs.js";
import type { Coordinator } from "./coordinator.js";
import { failAtLease } from "./end-run.js";
import { logNameOf } from "./job-logs.js";
import { startRun } from "./run-start.js";
import { fromJson, jobDefinition } from "../db/json-columns.js";

/** Up to `free` jobs for this agent; waits up to `waitMs` for one when none is ready. */
export async function lease(
  ctx: Coordinator,
  agent: AgentRow,
  free: number,
  waitMs: number,
  sandbox?: z.infer<typeof SandboxReport>,
): Promise<LeasedJob[]> {
  const deadline = Date.now() + waitMs;
  if (sandbox) await setAgentSandbox(ctx.db, agent, JSON.stringify(sandbox));
  const labels = fromJson("labels", agent.labels, "agents.labels");
  // An agent is offered only jobs it would run: not one that asks for less sandbox than its
  // policy, nor one that requires the sandbox where bubblewrap does not work.
  const takes = (j: JobRow): boolean =>
    !sandbox || !("refuse" in decide(modeOfJob(ctx, j), sandbox.policy, sandbox.available));
  const out: LeasedJob[] = [];
  for (;;) {
    while (out.length < free && !ctx.closing) {
      // A long poll outlives the credential check: an agent disabled meanwhile gets nothing more.
      if (await agentIsDisabled(ctx.db, agent.id)) return out;
      // Its work directory is (nearly) full: it waits, taking nothing, until space returns.
      if (await agentRefusal(ctx.db, agent.name)) break;
      const job = await claim(ctx, agent, labels, takes);
      if (!job) break;
      const leased = await prepare(ctx, job);
      if (leased) out.push(leased);
    }
    const left = deadline - Date.now();
    if (out.length > 0 || left <= 0 || ctx.closing) return out;
    await ctx.nextChange(Math.min(left, 1000));
  }
}

async function claim(
  ctx: Coordinator,
  agent: AgentRow,
  labels: Labels,
  takes: (j: JobRow) => boolean,
): Promise<JobRow | undefined> {
  return ctx.db.transaction().execute(async (tx) => {
    const ready = await readyJobs(tx, 200);
    const matching = ready
      .filter((j) => labelsMatch(labels, fromJson("labels", j.labels, "jobs.labels")) && takes(j))
      .map((j) => j.id);
    // Another server may take the first; the conditional UPDATE makes sure only one wins.
    for (let tries = 0; tries < 3; tries++) {
      const id = await lockFirst(tx, ctx.kind, matching);
      if (id === undefined) return undefined;
      const claimed = await claimJob(tx, id, agent.id, ctx.opts.leaseMs);
      if (claimed) return claimed;
      matching.splice(matching.indexOf(id), 1);
    }
    return undefined;
  });
}

/** What the agent needs to run a claimed job; undefined when it needs no run after all. */
async function prepare(ctx: Coordinator, job: JobRow): Promise<LeasedJob | undefined> {
  if (job.command !== null) return commandLease(ctx, job);
  const { ws, db } = ctx;
  try {
    const pkg = ctx.graph.graph.packages.get(job.package);
    if (!pkg) {
      await failAtLease(ctx, job, `${job.package} is no longer in the set`);
      return undefined;
    }
    const build = job.build_id !== null ? await getBuild(db, job.build_id) : await startRun(ctx, job);
    if (!build) return undefined;
    const def = jobDefinition(job.definition!);
    const pkgDir = join(ws.setDir, "packages", pkg.name);
    const files: LeasedJob["files"] = [];
    // Regular files only: a link in the set is refused, never followed (docs/SECURITY.md).
    const add = async (name: string, kind: "spec" | "source"): Promise<void> => {
      const h = await sha256Regular(join(pkgDir, name), { shown: `packages/${pkg.name}/${name}` });
      files.push({ name, sha256: h.sha256, size: h.size, kind });
    };
    await add(`${pkg.name}.spec`, "spec");
    for (const s of pkg.sources) await add(s.name, "source");
    const rc = join(pkgDir, `${pkg.name}.rpmlintrc`);
    if (existsSync(rc) || lstatSync(rc, { throwIfNoEntry: false })?.isSymbolicLink()) {
      await add(`${pkg.name}.rpmlintrc`, "source");
    }
    // What earlier stages of the run handed on: the package's RPMs and the files jobs declared.
    const inputs = job.stage > 0 ? await stageInputs(db, build.id, job.stage) : [];
    ctx.changed();
    return {
      job: job.id,
      build: build.id,
      leaseToken: job.lease_token!,
      leaseSeconds: ctx.opts.leaseMs / 1000,
      package: pkg.name,
      specFile: pkg.specFile,
      dist: ws.config.dist,
      files,
      rootPackages: rootOf(build),
      sandbox: ctx.sandboxMode(),
      maxLogBytes: ws.maxLogBytes,
      stage: job.stage_name,
      definition: def,
      logName: logNameOf(job),
      inputs,
      rpmlint: ws.config.build.rpmlint,
    };
  } catch (e) {
    // The build the run started ends with it, saying why; it is never left running.
    await failAtLease(ctx, job, `the server could not prepare the build: ${(e as Error).message}`);
    return undefined;
  }
}

/** A command job: no package, no build, no inputs; run in the job's own sandbox mode. */
function commandLease(ctx: Coordinator, job: JobRow): LeasedJob {
  return {
    job: job.id,
    command: job.command!,
    stage: "",
    logName: "command.log",
    inputs: [],
    rpmlint: "off",
    build: 0,
    leaseToken: job.lease_token!,
    leaseSeconds: ctx.opts.leaseMs / 1000,
    package: job.package,
    specFile: "",
    dist: "",
    files: [],
    rootPackages: [],
    sandbox: modeOfJob(ctx, job),
    maxLogBytes: ctx.ws.maxLogBytes,
  };
}

/** The RPMs a build's root holds, from its recorded inputs ("filename sha256"). */
function rootOf(build: BuildRow): RootPackage[] {
  return fromJson("inputs", build.inputs, "builds.inputs").root.map((r) => {
    const [filename, sha256] = r.split(" ") as [string, string];
    return { filename, sha256 };
  });
}

/** A job's mode: "off" when an admin asked for it, else the farm's as it is now (never looser). */
function modeOfJob(ctx: Pick<Coordinator, "sandboxMode">, job: Pick<JobRow, "sandbox">): SandboxMode {
  return job.sandbox === "off" ? "off" : ctx.sandboxMode();
}
