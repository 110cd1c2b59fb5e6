// The farm's coordinator inside `kiln serve`: turns submissions into jobs, leases ready jobs to
// agents (deciding at lease time what each build's root holds, or that it is up to date), takes
// their results, publishes green builds, and requeues the jobs of agents that went silent. All
// state is in the database; what is kept in memory is only a cache of it, rebuilt on start. This
// class holds that state and the wiring; each concern is a module beside it.
import { EventEmitter } from "node:events";
import { join } from "node:path";
import type { LeasedJob, ResultBody } from "../api/schemas.js";
import type { LoadedGraph } from "../planner/load-graph.js";
import { Publisher } from "../repos/publisher.js";
import type { Workspace } from "../context/workspace.js";
import { loadSetConfig } from "../config/set-config.js";
import type { ChangePlan } from "../core/flow.js";
import { hostMatcher } from "../core/providers.js";
import { jobMode, type SandboxMode } from "../core/sandbox-policy.js";
import { interruptOrphanBuilds } from "../db/builds.js";
import type { DialectKind } from "../db/dialect.js";
import { activeJobs } from "../db/jobs.js";
import { graceLeases, renewLeases } from "../db/leases.js";
import type { AgentRow, JobRow } from "../db/schema.js";
import { Repositories } from "../repos/repositories.js";
import type { CoordinatorContext, CoordinatorOptions, ResultOutcome } from "./context.js";
import { approve, cancelJob, cancelRequest, cancelRuns, endAwaitingApproval } from "./control.js";
import { logNameOf } from "./job-logs.js";
import { lease } from "./lease.js";
import { ServerJobs } from "./publish-jobs.js";
import { reap } from "./reaper.js";
import { SetLoader } from "./set-loader.js";
import { leasedJob, result, type Finishing } from "./results.js";
import { changePlan, runsUnderWay, submit, submitCommands, type Submission } from "./submit.js";

export type { CoordinatorOptions };

export class Coordinator {
  publisher!: Publisher;
  /** Promotions, demotions, and keeping the other repositories' snapshots written (made by open). */
  repositories!: Repositories;
  /** "change" when a job changes state (wakes waiting leases and followers); "log:ID" when a log grows. */
  readonly events = new EventEmitter();
  private readonly finishing: Finishing = new Map();
  private active = new Set<string>();
  private readonly serverJobs: ServerJobs;
  private readonly ctx: CoordinatorContext;
  private reaper: NodeJS.Timeout | undefined;
  private readonly loader: SetLoader;
  private closing = false;
  private isHost: (name: string) => boolean;

  constructor(
    readonly ws: Workspace,
    readonly kind: DialectKind,
    readonly opts: CoordinatorOptions,
  ) {
    this.events.setMaxListeners(0);
    this.isHost = hostMatcher(ws.config.host.provides);
    this.loader = new SetLoader(ws, (line) => this.say(line));
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    this.ctx = {
      ws,
      kind,
      opts,
      get db() {
        return self.ws.db;
      },
      get graph() {
        return self.graph;
      },
      get publisher() {
        return self.publisher;
      },
      get repo() {
        return self.repo;
      },
      isHost: (name) => this.isHost(name),
      sandboxMode: () => this.sandboxMode(),
      say: (line) => this.say(line),
      refreshActive: () => this.refreshActive(),
      changed: () => this.changed(),
      kickServerJobs: () => this.kickServerJobs(),
    };
    this.serverJobs = new ServerJobs(this.ctx, {
      closing: () => this.closing,
      catchUp: async () => {
        await this.repositories.catchUp();
      },
    });
  }

