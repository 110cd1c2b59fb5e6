// The farm's coordinator (`kiln serve`; `kiln build` runs one in its process): its state and wiring,
// each concern a module beside it. All state is in the database; what is kept in memory is only a
// cache of it, rebuilt on start.
import { EventEmitter } from "node:events";
import { join } from "node:path";
import type { LeasedJob, ResultBody } from "../api/schemas.js";
import type { LoadedGraph } from "../planner/load-graph.js";
import { Publisher } from "../repos/publisher.js";
import type { Workspace } from "../context/workspace.js";
import { loadSetConfig } from "../config/set-config.js";
import type { ChangePlan } from "../core/flow.js";
import { agentDiskKey, diskCheck, type DiskLimits, type DiskReport } from "../core/health.js";
import type { Labels } from "../core/labels.js";
import { hostMatcher } from "../core/providers.js";
import { jobMode, type SandboxMode } from "../core/sandbox-policy.js";
import { interruptOrphanBuilds } from "../db/builds.js";
import { recordChecks, setAgentDisk } from "../db/health.js";
import type { DialectKind } from "../db/dialect.js";
import { activeJobs } from "../db/jobs.js";
import { graceLeases, renewLeases } from "../db/leases.js";
import { markRequestCancelled, openJobIds } from "../db/requests.js";
import type { AgentRow, JobRow } from "../db/schema.js";
import { Repositories } from "../repos/repositories.js";
import { approve, cancelJob, endAwaitingApproval } from "./control.js";
import { logNameOf } from "./job-logs.js";
import { lease } from "./lease.js";
import { ServerJobs } from "./publish-jobs.js";
import { reap } from "./reaper.js";
import { SetLoader } from "./set-loader.js";
import { leasedJob, result, type Finishing, type ResultOutcome } from "./results.js";
import { changePlan, submit, submitCommands, type Submission } from "./submit.js";

export interface CoordinatorOptions {
  /** An agent that has not renewed a lease for this long loses it, and the job is requeued. */
  leaseMs: number;
  /** Labels every job asks of an agent (kiln.yaml build.labels, else the server's own arch and os). */
  jobLabels: Labels;
  log?: (line: string) => void;
  /** Below these, an agent's work directory (as its heartbeats say) takes no jobs; none: unchecked. */
  diskLimits?: DiskLimits;
  /** A repository snapshot was written (`kiln build` says so). */
  onSnapshot?: (e: { repo: string; snapshot: number; packages: number }) => void;
}

/** A package's run under way, with the request it belongs to and its job that publishes it. */
type RunUnderWay = { package: string; request: number; job: number };

export class Coordinator {
  publisher!: Publisher;
  /** Promotions, demotions, and keeping the other repositories' snapshots written (made by open). */
  repositories!: Repositories;
  /** "change" when a job changes state (wakes waiting leases and followers); "log:ID" when a log grows. */
  readonly events = new EventEmitter();
  /** Set once the coordinator stops handing out jobs. */
  closing = false;
  /** Whether the host provides this (kiln.yaml host.provides). */
  isHost: (name: string) => boolean;
  private readonly finishing: Finishing = new Map();
  private active = new Set<string>();
  /** The server's own jobs (publish) run in this process. */
  readonly serverJobs = new ServerJobs(this);
  private reaper: NodeJS.Timeout | undefined;
  private readonly loader: SetLoader;

  constructor(
    readonly ws: Workspace,
    readonly kind: DialectKind,
    readonly opts: CoordinatorOptions,
  ) {
    this.events.setMaxListeners(0);
    this.isHost = hostMatcher(ws.config.host.provides);
    this.loader = new SetLoader(ws, (line) => this.log(line));
  }

  get db(): Workspace["db"] {
    return this.ws.db;
  }

  /** The set as loaded last (open loads it first). */
  get graph(): LoadedGraph {
    return this.loader.graph!;
  }

  /** The repository builds publish to (the first of kiln.yaml's). */
  get repo(): string {
    return this.ws.config.repositories[0]!.name;
  }

