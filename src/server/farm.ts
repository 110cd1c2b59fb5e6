// The farm's coordinator inside `kiln serve`: turns submissions into jobs, leases ready jobs to
// agents (deciding at lease time what each build's root holds, or that it is up to date), takes
// their results, publishes green builds, and requeues the jobs of agents that went silent. All
// state is in the database; what is kept in memory is only a cache of it, rebuilt on start.
import { EventEmitter } from "node:events";
import { mkdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { loadSetConfig } from "../config/set-config.js";
import { formatEvr } from "../core/rpmvercmp.js";
import { labelsMatch, type Labels } from "../core/labels.js";
import { remainingChain } from "../core/plan.js";
import { hostMatcher } from "../core/providers.js";
import { createBuild, finishBuild, lastDurations } from "../db/builds.js";
import type { DialectKind } from "../db/dialect.js";
import {
  activeJobs,
  claimJob,
  closeRequestIfDone,
  expireLeases,
  finishJob,
  getJob,
  graceLeases,
  insertRequest,
  lockFirst,
  readyJobs,
  renewLeases,
  setJobBuild,
  settleDependents,
  type NewJob,
} from "../db/jobs.js";
import type { Kysely } from "kysely";
import type { AgentRow, BuildRow, Database, JobRow, NewArtifact } from "../db/schema.js";
import { queryRpms } from "../rpm/rpm-query.js";
import { graphErrors, loadGraph, modeOf, type LoadedGraph } from "../build/load-graph.js";
import { planRun } from "../build/plan-run.js";
import { isUpToDate, prepareBuild, whyNotUpToDate, type SourceHashes } from "../build/prepare-build.js";
import { checkCutoff } from "../build/cutoff.js";
import { Publisher } from "../build/publisher.js";
import type { Workspace } from "../build/workspace.js";
import type { BuildTrigger, LeasedJob, RequestCause, ResultBody } from "../api/schemas.js";
import { planChange, type ChangePlan } from "../core/flow.js";
import { sha256File } from "../util/hash.js";
import { HttpError } from "./http-error.js";

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
  /** "change" when a job changes state (wakes waiting leases and followers); "log:ID" when a log grows. */
  readonly events = new EventEmitter();
  private readonly publishing = new Map<number, Publishing>();
  private readonly finishing = new Map<number, Promise<{ status: JobRow["status"]; duplicate: boolean }>>();
  private active = new Set<string>();
  private reaper: NodeJS.Timeout | undefined;
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
    // Builds left running with no lease behind them were cut off by a crash of this server. Leased
    // ones belong to agents that may still be building: they get a full lease time to reconnect.
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
          .where("status", "=", "leased")
          .where("build_id", "is not", null),
      )
      .execute();
    const graced = await graceLeases(db, this.opts.leaseMs);
    if (graced > 0) this.say(`${graced} job(s) leased before the restart: waiting for their agents`);
    this.graph = await loadGraph(this.ws);
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
    }, tick);
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
  }

  private say(line: string): void {
    this.opts.log?.(line);
  }

  private changed(): void {
    this.events.emit("change");
  }

  private async refreshActive(): Promise<void> {
    this.active = new Set((await activeJobs(this.ws.db)).keys());
    // A parked build (its Requires were still building) waits no longer once they will not come.
    // Not awaited: refreshActive runs inside publisher hooks, and this queues behind them.
    this.publisher?.reconsider().catch((e: unknown) => this.say(`publishing: ${(e as Error).message}`));
  }

  // ---- submissions ----

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
    this.graph = await loadGraph(ws);
    const g = this.graph;
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
    const jobs: NewJob[] = [];
    for (const name of plan.names) {
      const s = plan.state.get(name);
      const needs = [...(g.graph.order.get(name) ?? [])].filter((d) => d !== name);
      if (s === "pending" && building.has(name)) {
        jobs.push({
          package: name,
          reason: plan.reason.get(name) ?? "requested",
          labels: { ...this.opts.jobLabels },
          priority: chain.get(name) ?? 0,
          needs: needs.filter((d) => building.has(d)),
          needsJobs: needs.filter((d) => active.has(d)).map((d) => active.get(d)!.id),
        });
      } else if (s === "blocked") {
        jobs.push({
          package: name,
          reason: "requested",
          labels: { ...this.opts.jobLabels },
          priority: 0,
          needs: [],
          needsJobs: [],
          final: { status: "blocked", error: `${plan.blockedBy.get(name)!.join(", ")} cannot build` },
        });
      } else if (s === "invalid") {
        const msgs = (errors.get(name) ?? []).map((e) => e.format());
        jobs.push({
          package: name,
          reason: "requested",
          labels: { ...this.opts.jobLabels },
          priority: 0,
          needs: [],
          needsJobs: [],
          final: { status: "failed", error: msgs.join("\n") || "its spec or dependencies are wrong" },
        });
      }
    }
    const upToDate = plan.names.filter((n) => plan.state.get(n) === "up-to-date");
    const { id } = await insertRequest(ws.db, {
      targets,
      forced,
      createdBy: r.createdBy,
      upToDate,
      jobs,
      cause: r.cause ?? { kind: "submit" },
      ...(r.claim ? { claim: r.claim } : {}),
    });
    await this.refreshActive();
    this.changed();
    return id;
  }

  /** Queues `count` jobs that each run a shell command on an agent (no package build). */
  async submitCommands(command: string, count: number, createdBy: string): Promise<number> {
    const jobs: NewJob[] = Array.from({ length: count }, () => ({
      package: "(command)",
      command,
      reason: "command submitted",
      labels: { ...this.opts.jobLabels },
      priority: 0,
      needs: [],
      needsJobs: [],
    }));
    const { id } = await insertRequest(this.ws.db, {
      targets: [],
      forced: [],
      createdBy,
      upToDate: [],
      jobs,
    });
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

  /** The set as it is on disk now (specs and package configs re-read where they changed). */
  async reloadGraph(): Promise<LoadedGraph> {
    this.graph = await loadGraph(this.ws);
    return this.graph;
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
  async lease(agent: AgentRow, free: number, waitMs: number): Promise<LeasedJob[]> {
    const deadline = Date.now() + waitMs;
    const labels = JSON.parse(agent.labels) as Labels;
    const out: LeasedJob[] = [];
    for (;;) {
      while (out.length < free && !this.closing) {
        const job = await this.claim(agent, labels);
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

  private async claim(agent: AgentRow, labels: Labels): Promise<JobRow | undefined> {
    return this.ws.db.transaction().execute(async (tx) => {
      const ready = await readyJobs(tx, 200);
      const matching = ready
        .filter((j) => labelsMatch(labels, JSON.parse(j.labels) as Labels))
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

  /** What the agent needs to build a claimed job; undefined when it needs no build after all. */
  private async prepare(job: JobRow): Promise<LeasedJob | undefined> {
    const ws = this.ws;
    const db = ws.db;
    const token = job.lease_token!;
    const end = async (status: "failed" | "up-to-date", error: string | null): Promise<void> => {
      await finishJob(db, job.id, status, error, token);
      if (status === "failed") await settleDependents(db, job.id, "blocked", `${job.package} failed`);
      await closeRequestIfDone(db, job.request_id);
      await this.refreshActive();
      this.changed();
    };
    if (job.command !== null) {
      return {
        job: job.id,
        command: job.command,
        build: 0,
        leaseToken: token,
        leaseSeconds: this.opts.leaseMs / 1000,
        package: job.package,
        specFile: "",
        dist: "",
        files: [],
        rootPackages: [],
        sandbox: "off",
      };
    }
    try {
      const pkg = this.graph.graph.packages.get(job.package);
      if (!pkg) {
        await end("failed", `${job.package} is no longer in the set`);
        return undefined;
      }
      const view = this.publisher.view;
      const hashes: SourceHashes = new Map();
      const prepared = await prepareBuild(ws, view, pkg, this.isHost, hashes);
      if (prepared.unsatisfied.length > 0) {
        const what = prepared.unsatisfied.map((u) =>
          u.neededBy ? `${u.requirement} (required by ${u.neededBy})` : u.requirement,
        );
        await end(
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
        await end("up-to-date", null);
        return undefined;
      }
      const reason = forced ? "rebuild requested" : whyNotUpToDate(last, prepared, view);
      // Why it started, for following the chain back: the request's cause, and the builds of what
      // it needs that published new output in this flow.
      const upstream = await db
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
        upstream: upstream.map((u) => ({ package: u.package, build: u.build_id! })),
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
      await setJobBuild(db, job.id, buildId, reason);
      const pkgDir = join(ws.setDir, "packages", pkg.name);
      const files: LeasedJob["files"] = [];
      const specName = `${pkg.name}.spec`;
      files.push({
        name: specName,
        sha256: await sha256File(join(pkgDir, specName)),
        size: (await stat(join(pkgDir, specName))).size,
        kind: "spec",
      });
      for (const s of pkg.sources) {
        const p = join(pkgDir, s.name);
        files.push({
          name: s.name,
          sha256: await hashes.get(p)!,
          size: (await stat(p)).size,
          kind: "source",
        });
      }
      this.changed();
      return {
        job: job.id,
        build: buildId,
        leaseToken: token,
        leaseSeconds: this.opts.leaseMs / 1000,
        package: pkg.name,
        specFile: pkg.specFile,
        dist: ws.config.dist,
        files,
        rootPackages: prepared.packages,
        sandbox: ws.config.build.sandbox,
      };
    } catch (e) {
      await end("failed", `the server could not prepare the build: ${(e as Error).message}`);
      return undefined;
    }
  }

  async heartbeat(
    agent: AgentRow,
    held: { job: number; leaseToken: string }[],
  ): Promise<{ cancel: number[]; lost: number[] }> {
    return renewLeases(this.ws.db, agent.id, held, this.opts.leaseMs);
  }

  /** Leases nobody renewed in time: their jobs go back to the queue, their builds are marked lost. */
  async reap(): Promise<void> {
    const db = this.ws.db;
    const expired = await expireLeases(db);
    for (const j of expired) {
      const agent = await db
        .selectFrom("agents")
        .select("name")
        .where("id", "=", j.agent_id!)
        .executeTakeFirst();
      const what = `agent ${agent?.name ?? j.agent_id} stopped responding (no heartbeat for ${this.opts.leaseMs / 1000} s)`;
      if (j.build_id !== null) {
        await finishBuild(
          db,
          j.build_id,
          "cancelled",
          0,
          j.cancel_requested ? "cancelled" : `lost: ${what}; the job was requeued`,
        );
      }
      if (j.cancel_requested) await settleDependents(db, j.id, "cancelled", `${j.package} was cancelled`);
      this.say(`job ${j.id} (${j.package}): ${what}; ${j.cancel_requested ? "cancelled" : "requeued"}`);
      await closeRequestIfDone(db, j.request_id);
    }
    if (expired.length > 0) {
      await this.refreshActive();
      this.changed();
    }
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
    const p = job.command !== null ? this.commandResult(job, body) : this.takeResult(job, body);
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
    const rows = await this.artifactRows(buildId, body);
    await db.transaction().execute(async (tx) => {
      await tx.deleteFrom("artifacts").where("build_id", "=", buildId).execute();
      if (rows.length > 0) await tx.insertInto("artifacts").values(rows).execute();
      await tx
        .updateTable("builds")
        .set({ steps: JSON.stringify(body.steps) })
        .where("id", "=", buildId)
        .execute();
    });
    const hasRpm = rows.some((r) => r.kind === "rpm");
    if (body.ok && !hasRpm) {
      body = { ...body, ok: false, error: "the agent reported success but uploaded no binary RPM" };
    }
    if (!body.ok) {
      const status = body.cancelled ? "cancelled" : "failed";
      const error = body.cancelled ? "cancelled" : (body.error ?? "failed");
      await finishBuild(db, buildId, status, body.durationMs, error);
      await finishJob(db, job.id, status, error, job.lease_token!);
      await settleDependents(
        db,
        job.id,
        body.cancelled ? "cancelled" : "blocked",
        `${job.package} ${body.cancelled ? "was cancelled" : "failed"}`,
      );
      await closeRequestIfDone(db, job.request_id);
      await this.refreshActive();
      this.changed();
      return { status, duplicate: false };
    }
    // Early cutoff: an output equivalent to the published one is not published; what depends on
    // it finds its inputs unchanged when its turn comes.
    const cut = await checkCutoff(
      ws,
      this.publisher.view,
      job.package,
      rows.filter((r) => r.kind === "rpm").map((r) => ws.store.path(r.sha256)),
    );
    if (cut?.comparison.equivalent) {
      await finishBuild(db, buildId, "green", body.durationMs, null, cut.published);
      await finishJob(db, job.id, "cut-off", null, job.lease_token!);
      await closeRequestIfDone(db, job.request_id);
      await this.refreshActive();
      this.changed();
      this.say(`job ${job.id} (${job.package}): same output as build ${cut.published}; cut off`);
      return { status: "cut-off", duplicate: false };
    }
    this.publishing.set(buildId, { job, ms: body.durationMs });
    await this.publisher.publish(job.package, buildId);
    const after = await getJob(db, job.id);
    return { status: after!.status, duplicate: false };
  }

  /** The uploaded files as artifact rows, with what their RPM headers say (read here, not trusted). */
  private async artifactRows(buildId: number, body: ResultBody): Promise<NewArtifact[]> {
    const ws = this.ws;
    const rows: NewArtifact[] = [];
    const rpms = body.artifacts.filter((a) => a.filename.endsWith(".rpm"));
    const dir = join(ws.data.root, "tmp", `result-${buildId}-${Date.now()}`);
    try {
      await mkdir(dir, { recursive: true });
      const paths: string[] = [];
      for (const a of rpms) {
        const p = join(dir, a.filename);
        await ws.store.materialize(a.sha256, p, { verify: false });
        paths.push(p);
      }
      const headers = await queryRpms(paths);
      headers.forEach((h, i) => {
        const a = rpms[i]!;
        rows.push({
          build_id: buildId,
          kind: h.source ? "srpm" : "rpm",
          filename: a.filename,
          sha256: a.sha256,
          size: 0,
          name: h.name,
          epoch: h.evr.epoch ?? null,
          version: h.evr.version,
          release: h.evr.release ?? null,
          arch: h.arch,
          provides: h.source ? null : JSON.stringify(h.provides),
          requires: JSON.stringify(h.requires),
          files: h.source ? null : JSON.stringify(h.files),
        });
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    for (const a of body.artifacts.filter((x) => x.filename.endsWith(".log"))) {
      rows.push({
        build_id: buildId,
        kind: "log",
        filename: a.filename,
        sha256: a.sha256,
        size: 0,
        name: null,
        epoch: null,
        version: null,
        release: null,
        arch: null,
        provides: null,
        requires: null,
        files: null,
      });
    }
    for (const r of rows) r.size = (await stat(ws.store.path(r.sha256))).size;
    return rows;
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

  // ---- cancelling ----

  /** Cancels a job: at once when queued; through its agent's next heartbeat when leased. */
  async cancelJob(jobId: number): Promise<JobRow["status"]> {
    const db = this.ws.db;
    const job = await getJob(db, jobId);
    if (!job) throw new HttpError(404, `no job ${jobId}`, "NOT_FOUND");
    if (job.status === "queued") {
      if (await finishJob(db, job.id, "cancelled", "cancelled")) {
        await settleDependents(db, job.id, "cancelled", `${job.package} was cancelled`);
      }
    } else if (job.status === "leased") {
      await db.updateTable("jobs").set({ cancel_requested: 1 }).where("id", "=", job.id).execute();
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

  /** Where a build's log is written while it runs (and kept after, beside the stored copy). */
  logPath(buildId: number): string {
    return join(this.ws.data.buildDir(buildId), "build.log");
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