  /** The set as loaded last (open loads it first). */
  get graph(): LoadedGraph {
    return this.loader.graph!;
  }

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
    if (graced > 0) this.say(`${graced} job(s) leased before the restart: waiting for their agents`);
    await this.reloadGraph();
    this.publisher = new Publisher(
      { db, data: this.ws.data, store: this.ws.store, config: this.ws.config },
      this.repo,
      this.graph.graph.packages,
      this.graph.graph.index,
      {
        // While anything is under way, snapshots written together, at most once a second.
        busy: () => this.active.size > 0,
        coming: (source) => this.active.has(source),
        published: (_pkg, id) => this.serverJobs.published(id),
        refused: (_pkg, id, message) => this.serverJobs.refused(id, message),
        snapshot: (e) => {
          this.say(`published ${e.repo} snapshot ${e.snapshot} (${e.packages} RPMs)`);
          this.opts.onSnapshot?.(e);
        },
      },
    );
    this.repositories = new Repositories({
      context: () => ({ db: this.ws.db, data: this.ws.data, store: this.ws.store, config: this.ws.config }),
      publisher: this.publisher,
      changed: () => this.changed(),
      log: (line) => this.say(line),
    });
    await this.publisher.open();
    await this.refreshActive();
    const tick = Math.max(100, Math.min(1000, this.opts.leaseMs / 5));
    this.reaper = setInterval(() => {
      this.reap().catch((e: unknown) => this.say(`lease check failed: ${(e as Error).message}`));
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

  private say(line: string): void {
    this.opts.log?.(line);
  }

  /** A line in the server's log. */
  log(line: string): void {
    this.say(line);
  }

  changed(): void {
    this.events.emit("change");
  }

  private async refreshActive(): Promise<void> {
    this.active = new Set((await activeJobs(this.ws.db)).keys());
    // A parked build (its Requires were still building) waits no longer once they will not come.
    // Not awaited: refreshActive runs inside publisher hooks, and this queues behind them.
    this.publisher?.reconsider().catch((e: unknown) => this.say(`publishing: ${(e as Error).message}`));
  }

  // ---- submissions ----

  /** Those of `names` whose run is still under way, with the request it belongs to. */
  runsUnderWay(names: string[]): Promise<{ package: string; request: number; job: number }[]> {
    return runsUnderWay(this.ctx, names);
  }

  /** See cancelRuns in control.ts (kiln rebuild --replace). */
  cancelRuns(runs: { package: string; request: number; job: number }[], by: string): Promise<void> {
    return cancelRuns(this.ctx, this.serverJobs, runs, by);
  }

  /** See submit in submit.ts; the set is read again first. */
  async submit(r: Submission): Promise<number> {
    return submit(this.ctx, r.asLoaded ? this.graph : await this.reloadGraph(), r);
  }

  /** See submitCommands in submit.ts. */
  submitCommands(
    command: string,
    count: number,
    createdBy: string,
    o: { unsandboxed?: boolean } = {},
  ): Promise<number> {
    return submitCommands(this.ctx, { command, count, createdBy, unsandboxed: o.unsandboxed === true });
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

  /**
   * The set as it is on disk now (specs and package configs re-read where they changed). One load
   * at a time: a caller that comes while one is under way gets the next, which starts after it.
   */
  reloadGraph(): Promise<LoadedGraph> {
    return this.loader.reload();
  }

  /**
   * The loaded set for readers (GET /plan): what was loaded last, with a load started in the
   * background when it is older than `maxAgeMs`. A reader never waits for specs to be read.
   */
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
    return changePlan(this.ctx, this.graph, changed, downstream, durations);
  }

  // ---- agents ----

  /** Up to `free` jobs for this agent; waits up to `waitMs` for one when none is ready. */
  lease(
    agent: AgentRow,
    free: number,
    waitMs: number,
    sandbox?: { policy: SandboxMode; available: boolean },
  ): Promise<LeasedJob[]> {
    return lease(this.ctx, this.events, () => this.closing, {
      agent,
      free,
      waitMs,
      ...(sandbox ? { sandbox } : {}),
    });
  }

  heartbeat(
    agent: AgentRow,
    held: { job: number; leaseToken: string }[],
  ): Promise<{ cancel: number[]; lost: number[] }> {
    return renewLeases(this.ws.db, agent.id, held, this.opts.leaseMs);
  }

  /** Leases nobody renewed in time go back to the queue (see reaper.ts). */
  reap(): Promise<void> {
    return reap(this.ctx, this.serverJobs);
  }

  /** The job an agent may act on with this lease token, or the reason it may not. */
  leasedJob(agent: AgentRow, jobId: number, leaseToken: string): Promise<JobRow> {
    return leasedJob(this.ctx, agent, jobId, leaseToken);
  }

  result(agent: AgentRow, jobId: number, body: ResultBody): Promise<ResultOutcome> {
    return result(this.ctx, this.finishing, agent, jobId, body);
  }

  /** Runs the server's ready jobs (publish) until there are none; one loop at a time per process. */
  kickServerJobs(): void {
    this.serverJobs.kick();
  }

  // ---- users ----

  /** See cancelJob in control.ts. */
  cancelJob(jobId: number): Promise<JobRow["status"]> {
    return cancelJob(this.ctx, this.serverJobs, jobId);
  }

  cancelRequest(requestId: number): Promise<void> {
    return cancelRequest(this.ctx, this.serverJobs, requestId);
  }

  /** See approve in control.ts. */
  approve(jobId: number, by: string): Promise<JobRow[]> {
    return approve(this.ctx, jobId, by);
  }

  /** Ends a run that waits for an approval `kiln build` was not given (see control.ts). */
  endAwaitingApproval(
    requestId: number,
    pkg: string,
  ): Promise<{ build: number | null; stage: string } | undefined> {
    return endAwaitingApproval(this.ctx, requestId, pkg);
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