  async open(): Promise<void> {
    const db = this.ws.db;
    // Builds left running with no job of their run still to come were cut off by a crash of this
    // server. Leased jobs belong to agents that may still be building: they get a full lease time
    // to reconnect.
    await interruptOrphanBuilds(db);
    const graced = await graceLeases(db, this.opts.leaseMs);
    if (graced > 0) this.log(`${graced} job(s) leased before the restart: waiting for their agents`);
    await this.reloadGraph();
    const ctx = { db, data: this.ws.data, store: this.ws.store, config: this.ws.config };
    this.publisher = new Publisher(ctx, this.repo, this.graph.graph.packages, this.graph.graph.index, {
      // While anything is under way, snapshots written together, at most once a second.
      busy: () => this.active.size > 0,
      coming: (source) => this.active.has(source),
      published: (_pkg, id) => this.serverJobs.end(id, "green", null),
      refused: (_pkg, id, message) => this.serverJobs.end(id, "failed", message),
      snapshot: (e) => {
        this.log(`published ${e.repo} snapshot ${e.snapshot} (${e.packages} RPMs)`);
        this.opts.onSnapshot?.(e);
      },
    });
    this.repositories = new Repositories({
      context: () => ({ db: this.ws.db, data: this.ws.data, store: this.ws.store, config: this.ws.config }),
      publisher: this.publisher,
      changed: () => this.changed(),
      log: (line) => this.log(line),
    });
    await this.publisher.open();
    await this.refreshActive();
    const tick = Math.max(100, Math.min(1000, this.opts.leaseMs / 5));
    this.reaper = setInterval(() => {
      reap(this).catch((e: unknown) => this.log(`lease check failed: ${(e as Error).message}`));
      this.kickServerJobs();
    }, tick);
    this.kickServerJobs();
  }

  /** Stops handing out jobs: waiting leases return at once (so that the HTTP server can close). */
  stopLeasing(): void {
    this.closing = true;
    this.changed();
  }

  async close(): Promise<void> {
    this.stopLeasing();
    clearInterval(this.reaper);
    await Promise.allSettled(this.finishing.values());
    await this.serverJobs.stopped();
  }

  /** A line in the server's log. */
  log(line: string): void {
    this.opts.log?.(line);
  }

  /** Wakes waiting leases and followers. */
  changed(): void {
    this.events.emit("change");
  }

