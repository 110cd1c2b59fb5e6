// `kiln build` is the farm in one process: the coordinator of `kiln serve` over the same database,
// one agent in this process (src/agent/in-process-link.ts: no sockets, the artifact store shared)
// with --jobs slots, and the request followed by the same code as `kiln build --server`. Without
// --approve a pipeline's approval stage ends the package's run there; Ctrl-C cancels the request.
import { join } from "node:path";
import { Agent } from "../agent/agent.js";
import { InProcessLink } from "../agent/in-process-link.js";
import { heldByApproval } from "../core/approval-hold.js";
import { hostLabels } from "../core/labels.js";
import { graphErrors } from "../build/load-graph.js";
import type { Workspace } from "../build/workspace.js";
import { finishBuild } from "../db/builds.js";
import type { DialectKind } from "../db/dialect.js";
import { closeRequestIfDone, finishJob, getJob, runJobs, settleDependents } from "../db/jobs.js";
import { abandonRequests, approveRequest, requestHold, setAgentLabels } from "../db/request-progress.js";
import type { BuildEvent } from "../follow/events.js";
import { followRequest } from "../follow/follow-request.js";
import { Farm } from "../server/farm.js";
import { buildView, requestView } from "../server/views.js";
import { summaryOf, type BuildSummary } from "./summary.js";

export type { BuildSummary } from "./summary.js";

/** Who a local build's requests are created by (and which a later one may abandon). */
export const LOCAL_CREATOR = "kiln build";
/** The lease of the in-process agent: renewed by its heartbeat like any agent's. */
const LEASE_MS = 60_000;

export interface LocalBuildOptions {
  /** Packages to build; empty means every package that is not up to date. */
  targets: string[];
  /** Packages to rebuild even when they are up to date. */
  forced?: readonly string[];
  /** With the targets, everything below them (kiln rebuild --downstream). */
  downstream?: boolean;
  /** Run the pipeline stages that need approval (without it, a package stops before them). */
  approve?: boolean;
  /** The in-process agent's slots. */
  jobs: number;
  signal?: AbortSignal;
  onEvent?: (e: BuildEvent) => void;
}

