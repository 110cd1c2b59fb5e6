// The farm's coordinator inside `kiln serve`: turns submissions into jobs, leases ready jobs to
// agents (deciding at lease time what each build's root holds, or that it is up to date), takes
// their results, publishes green builds, and requeues the jobs of agents that went silent. All
// state is in the database; what is kept in memory is only a cache of it, rebuilt on start.
import { EventEmitter } from "node:events";
import { existsSync, lstatSync } from "node:fs";
import { join } from "node:path";
import { loadSetConfig } from "../config/set-config.js";
import { formatEvr } from "../core/rpmvercmp.js";
import { labelsMatch, type Labels } from "../core/labels.js";
import { remainingChain } from "../core/plan.js";
import { decide, jobMode, type SandboxMode } from "../core/sandbox-policy.js";
import { hostMatcher } from "../core/providers.js";
import { createBuild, finishBuild, getBuild, lastDurations, setBuildStages } from "../db/builds.js";
import type { DialectKind } from "../db/dialect.js";
import { agentIsDisabled, setAgentSandbox } from "../db/tokens.js";
import { expireLeases, graceLeases, renewLeases } from "../db/leases.js";
import {
  activeJobs,
  claimJob,
  finishJob,
  getJob,
  lockFirst,
  readyJobs,
  runJobs,
  settleDependents,
} from "../db/jobs.js";
import { closeRequestIfDone, insertRequest, type NewJob } from "../db/requests.js";
import type { Kysely } from "kysely";
import type { AgentRow, BuildRow, Database, JobRow, NewArtifact } from "../db/schema.js";
import {
  earlyCutoffOf,
  graphErrors,
  loadGraph,
  modeOf,
  pipelineOf,
  type LoadedGraph,
} from "../build/load-graph.js";
import { planRun } from "../build/plan-run.js";
import { isUpToDate, prepareBuild, whyNotUpToDate } from "../build/prepare-build.js";
import { checkCutoff } from "../build/cutoff.js";
import { Publisher } from "../build/publisher.js";
import type { Workspace } from "../build/workspace.js";
import type { BuildTrigger, LeasedJob, RequestCause, ResultBody } from "../api/schemas.js";
import { planChange, type ChangePlan } from "../core/flow.js";
import type { JobDef } from "../core/pipeline.js";
import type { RootPackage } from "../buildroot/buildroot-cache.js";
import type { BuildInputs } from "../build/inputs.js";
import { sha256File } from "../util/hash.js";
import { sha256Regular } from "../util/safe-fs.js";
import { HttpError } from "./http-error.js";
import { pipelineJobs } from "./pipeline-jobs.js";
import { artifactRows, ResultRefusedError } from "./result-artifacts.js";
import { Repositories } from "./repositories.js";
import { logNameOf } from "./job-logs.js";
export { logNameOf };

export interface FarmOptions {
  /** An agent that has not renewed a lease for this long loses it, and the job is requeued. */
  leaseMs: number;
  /** Labels every job asks of an agent (kiln.yaml build.labels, else the server's own arch and os). */
  jobLabels: Labels;
  log?: (line: string) => void;
}

interface Publishing {
  job: JobRow;
  ms: number;
}

export class Farm {
  graph!: LoadedGraph;
  publisher!: Publisher;
  /** Promotions, demotions, and keeping the other repositories' snapshots written. */
  readonly repositories = new Repositories(this);
  /** "change" when a job changes state (wakes waiting leases and followers); "log:ID" when a log grows. */
  readonly events = new EventEmitter();
  private readonly publishing = new Map<number, Publishing>();
  private readonly finishing = new Map<number, Promise<{ status: JobRow["status"]; duplicate: boolean }>>();
  private active = new Set<string>();
  /** The loop running the server's own jobs (publish), and whether to look again when it ends. */
  private serverLoop: Promise<void> | undefined;
  private serverAgain = false;
  /** Server jobs this process is running: their leases are renewed by the reaper's tick. */
  private readonly serverHeld = new Set<number>();
  private reaper: NodeJS.Timeout | undefined;
  /** The set's load under way, and the one that follows it (callers during a load share it). */
  private loading: Promise<LoadedGraph> | undefined;
  private nextLoad: Promise<LoadedGraph> | undefined;
  private loadedAt = 0;
  private closing = false;
  private isHost: (name: string) => boolean;

  constructor(
    readonly ws: Workspace,
    readonly kind: DialectKind,
    readonly opts: FarmOptions,
  ) {
    this.events.setMaxListeners(0);
    this.isHost = hostMatcher(ws.config.host.provides);
  }

  get repo(): string {
    return this.ws.config.repositories[0]!.name;
  }