  /** Resolves on the next change, or after `ms`. */
  nextChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.events.off("change", done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.events.once("change", done);
    });
  }

  /** The packages with a run under way, read again (and parked publications reconsidered). */
  async refreshActive(): Promise<void> {
    this.active = new Set((await activeJobs(this.ws.db)).keys());
    // A parked build (its Requires were still building) waits no longer once they will not come.
    // Not awaited: refreshActive runs inside publisher hooks, and this queues behind them.
    this.publisher?.reconsider().catch((e: unknown) => this.log(`publishing: ${(e as Error).message}`));
  }

  /** Those of `names` whose run is still under way. */
  async runsUnderWay(names: string[]): Promise<RunUnderWay[]> {
    const active = await activeJobs(this.ws.db);
    return names.flatMap((p) => {
      const j = active.get(p);
      return j ? [{ package: p, request: j.request_id, job: j.id }] : [];
    });
  }

  /** kiln rebuild --replace: runs that are stuck, or that a maintainer wants started again. */
  async cancelRuns(runs: RunUnderWay[], by: string): Promise<void> {
    for (const r of runs) {
      await this.cancelJob(r.job);
      this.log(`audit: ${by} cancelled the run of ${r.package} in request ${r.request}, to rebuild it`);
    }
  }

  /** The set is read again first, unless `r.asLoaded`. */
  async submit(r: Submission): Promise<number> {
    return submit(this, r.asLoaded ? this.graph : await this.reloadGraph(), r);
  }

  submitCommands(
    command: string,
    count: number,
    createdBy: string,
    o: { unsandboxed?: boolean } = {},
  ): Promise<number> {
    return submitCommands(this, command, count, createdBy, o.unsandboxed === true);
  }

  /**
   * Reads kiln.yaml again. A file that is wrong now changes nothing: the error is thrown and the
   * farm goes on with the last valid configuration.
   */
  async reloadConfig(): Promise<void> {
    const config = await loadSetConfig(this.ws.setDir);
    this.ws.config = config;
    this.isHost = hostMatcher(config.host.provides);
  }

  /** The set as it is on disk now (specs and package configs re-read where they changed). */
  reloadGraph(): Promise<LoadedGraph> {
    return this.loader.reload();
  }

  /** The loaded set for readers (GET /plan), who never wait for specs to be read (see SetLoader). */
  currentGraph(maxAgeMs = 5000): LoadedGraph {
    return this.loader.current(maxAgeMs)!;
  }

  /** The sandbox mode the farm's jobs run in: its policy, tightened by kiln.yaml's build.sandbox. */
  sandboxMode(): SandboxMode {
    return jobMode(this.ws.sandboxState.policy, this.ws.config.build.sandbox);
  }

  /** What a change to (or a rebuild of) `changed` would rebuild, by the set's rebuild modes. */
  planChange(
    changed: string[],
    downstream: "modes" | "all" | "none",
    durations: Map<string, number>,
  ): ChangePlan {
    return changePlan(this, this.graph, changed, downstream, durations);
  }

  /** Up to `free` jobs for this agent; waits up to `waitMs` for one when none is ready. */
  lease(
    agent: AgentRow,
    free: number,
    waitMs: number,
    sandbox?: { policy: SandboxMode; available: boolean },
  ): Promise<LeasedJob[]> {
    return lease(this, agent, free, waitMs, sandbox);
  }

  /** Renews the leases it holds; `disk`: its work directory's free space, kept for the lease rule. */
  async heartbeat(
    agent: AgentRow,
    held: { job: number; leaseToken: string }[],
    disk?: DiskReport,
  ): ReturnType<typeof renewLeases> {
    // kiln serve checks agents' disks; kiln build's own agent is not held back (it would only wait).
    if (disk && this.opts.diskLimits) {
      await setAgentDisk(this.ws.db, agent.id, disk);
      const key = agentDiskKey(agent.name);
      const check = diskCheck(
        key,
        `agent ${agent.name}`,
        `agent ${agent.name}'s work directory`,
        disk,
        this.opts.diskLimits,
        "it takes no jobs until space returns",
      );
      for (const c of await recordChecks(this.ws.db, [check], new Date(), (k) => k === key)) {
        this.log(`health: ${c.state}: ${c.sentence}`);
        this.changed();
      }
    }
    return renewLeases(this.ws.db, agent.id, held, this.opts.leaseMs);
  }

  /** The job an agent may act on with this lease token, or the reason it may not. */
  leasedJob(agent: AgentRow, jobId: number, leaseToken: string): Promise<JobRow> {
    return leasedJob(this, agent, jobId, leaseToken);
  }

  result(agent: AgentRow, jobId: number, body: ResultBody): Promise<ResultOutcome> {
    return result(this, this.finishing, agent, jobId, body);
  }

  /** Runs the server's own ready jobs (publish) until there are none; one loop at a time per process. */
  kickServerJobs(): void {
    this.serverJobs.kick();
  }

  cancelJob(jobId: number): Promise<JobRow["status"]> {
    return cancelJob(this, jobId);
  }

  async cancelRequest(requestId: number): Promise<void> {
    const jobs = await openJobIds(this.ws.db, requestId);
    await markRequestCancelled(this.ws.db, requestId);
    for (const id of jobs) await this.cancelJob(id);
  }

  approve(jobId: number, by: string): Promise<JobRow[]> {
    return approve(this, jobId, by);
  }

  /** Ends a run that waits for an approval `kiln build` was not given (see control.ts). */
  endAwaitingApproval(requestId: number, pkg: string): ReturnType<typeof endAwaitingApproval> {
    return endAwaitingApproval(this, requestId, pkg);
  }

  /** Where a build's log is written while it runs (and kept after, beside the stored copy). */
  logPath(buildId: number): string {
    return join(this.ws.data.buildDir(buildId), "build.log");
  }

  /** Where a job's log is written (the build job's is the build's log; a command's its own). */
  jobLogPath(job: JobRow): string {
    if (job.command !== null) return join(this.ws.data.root, "commands", `${job.id}.log`);
    return join(this.ws.data.buildDir(job.build_id!), logNameOf(job));
  }
}
