// `kiln build` is the farm in one process: the coordinator of `kiln serve` over the same database,
// one agent in this process (src/agent/in-process-link.ts: no sockets, the artifact store shared)
// with --jobs slots, and the request followed by the same code as `kiln build --server`. Without
// --approve a pipeline's approval stage ends the package's run there; Ctrl-C cancels the request.
import { join } from "node:path";
import { Agent } from "../agent/agent.js";
import { InProcessLink } from "../agent/in-process-link.js";
import { heldByApproval } from "../core/approval-hold.js";
import { hostLabels } from "../core/labels.js";
import { graphErrors } from "../planner/load-graph.js";
import type { Workspace } from "../context/workspace.js";
import type { DialectKind } from "../db/dialect.js";
import { getJob } from "../db/jobs.js";
import { abandonRequests, approveRequest, requestHold, setAgentLabels } from "../db/request-progress.js";
import type { BuildEvent } from "../follow/events.js";
import { followRequest } from "../follow/follow-request.js";
import { Coordinator } from "../coordinator/coordinator.js";
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
  /**
   * With the targets, what rebuilds below them: everything (`all`, kiln rebuild --downstream) or by
   * the rebuild modes (`modes`, as a change to them would: an update thread's candidate).
   */
  downstream?: "all" | "modes";
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
  const farm = new Coordinator(ws, kind, {
    leaseMs: LEASE_MS,
    jobLabels: ws.config.build.labels ?? hostLabels(process.arch, process.platform),
    onSnapshot: (e) => emit({ type: "published", ...e }),
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
      ...(o.downstream ? { downstream: o.downstream } : {}),
      createdBy: LOCAL_CREATOR,
      asLoaded: true,
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
      probe: ws.sandboxState,
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
        changed: () => farm.nextChange(500),
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
            const ended = await farm.endAwaitingApproval(id, pkg);
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
    // The other repositories' snapshots, where their disk lags (a damaged file taken out by a
    // scrub and stored again by a build since).
    for (const f of await farm.repositories.catchUp())
      emit({ type: "failed", package: `(repository ${f.repo})`, error: f.error });
    const last = (await requestView(ws.db, id, LEASE_MS))!;
    return await summaryOf(farm, last, awaiting, performance.now() - started);
  } finally {
    stop.abort();
    await agentRun?.catch(() => {});
    await farm.close();
  }
}