  async open(): Promise<void> {
    const db = this.ws.db;
    // Builds left running with no job of their run still to come were cut off by a crash of this
    // server. Leased jobs belong to agents that may still be building: they get a full lease time
    // to reconnect.
    await db
      .updateTable("builds")
      .set({
        status: "cancelled",
        error: "interrupted: the server stopped",
        finished_at: new Date().toISOString(),
      })
      .where("status", "=", "running")
      .where("id", "not in", (q) =>
        q
          .selectFrom("jobs")
          .select("build_id")
          .where("status", "in", ["queued", "leased"])
          .where("build_id", "is not", null),
      )
      .execute();
    const graced = await graceLeases(db, this.opts.leaseMs);
    if (graced > 0) this.say(`${graced} job(s) leased before the restart: waiting for their agents`);
    await this.reloadGraph();
    this.publisher = new Publisher(
      { db, data: this.ws.data, store: this.ws.store, config: this.ws.config },
      this.repo,
      this.graph.graph.packages,
      this.graph.index,
      {
        busy: () => false,
        coming: (source) => this.active.has(source),
        published: (pkg, id) => this.published(id),
        refused: (pkg, id, message) => this.refused(id, message),
        snapshot: (e) => this.say(`published ${e.repo} snapshot ${e.snapshot} (${e.packages} RPMs)`),
      },
    );
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
    await this.serverLoop;
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
  async runsUnderWay(names: string[]): Promise<{ package: string; request: number; job: number }[]> {
    const active = await activeJobs(this.ws.db);
    return names.flatMap((p) => {
      const j = active.get(p);
      return j ? [{ package: p, request: j.request_id, job: j.id }] : [];
    });
  }

  /**
   * Cancels these runs (kiln rebuild --replace: a run that is stuck, or that a maintainer wants
   * started again), the server-held publication included; written to the server's log.
   */
  async cancelRuns(runs: { package: string; request: number; job: number }[], by: string): Promise<void> {
    for (const r of runs) {
      await this.cancelJob(r.job);
      this.say(`audit: ${by} cancelled the run of ${r.package} in request ${r.request}, to rebuild it`);
    }
  }

  /**
   * Plans a build and queues its jobs: `targets` and what they need (everything not up to date
   * when empty), `forced` rebuilt even when up to date; for a change or a rebuild with its
   * downstream, what may rebuild below them (`downstream`, per planChange) joins the targets.
   */
  async submit(r: {
    targets: string[];
    forced?: string[];
    downstream?: "modes" | "all" | "none";
    createdBy: string;
    cause?: RequestCause;
    /** See insertRequest: taken in the same transaction as the request, or nothing is queued. */
    claim?: (tx: Kysely<Database>) => Promise<boolean>;
  }): Promise<number> {
    const ws = this.ws;
    const g = await this.reloadGraph();
    const unknown = r.targets.filter((t) => !g.graph.names.includes(t));
    if (unknown.length > 0) {
      throw new HttpError(404, `no package named ${unknown.join(", ")} in the set`, "PACKAGE_UNKNOWN");
    }
    const known = await lastDurations(ws.db);
    const targets =
      r.downstream && r.downstream !== "none" && r.targets.length > 0
        ? this.planChange(r.targets, r.downstream, known).packages
        : r.targets;
    const forced = r.forced ?? [];
    const errors = graphErrors(g);
    const plan = await planRun(ws, g, this.publisher.view, errors, {
      targets,
      forced: new Set(forced),
      isHost: this.isHost,
      hashes: new Map(),
    });
    const active = await activeJobs(ws.db);
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
      labels: this.opts.jobLabels,
    });
    const upToDate = plan.names.filter((n) => plan.state.get(n) === "up-to-date");
    const sandbox = this.sandboxMode();
    const { id } = await insertRequest(ws.db, {
      targets,
      forced,
      createdBy: r.createdBy,
      upToDate,
      jobs: jobs.map((j) => ({ ...j, sandbox })),
      cause: r.cause ?? { kind: "submit" },
      ...(r.claim ? { claim: r.claim } : {}),
    });
    await this.refreshActive();
    this.changed();
    return id;
  }

  /**
   * Queues `count` jobs that each run a shell command on an agent (no package build), in the
   * sandbox like a build; `unsandboxed` (an admin's choice, checked by the caller) runs them
   * without it, on agents whose policy allows that, and is written to the server's log.
   */
  async submitCommands(
    command: string,
    count: number,
    createdBy: string,
    o: { unsandboxed?: boolean } = {},
  ): Promise<number> {
    const unsandboxed = o.unsandboxed === true;
    const jobs: NewJob[] = Array.from({ length: count }, (_, i) => ({
      key: String(i),
      package: "(command)",
      command,
      reason: unsandboxed ? "command submitted, to run without the sandbox" : "command submitted",
      labels: { ...this.opts.jobLabels },
      priority: 0,
      needs: [],
      needsJobs: [],
      sandbox: unsandboxed ? "off" : this.sandboxMode(),
    }));
    const { id } = await insertRequest(this.ws.db, {
      targets: [],
      forced: [],
      createdBy,
      upToDate: [],
      jobs,
      cause: { kind: "command", command, unsandboxed },
    });
    if (unsandboxed) {
      this.say(
        `audit: ${createdBy} queued ${count} command job(s) WITHOUT the sandbox (request ${id}): ${JSON.stringify(command)}`,
      );
    }
    this.changed();
    return id;
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
    if (!this.loading) return this.startLoad();
    this.nextLoad ??= this.loading
      .catch(() => undefined)
      .then(() => {
        this.nextLoad = undefined;
        return this.startLoad();
      });
    return this.nextLoad;
  }

  private startLoad(): Promise<LoadedGraph> {
    const p = loadGraph(this.ws)
      .then((g) => {
        this.graph = g;
        this.loadedAt = Date.now();
        return g;
      })
      .finally(() => {
        if (this.loading === p) this.loading = undefined;
      });
    this.loading = p;
    return p;
  }

  /**
   * The loaded set for readers (GET /plan): what was loaded last, with a load started in the
   * background when it is older than `maxAgeMs`. A reader never waits for specs to be read.
   */
  currentGraph(maxAgeMs = 5000): LoadedGraph {
    if (Date.now() - this.loadedAt > maxAgeMs && !this.loading) {
      this.reloadGraph().catch((e: unknown) => this.say(`reading the set failed: ${(e as Error).message}`));
    }
    return this.graph;
  }

  /** The sandbox mode the farm's jobs run in: its policy, tightened by kiln.yaml's build.sandbox. */
  sandboxMode(): SandboxMode {
    return jobMode(this.ws.sandboxState.policy, this.ws.config.build.sandbox);
  }

  /** A job's mode: "off" when an admin asked for it, else the farm's as it is now (never looser). */
  private modeOfJob(job: Pick<JobRow, "sandbox">): SandboxMode {
    return job.sandbox === "off" ? "off" : this.sandboxMode();
  }

  /** What a change to (or a rebuild of) `changed` would rebuild, by the set's rebuild modes. */
  planChange(
    changed: string[],
    downstream: "modes" | "all" | "none",
    durations: Map<string, number>,
  ): ChangePlan {
    const g = this.graph;
    return planChange(changed, {
      rdeps: g.graph.rdeps,
      order: g.graph.order,
      modeOf: modeOf(this.ws, g),
      durations,
      downstream,
    });
  }

  // ---- leasing ----

  /** Up to `free` jobs for this agent; waits up to `waitMs` for one when none is ready. */
  async lease(
    agent: AgentRow,
    free: number,
    waitMs: number,
    sandbox?: { policy: SandboxMode; available: boolean },
  ): Promise<LeasedJob[]> {
    const deadline = Date.now() + waitMs;
    if (sandbox) await setAgentSandbox(this.ws.db, agent, JSON.stringify(sandbox));
    const labels = JSON.parse(agent.labels) as Labels;
    // An agent is offered only jobs it would run: not one that asks for less sandbox than its
    // policy, nor one that requires the sandbox where bubblewrap does not work.
    const takes = (j: JobRow): boolean =>
      !sandbox || !("refuse" in decide(this.modeOfJob(j), sandbox.policy, sandbox.available));
    const out: LeasedJob[] = [];
    for (;;) {
      while (out.length < free && !this.closing) {
        // A long poll outlives the credential check: an agent disabled meanwhile gets nothing more.
        if (await agentIsDisabled(this.ws.db, agent.id)) return out;
        const job = await this.claim(agent, labels, takes);
        if (!job) break;
        const leased = await this.prepare(job);
        if (leased) out.push(leased);
      }
      const left = deadline - Date.now();
      if (out.length > 0 || left <= 0 || this.closing) return out;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(t);
          this.events.off("change", done);
          resolve();
        };
        const t = setTimeout(done, Math.min(left, 1000));
        this.events.once("change", done);
      });
    }
  }

  private async claim(
    agent: AgentRow,
    labels: Labels,
    takes: (j: JobRow) => boolean,
  ): Promise<JobRow | undefined> {
    return this.ws.db.transaction().execute(async (tx) => {
      const ready = await readyJobs(tx, 200);
      const matching = ready
        .filter((j) => labelsMatch(labels, JSON.parse(j.labels) as Labels) && takes(j))
        .map((j) => j.id);
      // Another server may take the first; the conditional UPDATE makes sure only one wins.
      for (let tries = 0; tries < 3; tries++) {
        const id = await lockFirst(tx, this.kind, matching);
        if (id === undefined) return undefined;
        const claimed = await claimJob(tx, id, agent.id, this.opts.leaseMs);
        if (claimed) return claimed;
        matching.splice(matching.indexOf(id), 1);
      }
      return undefined;
    });
  }

  /** What the agent needs to run a claimed job; undefined when it needs no run after all. */
  private async prepare(job: JobRow): Promise<LeasedJob | undefined> {
    const ws = this.ws;
    const db = ws.db;
    const token = job.lease_token!;
    if (job.command !== null) {
      return {
        job: job.id,
        command: job.command,
        stage: "",
        logName: "command.log",
        inputs: [],
        rpmlint: "off",
        build: 0,
        leaseToken: token,
        leaseSeconds: this.opts.leaseMs / 1000,
        package: job.package,
        specFile: "",
        dist: "",
        files: [],
        rootPackages: [],
        sandbox: this.modeOfJob(job),
        maxLogBytes: ws.maxLogBytes,
      };
    }
    let build: BuildRow | undefined;
    try {
      const pkg = this.graph.graph.packages.get(job.package);
      if (!pkg) {
        await this.endRun(job, "failed", `${job.package} is no longer in the set`);
        return undefined;
      }
      build = job.build_id !== null ? await getBuild(db, job.build_id) : await this.startRun(job);
      if (!build) return undefined;
      const def = JSON.parse(job.definition!) as JobDef;
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
      const inputs: LeasedJob["inputs"] = [];
      if (job.stage > 0) {
        const rows = await db
          .selectFrom("artifacts as a")
          .leftJoin("jobs as j", "j.id", "a.job_id")
          .select(["a.filename", "a.sha256", "a.kind", "j.stage"])
          .where("a.build_id", "=", build.id)
          .where("a.kind", "in", ["rpm", "file"])
          .execute();
        for (const r of rows) {
          if (r.stage !== null && r.stage >= job.stage) continue;
          inputs.push({ filename: r.filename, sha256: r.sha256, kind: r.kind === "rpm" ? "rpm" : "file" });
        }
      }
      this.changed();
      return {
        job: job.id,
        build: build.id,
        leaseToken: token,
        leaseSeconds: this.opts.leaseMs / 1000,
        package: pkg.name,
        specFile: pkg.specFile,
        dist: ws.config.dist,
        files,
        rootPackages: rootOf(build),
        sandbox: this.sandboxMode(),
        maxLogBytes: ws.maxLogBytes,
        stage: job.stage_name,
        definition: def,
        logName: logNameOf(job),
        inputs,
        rpmlint: ws.config.build.rpmlint,
      };
    } catch (e) {
      const error = `the server could not prepare the build: ${(e as Error).message}`;
      // The build the run started ends with it, saying why; it is never left running.
      if (build?.status === "running") await finishBuild(db, build.id, "failed", 0, error);
      await this.endRun(job, "failed", error);
      return undefined;
    }
  }

  /**
   * The first job of a package's run to be leased decides for the whole run: there is nothing to
   * do (up to date), it cannot build (its build root cannot be filled), or there is a new build,
   * which every job of the run belongs to. Decided from what the repository holds now.
   */
  private async startRun(job: JobRow): Promise<BuildRow | undefined> {
    const ws = this.ws;
    const db = ws.db;
    const pkg = this.graph.graph.packages.get(job.package)!;
    const view = this.publisher.view;
    const prepared = await prepareBuild(ws, view, pkg, this.isHost, new Map());
    if (prepared.unsatisfied.length > 0) {
      const what = prepared.unsatisfied.map((u) =>
        u.neededBy ? `${u.requirement} (required by ${u.neededBy})` : u.requirement,
      );
      await this.endRun(
        job,
        "failed",
        `cannot fill the build root: nothing in ${this.repo} provides ${what.join(", ")}`,
      );
      return undefined;
    }
    const request = await db
      .selectFrom("requests")
      .selectAll()
      .where("id", "=", job.request_id)
      .executeTakeFirstOrThrow();
    const forced = (JSON.parse(request.forced) as string[]).includes(job.package);
    const last = await latestGreen(ws, job.package);
    if (!forced && isUpToDate(last, prepared, view)) {
      await this.endRun(job, "up-to-date", null);
      return undefined;
    }
    const reason = forced ? "rebuild requested" : whyNotUpToDate(last, prepared, view);
    // Why it started, for following the chain back: the request's cause, and the builds of what
    // it needs that published new output in this flow.
    const publishers = await db
      .selectFrom("job_deps as d")
      .innerJoin("jobs as j", "j.id", "d.dep_job_id")
      .select(["j.package", "j.build_id"])
      .where("d.job_id", "=", job.id)
      .where("j.status", "=", "green")
      .where("j.build_id", "is not", null)
      .orderBy("j.package")
      .execute();
    const trigger: BuildTrigger = {
      request: job.request_id,
      cause: request.cause ? (JSON.parse(request.cause) as RequestCause) : null,
      upstream: publishers.map((u) => ({ package: u.package, build: u.build_id! })),
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
    const r = await db
      .updateTable("jobs")
      .set({ build_id: buildId, reason, updated_at: new Date().toISOString() })
      .where("request_id", "=", job.request_id)
      .where("package", "=", job.package)
      .where("build_id", "is", null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) {
      await db.deleteFrom("builds").where("id", "=", buildId).execute();
      const again = await getJob(db, job.id);
      return again?.build_id != null ? getBuild(db, again.build_id) : undefined;
    }
    return getBuild(db, buildId);
  }

  /**
   * Ends every job of `job`'s package run that has not ended (up to date, or failed before it
   * could build); what depends on a failed package is blocked by it.
   */
  private async endRun(job: JobRow, status: "failed" | "up-to-date", error: string | null): Promise<void> {
    const db = this.ws.db;
    const run = await runJobs(db, job.request_id, job.package);
    for (const j of run) {
      if (j.status !== "queued" && j.status !== "leased") continue;
      await finishJob(
        db,
        j.id,
        status,
        error,
        j.status === "leased" ? (j.lease_token ?? undefined) : undefined,
      );
    }
    if (status === "failed") {
      const publish = run.find((j) => j.runs_on === "server");
      if (publish) await settleDependents(db, publish.id, "blocked", `${job.package} failed`);
    }
    await closeRequestIfDone(db, job.request_id);
    await this.refreshActive();
    this.changed();
  }

  async heartbeat(
    agent: AgentRow,
    held: { job: number; leaseToken: string }[],
  ): Promise<{ cancel: number[]; lost: number[] }> {
    return renewLeases(this.ws.db, agent.id, held, this.opts.leaseMs);
  }

  /**
   * Leases nobody renewed in time: their jobs go back to the queue. When the lost job was the only
   * one of its package's run under way or done, the run's build is marked lost and the next lease
   * starts a new one; otherwise the run goes on with its build.
   */
  async reap(): Promise<void> {
    const db = this.ws.db;
    // The server's own jobs in progress here keep their leases.
    if (this.serverHeld.size > 0) {
      await db
        .updateTable("jobs")
        .set({ lease_expires_at: new Date(Date.now() + this.opts.leaseMs).toISOString() })
        .where("id", "in", [...this.serverHeld])
        .where("status", "=", "leased")
        .execute();
    }
    await this.withdrawCancelledPublishes();
    const expired = await expireLeases(db);
    for (const j of expired) {
      let what: string;
      if (j.agent_id === null) what = "the server publishing it stopped";
      else {
        const agent = await db
          .selectFrom("agents")
          .select("name")
          .where("id", "=", j.agent_id)
          .executeTakeFirst();
        what = `agent ${agent?.name ?? j.agent_id} stopped responding (no heartbeat for ${this.opts.leaseMs / 1000} s)`;
      }
      if (j.build_id !== null && j.runs_on === "agent" && !j.cancel_requested) {
        const others = (await runJobs(db, j.request_id, j.package)).filter(
          (x) => x.id !== j.id && x.runs_on === "agent" && (x.status === "leased" || x.status === "green"),
        );
        if (others.length === 0) {
          await finishBuild(db, j.build_id, "cancelled", 0, `lost: ${what}; the job was requeued`);
          await db
            .updateTable("jobs")
            .set({ build_id: null })
            .where("request_id", "=", j.request_id)
            .where("package", "=", j.package)
            .execute();
        }
      }
      if (j.cancel_requested) {
        if (j.build_id !== null) await finishBuild(db, j.build_id, "cancelled", 0, "cancelled");
        await this.settleRun(j, "cancelled", `${j.package} was cancelled`);
      }
      this.say(`job ${j.id} (${j.package}): ${what}; ${j.cancel_requested ? "cancelled" : "requeued"}`);
      await closeRequestIfDone(db, j.request_id);
    }
    if (expired.length > 0) {
      await this.refreshActive();
      this.changed();
      this.kickServerJobs();
    }
  }

  /**
   * The run's jobs still queued get `status` with `why`; what depends on the package is settled
   * with it (blocked when it failed), saying `dependentsWhy`.
   */
  private async settleRun(
    job: JobRow,
    status: "cancelled" | "failed",
    why: string,
    dependentsWhy = why,
  ): Promise<void> {
    const db = this.ws.db;
    const run = await runJobs(db, job.request_id, job.package);
    for (const x of run) if (x.status === "queued") await finishJob(db, x.id, status, why);
    const publish = run.find((x) => x.runs_on === "server");
    if (publish) {
      await settleDependents(db, publish.id, status === "failed" ? "blocked" : "cancelled", dependentsWhy);
    }
  }

  /**
   * Publications parked in this process whose job was cancelled (here, or on another server sharing
   * the database) are withdrawn: never published, their jobs and builds cancelled.
   */
  private async withdrawCancelledPublishes(): Promise<void> {
    if (this.publishing.size === 0) return;
    const db = this.ws.db;
    const byJob = new Map([...this.publishing].map(([buildId, p]) => [p.job.id, { buildId, job: p.job }]));
    const rows = await db
      .selectFrom("jobs")
      .select(["id", "cancel_requested", "status"])
      .where("id", "in", [...byJob.keys()])
      .execute();
    for (const r of rows) {
      if (!r.cancel_requested && r.status !== "cancelled") continue;
      const { buildId, job } = byJob.get(r.id)!;
      if (!(await this.publisher.withdraw(job.package, buildId))) continue;
      this.publishing.delete(buildId);
      await finishJob(db, job.id, "cancelled", "cancelled");
      await finishBuild(db, buildId, "cancelled", 0, "cancelled before it was published");
      await settleDependents(db, job.id, "cancelled", `${job.package} was cancelled`);
      await closeRequestIfDone(db, job.request_id);
      this.say(`job ${job.id} (publish ${job.package}): cancelled; build ${buildId} will not be published`);
      await this.refreshActive();
      this.changed();
    }
  }

  /** Asks the agents running the run's leased jobs to stop them; says whether there were any. */
  private async stopLeased(run: JobRow[]): Promise<boolean> {
    const leased = run.filter((j) => j.status === "leased" && j.runs_on === "agent");
    for (const j of leased) {
      await this.ws.db.updateTable("jobs").set({ cancel_requested: 1 }).where("id", "=", j.id).execute();
    }
    return leased.length > 0;
  }

  /** The job an agent may act on with this lease token, or the reason it may not. */
  async leasedJob(agent: AgentRow, jobId: number, leaseToken: string): Promise<JobRow> {
    const job = await getJob(this.ws.db, jobId);
    if (!job) throw new HttpError(404, `no job ${jobId}`, "NOT_FOUND");
    if (job.agent_id !== agent.id || job.lease_token !== leaseToken || job.status !== "leased") {
      throw new HttpError(
        409,
        `job ${jobId} is not leased to this agent under that lease (it is ${job.status}${job.status === "queued" ? ": its lease expired and it was requeued" : ""})`,
        "LEASE_LOST",
      );
    }
    return job;
  }

  // ---- results ----

  async result(
    agent: AgentRow,
    jobId: number,
    body: ResultBody,
  ): Promise<{ status: JobRow["status"]; duplicate: boolean }> {
    const job = await getJob(this.ws.db, jobId);
    if (!job) throw new HttpError(404, `no job ${jobId}`, "NOT_FOUND");
    // A retried report of a result already taken: harmless, answered the same way.
    if (job.lease_token === body.leaseToken && job.agent_id === agent.id && job.status !== "leased") {
      return { status: job.status, duplicate: true };
    }
    const inFlight = this.finishing.get(jobId);
    if (inFlight && job.lease_token === body.leaseToken) return { ...(await inFlight), duplicate: true };
    await this.leasedJob(agent, jobId, body.leaseToken);
    const p = job.command !== null ? this.commandResult(job, body) : this.takeResult(agent, job, body);
    this.finishing.set(jobId, p);
    try {
      return await p;
    } finally {
      this.finishing.delete(jobId);
    }
  }

  private async commandResult(
    job: JobRow,
    body: ResultBody,
  ): Promise<{ status: JobRow["status"]; duplicate: boolean }> {
    const status = body.ok ? "green" : body.cancelled ? "cancelled" : "failed";
    await finishJob(this.ws.db, job.id, status, body.ok ? null : (body.error ?? "failed"), job.lease_token!);
    await closeRequestIfDone(this.ws.db, job.request_id);
    this.changed();
    return { status, duplicate: false };
  }

  private async takeResult(
    agent: AgentRow,
    job: JobRow,
    body: ResultBody,
  ): Promise<{ status: JobRow["status"]; duplicate: boolean }> {
    const ws = this.ws;
    const db = ws.db;
    const buildId = job.build_id!;
    // Every artifact named must be in the store with its checksum (each was verified on upload;
    // verified again here, since the store is on disk and disks rot).
    for (const a of body.artifacts) {
      if (!(await ws.store.has(a.sha256))) {
        throw new HttpError(422, `artifact ${a.filename} (${a.sha256}) was not uploaded`, "ARTIFACT_MISSING");
      }
      const actual = await sha256File(ws.store.path(a.sha256));
      if (actual !== a.sha256) {
        throw new HttpError(
          422,
          `stored ${a.filename} does not match its sha256: upload it again`,
          "CHECKSUM",
        );
      }
    }
    // Until it is decided, the lease does not expire (the agent has finished and stops renewing).
    await db
      .updateTable("jobs")
      .set({ lease_expires_at: null })
      .where("id", "=", job.id)
      .where("lease_token", "=", job.lease_token)
      .execute();
    const def = JSON.parse(job.definition!) as JobDef;
    const isBuild = def.steps.some((s) => s.kind === "rpmbuild");
    let rows: NewArtifact[];
    try {
      const build = await getBuild(db, buildId);
      rows = await artifactRows(
        ws,
        {
          buildId,
          jobId: job.id,
          leaseToken: job.lease_token!,
          pkg: job.package,
          evr: build ? versionRelease(build.evr) : undefined,
          isBuild,
        },
        body.artifacts,
      );
    } catch (e) {
      if (!(e instanceof ResultRefusedError)) throw e;
      const who = (await db.selectFrom("agents").select("name").where("id", "=", agent.id).executeTakeFirst())
        ?.name;
      const error = `the result of agent ${who ?? agent.id} was refused: ${e.message}`;
      this.say(`job ${job.id} (${job.package}): ${error}`);
      await this.failRun(job, { cancelled: false, error, durationMs: body.durationMs });
      throw new HttpError(422, e.message, "RESULT_REFUSED");
    }
    await db.transaction().execute(async (tx) => {
      // A job run again (its first agent was lost) replaces what it made the first time.
      await tx.deleteFrom("artifacts").where("build_id", "=", buildId).where("job_id", "=", job.id).execute();
      if (rows.length > 0) await tx.insertInto("artifacts").values(rows).execute();
      await tx
        .updateTable("jobs")
        .set({ steps: JSON.stringify(body.steps) })
        .where("id", "=", job.id)
        .execute();
      if (isBuild) {
        await tx
          .updateTable("builds")
          .set({ steps: JSON.stringify(body.steps), ...(body.sandbox ? { sandbox: body.sandbox } : {}) })
          .where("id", "=", buildId)
          .execute();
      }
    });
    if (body.ok && isBuild && !rows.some((r) => r.kind === "rpm")) {
      body = { ...body, ok: false, error: "the agent reported success but uploaded no binary RPM" };
    }
    if (!body.ok) return this.failRun(job, body);
    await finishJob(db, job.id, "green", null, job.lease_token!);
    await closeRequestIfDone(db, job.request_id);
    this.changed();
    this.kickServerJobs();
    return { status: "green", duplicate: false };
  }

  /** A job of a package's run failed (or was cancelled): the run ends, what depends on it is blocked. */
  private async failRun(
    job: JobRow,
    body: Pick<ResultBody, "cancelled" | "error" | "durationMs">,
  ): Promise<{ status: JobRow["status"]; duplicate: boolean }> {
    const db = this.ws.db;
    const buildId = job.build_id!;
    const status = body.cancelled ? "cancelled" : "failed";
    const error = body.cancelled ? "cancelled" : (body.error ?? "failed");
    await finishJob(db, job.id, status, error, job.lease_token!);
    const run = await runJobs(db, job.request_id, job.package);
    const where = `${job.stage_name}/${job.name}`;
    // The error of the build is the job's, named by stage and job when the pipeline has others.
    const agentJobs = run.filter((j) => j.runs_on === "agent").length;
    await finishBuild(db, buildId, status, body.durationMs, agentJobs > 1 ? `${where}: ${error}` : error);
    const what = body.cancelled ? "was cancelled" : "failed";
    await this.stopLeased(run);
    await this.settleRun(job, status, `${where} ${what}`, `${job.package} ${what}`);
    await closeRequestIfDone(db, job.request_id);
    await this.refreshActive();
    this.changed();
    return { status, duplicate: false };
  }

  // ---- what the server runs itself: publishing ----

  /** Runs the server's ready jobs (publish) until there are none; one loop at a time per process. */
  kickServerJobs(): void {
    if (this.serverLoop) {
      this.serverAgain = true;
      return;
    }
    this.serverLoop = (async () => {
      do {
        this.serverAgain = false;
        for (;;) {
          if (this.closing) return;
          const ready = await readyJobs(this.ws.db, 50, "server");
          if (ready.length === 0) break;
          let ran = 0;
          for (const j of ready) {
            const claimed = await this.ws.db.transaction().execute(async (tx) => {
              const id = await lockFirst(tx, this.kind, [j.id]);
              return id === undefined ? undefined : claimJob(tx, id, null, this.opts.leaseMs);
            });
            if (!claimed) continue;
            ran++;
            this.serverHeld.add(claimed.id);
            try {
              await this.publishRun(claimed);
            } catch (e) {
              this.say(`job ${claimed.id} (publish ${claimed.package}): ${(e as Error).message}`);
            } finally {
              this.serverHeld.delete(claimed.id);
            }
          }
          if (ran === 0) break;
        }
      } while (this.serverAgain);
    })()
      .catch((e: unknown) => this.say(`publishing: ${(e as Error).message}`))
      .finally(() => {
        this.serverLoop = undefined;
      });
  }

  /**
   * Publishes a package's build (the publish job of its run), or cuts it off: an output equivalent
   * to the published one is not published, and what depends on it finds its inputs unchanged.
   */
  private async publishRun(job: JobRow): Promise<void> {
    const ws = this.ws;
    const db = ws.db;
    const build = job.build_id !== null ? await getBuild(db, job.build_id) : undefined;
    if (!build) {
      await this.endRun(job, "failed", "nothing was built to publish");
      return;
    }
    const ms = Date.now() - Date.parse(build.started_at ?? build.created_at);
    const run = await runJobs(db, job.request_id, job.package);
    const stages = [...new Set(run.filter((j) => j.runs_on === "agent").map((j) => j.stage_name))];
    await setBuildStages(
      db,
      build.id,
      stages.filter((s) => run.filter((j) => j.stage_name === s).every((j) => j.status === "green")),
    );
    const rpms = await db
      .selectFrom("artifacts")
      .select("sha256")
      .where("build_id", "=", build.id)
      .where("kind", "=", "rpm")
      .execute();
    const cut = await checkCutoff(
      ws,
      this.publisher.view,
      job.package,
      rpms.map((r) => ws.store.path(r.sha256)),
    );
    if (cut?.comparison.equivalent) {
      const same = `${job.package} (build ${build.id}): same output as build ${cut.published}`;
      if (!earlyCutoffOf(ws, this.graph)(job.package)) {
        this.say(`${same}, published as early-cutoff is false`);
      } else {
        await finishBuild(db, build.id, "green", ms, null, cut.published);
        await finishJob(db, job.id, "cut-off", null, job.lease_token!);
        await closeRequestIfDone(db, job.request_id);
        await this.refreshActive();
        this.changed();
        this.say(`${same}; cut off`);
        // A damaged file a scrub took out may be back in the store: the snapshots that lag follow.
        await this.publisher.exclusive(() => Promise.resolve());
        void this.repositories.catchUp();
        return;
      }
    }
    this.publishing.set(build.id, { job, ms });
    await this.publisher.publish(job.package, build.id);
    void this.repositories.catchUp();
  }

  private async published(buildId: number): Promise<void> {
    const p = this.publishing.get(buildId);
    this.publishing.delete(buildId);
    if (!p) return;
    const db = this.ws.db;
    await finishBuild(db, buildId, "green", p.ms, null);
    await finishJob(db, p.job.id, "green", null, p.job.lease_token!);
    await closeRequestIfDone(db, p.job.request_id);
    await this.refreshActive();
    this.changed();
  }

  private async refused(buildId: number, message: string): Promise<void> {
    const p = this.publishing.get(buildId);
    this.publishing.delete(buildId);
    if (!p) return;
    const db = this.ws.db;
    await finishBuild(db, buildId, "failed", p.ms, message);
    await finishJob(db, p.job.id, "failed", message, p.job.lease_token!);
    await settleDependents(db, p.job.id, "blocked", `${p.job.package} failed`);
    await closeRequestIfDone(db, p.job.request_id);
    await this.refreshActive();
    this.changed();
  }

  // ---- cancelling and approving ----

  /**
   * Cancels a package's run (the jobs of `jobId`'s package in its request): queued jobs at once,
   * leased ones through their agent's next heartbeat; what depends on the package is cancelled too.
   * Says where the job now stands.
   */
  async cancelJob(jobId: number): Promise<JobRow["status"]> {
    const db = this.ws.db;
    const job = await getJob(db, jobId);
    if (!job) throw new HttpError(404, `no job ${jobId}`, "NOT_FOUND");
    const run = job.command !== null ? [job] : await runJobs(db, job.request_id, job.package);
    const leased = await this.stopLeased(run);
    // A publication the server holds (parked until what it requires is built) is taken back.
    const publish = run.find((j) => j.runs_on === "server" && j.status === "leased");
    if (publish) {
      await db.updateTable("jobs").set({ cancel_requested: 1 }).where("id", "=", publish.id).execute();
      await this.withdrawCancelledPublishes();
    }
    for (const j of run) if (j.status === "queued") await finishJob(db, j.id, "cancelled", "cancelled");
    if (job.command === null && !leased) {
      if (job.build_id !== null) {
        const b = await getBuild(db, job.build_id);
        if (b?.status === "running") await finishBuild(db, b.id, "cancelled", 0, "cancelled");
      }
      await this.settleRun(job, "cancelled", `${job.package} was cancelled`);
    }
    await closeRequestIfDone(db, job.request_id);
    await this.refreshActive();
    this.changed();
    return (await getJob(db, jobId))!.status;
  }

  async cancelRequest(requestId: number): Promise<void> {
    const db = this.ws.db;
    const jobs = await db
      .selectFrom("jobs")
      .select("id")
      .where("request_id", "=", requestId)
      .where("status", "in", ["queued", "leased"])
      .orderBy("id", "desc")
      .execute();
    await db.updateTable("requests").set({ status: "cancelled" }).where("id", "=", requestId).execute();
    for (const j of jobs) await this.cancelJob(j.id);
  }

  /**
   * Approves the stage of `jobId` in its package's run (every job of that stage), for a stage that
   * waits for approval. Returns the stage's jobs.
   */
  async approve(jobId: number, by: string): Promise<JobRow[]> {
    const db = this.ws.db;
    const job = await getJob(db, jobId);
    if (!job) throw new HttpError(404, `no job ${jobId}`, "NOT_FOUND");
    if (job.approval === null) {
      throw new HttpError(
        409,
        `job ${jobId} (${job.stage_name}/${job.name}) does not wait for approval`,
        "NO_APPROVAL",
      );
    }
    if (job.approved_at !== null) {
      throw new HttpError(
        409,
        `stage ${job.stage_name} of ${job.package} was approved by ${job.approved_by} already`,
        "APPROVED",
      );
    }
    if (job.status !== "queued") {
      throw new HttpError(409, `job ${jobId} is ${job.status}: there is nothing to approve`, "NOT_WAITING");
    }
    await db
      .updateTable("jobs")
      .set({ approved_by: by, approved_at: new Date().toISOString(), updated_at: new Date().toISOString() })
      .where("request_id", "=", job.request_id)
      .where("package", "=", job.package)
      .where("stage", "=", job.stage)
      .where("approved_at", "is", null)
      .execute();
    this.say(`stage ${job.stage_name} of ${job.package} (request ${job.request_id}) approved by ${by}`);
    this.changed();
    this.kickServerJobs();
    return (await runJobs(db, job.request_id, job.package)).filter((j) => j.stage === job.stage);
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

async function latestGreen(ws: Workspace, pkg: string): Promise<BuildRow | undefined> {
  return ws.db
    .selectFrom("builds")
    .selectAll()
    .where("package", "=", pkg)
    .where("status", "=", "green")
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
}

/** The RPMs a build's root holds, from its recorded inputs ("filename sha256"). */
function rootOf(build: BuildRow): RootPackage[] {
  const inputs = JSON.parse(build.inputs) as BuildInputs;
  return inputs.root.map((r) => {
    const [filename, sha256] = r.split(" ") as [string, string];
    return { filename, sha256 };
  });
}

/** "1.0-1.kiln" of a build's recorded EVR ("2:1.0-1.kiln" has an epoch first). */
function versionRelease(evr: string): { version: string; release: string } {
  const vr = evr.replace(/^\d+:/, "");
  const dash = vr.lastIndexOf("-");
  return { version: vr.slice(0, dash), release: vr.slice(dash + 1) };
}