export async function buildInProcess(
  ws: Workspace,
  kind: DialectKind,
  o: LocalBuildOptions,
): Promise<BuildSummary> {
  const emit = o.onEvent ?? (() => {});
  // The data directory's lock says the kiln build that left these open is gone.
  await abandonRequests(ws.db, LOCAL_CREATOR, "interrupted: the kiln process running it stopped");
  const farm = new Farm(ws, kind, {
    leaseMs: LEASE_MS,
    jobLabels: ws.config.build.labels ?? hostLabels(process.arch, process.platform),
    log: (line) => {
      const m = /^published (\S+) snapshot (\d+) \((\d+) RPMs\)$/.exec(line);
      if (m) emit({ type: "published", repo: m[1]!, snapshot: Number(m[2]), packages: Number(m[3]) });
    },
  });
  await farm.open();
  const stop = new AbortController();
  let agentRun: Promise<void> | undefined;
  try {
    const g = farm.graph;
    emit({ type: "loaded", packages: g.set.packages.length + g.set.broken.size, ...g.set.stats });
    const errors = graphErrors(g);
    for (const [pkg, list] of errors) for (const e of list) emit({ type: "error", package: pkg, error: e });

    const id = await farm.submit({
      targets: o.targets,
      forced: [...(o.forced ?? [])],
      ...(o.downstream ? { downstream: "all" as const } : {}),
      createdBy: LOCAL_CREATOR,
    });
    if (o.approve) await approveRequest(ws.db, id, "kiln build --approve");
    // The building phase: from the queued request to the last snapshot written.
    const started = performance.now();

    // One agent, this process, with --jobs slots; it takes whatever this machine is asked for.
    const link = new InProcessLink(farm, {
      labels: hostLabels(process.arch, process.platform),
      slots: o.jobs,
    });
    // Connected again by the agent's loop: its row then has the labels.
    await setAgentLabels(ws.db, (await link.connect()).agent, id);
    const agent = new Agent({
      link,
      slots: o.jobs,
      workdir: join(ws.data.root, "agent"),
      labels: {},
      store: ws.store,
      roots: ws.roots,
      probe: {
        available: ws.sandboxState.available,
        ...(ws.sandboxState.reason !== undefined ? { reason: ws.sandboxState.reason } : {}),
      },
      inProcess: true,
      sandbox: farm.sandboxMode(),
      leaseWaitMs: 1000,
      stopJobsOnAbort: true,
      log: () => {},
      signal: stop.signal,
    });
    agentRun = agent.run();
    const onAbort = (): void => stop.abort();
    o.signal?.addEventListener("abort", onAbort);

    const awaiting = new Map<string, { build: number | null; stage: string }>();
    await followRequest(
      {
        view: async () => (await requestView(ws.db, id, LEASE_MS))!,
        build: (b) => buildView(ws.db, b),
        logOf: async (j) => farm.jobLogPath((await getJob(ws.db, j.id))!),
        changed: () => changeOrTimeout(farm, 500),
      },
      {
        onEvent: emit,
        invalidSaid: true,
        ...(o.signal ? { signal: o.signal } : {}),
        // Without --approve, the runs that reach an approval stage end there once nothing else moves.
        until: async () => {
          const hold = await requestHold(ws.db, id);
          const held = heldByApproval(hold.jobs, hold.deps);
          if (held.length === 0) return false;
          for (const pkg of held) {
            const ended = await endAwaitingRun(farm, id, pkg);
            if (ended) awaiting.set(pkg, ended);
          }
          return true;
        },
      },
    );
    o.signal?.removeEventListener("abort", onAbort);
    if (o.signal?.aborted) {
      stop.abort();
      await farm.cancelRequest(id);
    }
    for (const [pkg, a] of awaiting)
      if (a.build !== null)
        emit({ type: "awaiting-approval", package: pkg, buildId: a.build, stage: a.stage });
    stop.abort();
    await agentRun;
    agentRun = undefined;
    await farm.publisher.settled();
    await farm.repositories.catchUp();
    const last = (await requestView(ws.db, id, LEASE_MS))!;
    return await summaryOf(ws, farm, last, awaiting, performance.now() - started);
  } finally {
    stop.abort();
    await agentRun?.catch(() => {});
    await farm.close();
  }
}

/** Resolves on the coordinator's next change, or after `ms`. */
function changeOrTimeout(farm: Farm, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(t);
      farm.events.off("change", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    farm.events.once("change", done);
  });
}

/**
 * Ends the run of a package that waits for an approval `kiln build` was not given: its build is
 * cancelled saying so, and what needs it is blocked by it.
 */
async function endAwaitingRun(
  farm: Farm,
  requestId: number,
  pkg: string,
): Promise<{ build: number | null; stage: string } | undefined> {
  const db = farm.ws.db;
  const run = await runJobs(db, requestId, pkg);
  const waiting = run.find((j) => j.status === "queued" && j.approval !== null && j.approved_at === null);
  // Blocked already, by a package it needs that awaits approval too.
  if (!waiting) return undefined;
  const why = `stopped before stage ${waiting.stage_name}, which needs approval (kiln build --approve)`;
  const build = run.find((j) => j.build_id !== null)?.build_id ?? null;
  if (build !== null) await finishBuild(db, build, "cancelled", 0, why);
  for (const j of run) if (j.status === "queued") await finishJob(db, j.id, "cancelled", why);
  const publish = run.find((j) => j.runs_on === "server");
  if (publish) await settleDependents(db, publish.id, "blocked", `needs ${pkg}, which awaits approval`);
  await closeRequestIfDone(db, requestId);
  return { build, stage: waiting.stage_name };
}
