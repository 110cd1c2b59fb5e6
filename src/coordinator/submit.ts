// Submissions: a build of packages (planned as kiln build plans, then one queue job per job of each
// package's pipeline) or shell commands for agents, each inserted as one request.
import { graphErrors, modeOf, pipelineOf, type LoadedGraph } from "../planner/load-graph.js";
import { planRun } from "../planner/plan-run.js";
import type { RequestCause } from "../api/schemas.js";
import { planChange, type ChangePlan } from "../core/flow.js";
import { remainingChain } from "../core/plan.js";
import { lastDurations } from "../db/builds.js";
import { activeJobs } from "../db/jobs.js";
import { insertRequest, type NewJob } from "../db/requests.js";
import type { Database } from "../db/schema.js";
import type { Kysely } from "kysely";
import { unknownPackages } from "../util/errors.js";
import type { Coordinator } from "./coordinator.js";
import { pipelineJobs } from "./pipeline-jobs.js";

export interface Submission {
  targets: string[];
  forced?: string[];
  downstream?: "modes" | "all" | "none";
  createdBy: string;
  cause?: RequestCause;
  /** See insertRequest: taken in the same transaction as the request, or nothing is queued. */
  claim?: (tx: Kysely<Database>) => Promise<boolean>;
  /** Plan on the set as loaded last, not read again (it was read a moment ago: `kiln build`). */
  asLoaded?: boolean;
}

/**
 * Plans a build and queues its jobs: `targets` and what they need (everything not up to date
 * when empty), `forced` rebuilt even when up to date; for a change or a rebuild with its
 * downstream, what may rebuild below them (`downstream`, per planChange) joins the targets.
 */
export async function submit(ctx: Coordinator, g: LoadedGraph, r: Submission): Promise<number> {
  const { ws, db } = ctx;
  const unknown = r.targets.filter((t) => !g.graph.names.includes(t));
  if (unknown.length > 0) throw unknownPackages(unknown);
  const known = await lastDurations(db);
  const targets =
    r.downstream && r.downstream !== "none" && r.targets.length > 0
      ? changePlan(ctx, g, r.targets, r.downstream, known).packages
      : r.targets;
  const forced = r.forced ?? [];
  const errors = graphErrors(g);
  const plan = await planRun(ws, g, ctx.publisher.view, errors, {
    targets,
    forced: new Set(forced),
    isHost: (n) => ctx.isHost(n),
    hashes: new Map(),
  });
  const active = await activeJobs(db);
  const typical = known.size > 0 ? [...known.values()].reduce((a, b) => a + b, 0) / known.size : 1000;
  const building = new Set(plan.toBuild.filter((n) => !active.has(n)));
  const chain = remainingChain(new Set(plan.toBuild), g.graph.order, (n) => known.get(n) ?? typical);
  const jobs = pipelineJobs({
    plan,
    pipelineOf: pipelineOf(ws, g),
    order: g.graph.order,
    building,
    active,
    chain,
    errors: new Map([...errors].map(([pkg, list]) => [pkg, list.map((e) => e.format())])),
    labels: ctx.opts.jobLabels,
  });
  const sandbox = ctx.sandboxMode();
  const { id } = await insertRequest(db, {
    targets,
    forced,
    createdBy: r.createdBy,
    upToDate: plan.names.filter((n) => plan.state.get(n) === "up-to-date"),
    jobs: jobs.map((j) => ({ ...j, sandbox })),
    cause: r.cause ?? { kind: "submit" },
    ...(r.claim ? { claim: r.claim } : {}),
  });
  await ctx.refreshActive();
  ctx.changed();
  return id;
}

/**
 * Queues `count` jobs that each run a shell command on an agent (no package build), in the
 * sandbox like a build; `unsandboxed` (an admin's choice, checked by the caller) runs them
 * without it, on agents whose policy allows that, and is written to the server's log.
 */
export async function submitCommands(
  ctx: Coordinator,
  command: string,
  count: number,
  createdBy: string,
  unsandboxed: boolean,
): Promise<number> {
  const jobs: NewJob[] = Array.from({ length: count }, (_, i) => ({
    key: String(i),
    package: "(command)",
    command,
    reason: unsandboxed ? "command submitted, to run without the sandbox" : "command submitted",
    labels: { ...ctx.opts.jobLabels },
    priority: 0,
    needs: [],
    needsJobs: [],
    sandbox: unsandboxed ? "off" : ctx.sandboxMode(),
  }));
  const { id } = await insertRequest(ctx.db, {
    targets: [],
    forced: [],
    createdBy,
    upToDate: [],
    jobs,
    cause: { kind: "command", command, unsandboxed },
  });
  if (unsandboxed) {
    ctx.log(
      `audit: ${createdBy} queued ${count} command job(s) WITHOUT the sandbox (request ${id}): ${JSON.stringify(command)}`,
    );
  }
  ctx.changed();
  return id;
}

/** What a change to (or a rebuild of) `changed` would rebuild, by the set's rebuild modes. */
export function changePlan(
  ctx: Pick<Coordinator, "ws">,
  g: LoadedGraph,
  changed: string[],
  downstream: "modes" | "all" | "none",
  durations: Map<string, number>,
): ChangePlan {
  return planChange(changed, {
    rdeps: g.graph.rdeps,
    order: g.graph.order,
    modeOf: modeOf(ctx.ws, g),
    durations,
    downstream,
  });
}
