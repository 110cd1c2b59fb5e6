// `kiln agent`: enrols with a server (once; the credential is kept in its work directory), then
// leases jobs that match its labels, builds each with the same executor as a local `kiln build`,
// streams the log while it runs, uploads the artifacts with their sha256 and reports the result.
// It shares no disk with the server: spec, sources and build-root RPMs come over HTTP, each
// checked against its sha256. When the server is unreachable it keeps building and retries.
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { ApiClient, ApiError, cutOff } from "../api/client.js";
import {
  HeartbeatResponse,
  LeaseResponse,
  ResultResponse,
  type BuildStep,
  type ResultBody,
  type LeasedJob,
} from "../api/schemas.js";
import { ArtifactStore } from "../artifacts/store.js";
import { BuildRootCache } from "../buildroot/buildroot-cache.js";
import { runJob } from "../build/run-job.js";
import type { JobDef } from "../core/pipeline.js";
import { decide, defaultPolicy, type SandboxMode } from "../core/sandbox-policy.js";
import { probeSandbox, type SandboxProbe } from "../sandbox/bubblewrap.js";
import { sha256File } from "../util/hash.js";
import { runCommandJob } from "./command-job.js";
import { agentCredential } from "./credential.js";
import { LogStreamer } from "./log-streamer.js";
import { retrying } from "./retrying.js";
import { uploadArtifact } from "./upload.js";

export interface AgentOptions {
  server: string;
  /** The enrolment token (needed only until the agent has its own credential). */
  enrolToken?: string;
  name?: string;
  slots: number;
  workdir: string;
  labels: Record<string, string>;
  /** Stop after the running jobs end when this process is gone (agents started by `kiln serve`). */
  parentPid?: number;
  /** This agent's sandbox policy (default: required where bubblewrap works, else auto). */
  sandbox?: SandboxMode;
  log: (line: string) => void;
  signal: AbortSignal;
}

interface Running {
  leased: LeasedJob;
  abort: AbortController;
  /** Lost: the server gave the job to someone else; do not report. */
  lost: boolean;
  done: Promise<void>;
}

export class Agent {
  private readonly api: ApiClient;
  private readonly store: ArtifactStore;
  private readonly roots: BuildRootCache;
  private readonly running = new Map<number, Running>();
  private probe: SandboxProbe = { available: false };
  private policy: SandboxMode = "required";
  private name = "";

  constructor(private readonly o: AgentOptions) {
    this.o = { ...o, workdir: resolve(o.workdir) };
    this.api = new ApiClient(o.server);
    this.store = new ArtifactStore(join(this.o.workdir, "artifacts"));
    this.roots = new BuildRootCache(join(this.o.workdir, "buildroots"), this.store);
  }

  async run(): Promise<void> {
    await mkdir(this.o.workdir, { recursive: true });
    await rm(join(this.o.workdir, "jobs"), { recursive: true, force: true });
    this.probe = await probeSandbox();
    this.policy = this.o.sandbox ?? defaultPolicy(this.probe.available);
    if (this.policy === "required" && !this.probe.available) {
      throw new Error(
        `--sandbox required, but bubblewrap does not work on this machine: ${this.probe.reason ?? "unknown reason"}`,
      );
    }
    const cred = await agentCredential(this.o, this.api.base);
    this.api.token = cred.token;
    this.name = cred.name;
    this.o.log(
      `agent ${cred.name} (#${cred.agent}) ready: ${this.o.slots} slot(s), labels ${JSON.stringify(this.o.labels)}, server ${this.o.server}`,
    );
    this.o.log(
      this.probe.available
        ? `sandbox policy ${this.policy}: builds run in bubblewrap as ${this.probe.user ?? "an unprivileged user"}`
        : `WARNING: sandbox policy ${this.policy} and bubblewrap does not work here (${this.probe.reason ?? "unknown reason"}): builds that allow it run WITHOUT a sandbox`,
    );
    const heart = this.heartbeats();
    let backoff = 250;
    let disabled = false;
    while (!this.o.signal.aborted && !this.parentGone()) {
      const free = this.o.slots - this.running.size;
      if (free <= 0) {
        await Promise.race([...[...this.running.values()].map((r) => r.done), this.sleep(5000)]);
        continue;
      }
      try {
        const { jobs } = await this.api.json(
          LeaseResponse,
          "POST",
          "/agent/lease",
          { free, waitMs: 10_000, sandbox: { policy: this.policy, available: this.probe.available } },
          {},
          this.o.signal,
        );
        backoff = 250;
        if (disabled) this.o.log("this agent is enabled again");
        disabled = false;
        for (const j of jobs) this.start(j);
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) throw e;
        if (this.o.signal.aborted) break;
        if (e instanceof ApiError && e.code === "AGENT_DISABLED") {
          // Said once; the agent asks again now and then, and goes on when an admin enables it.
          if (!disabled) this.o.log(`${e.message}; asking again every 30 s`);
          disabled = true;
          await this.sleep(30_000);
          continue;
        }
        this.o.log(`lease: ${(e as Error).message}; retrying`);
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
    // Stopping: the jobs under way finish and report first (Ctrl-C twice kills).
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
    await heart.catch(() => {});
  }

  private parentGone(): boolean {
    if (this.o.parentPid === undefined) return false;
    try {
      process.kill(this.o.parentPid, 0);
      return false;
    } catch {
      return true;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => {
      const t = setTimeout(r, ms);
      this.o.signal.addEventListener("abort", () => {
        clearTimeout(t);
        r();
      });
    });
  }

  private async heartbeats(): Promise<void> {
    let lastBeat = performance.now();
    while (!(this.o.signal.aborted || this.parentGone()) || this.running.size > 0) {
      // A third of the shortest lease held; a job started since the last beat counts at once.
      const interval = Math.min(
        5000,
        ...[...this.running.values()].map((r) => (r.leased.leaseSeconds * 1000) / 3),
      );
      await new Promise((r) => setTimeout(r, 100));
      if (performance.now() - lastBeat < interval) continue;
      lastBeat = performance.now();
      const held = [...this.running.values()].filter((r) => !r.lost);
      try {
        const res = await this.api.json(HeartbeatResponse, "POST", "/agent/heartbeat", {
          jobs: held.map((r) => ({ job: r.leased.job, leaseToken: r.leased.leaseToken })),
        });
        for (const id of res.cancel) this.running.get(id)?.abort.abort();
        for (const id of res.lost) {
          const r = this.running.get(id);
          if (!r) continue;
          this.o.log(`job ${id}: the server gave it to another agent; stopping it`);
          r.lost = true;
          r.abort.abort();
        }
      } catch (e) {
        this.o.log(`heartbeat: ${(e as Error).message}`);
      }
    }
  }

  private start(leased: LeasedJob): void {
    const abort = new AbortController();
    const entry: Running = { leased, abort, lost: false, done: Promise.resolve() };
    this.running.set(leased.job, entry);
    entry.done = this.build(entry)
      .catch((e: unknown) => this.o.log(`job ${leased.job} (${leased.package}): ${(e as Error).message}`))
      .finally(() => this.running.delete(leased.job));
  }

  private async build(r: Running): Promise<void> {
    const j = r.leased;
    const lease = { "x-kiln-lease": j.leaseToken };
    const dir = join(this.o.workdir, "jobs", `${j.job}-${j.build}`);
    const t0 = performance.now();
    this.o.log(
      `job ${j.job}: building ${j.package}${j.definition && j.stage ? ` ${j.stage}/${j.definition.name}` : ""} (build ${j.build})`,
    );
    let logStream: LogStreamer | undefined;
    if (j.command !== undefined || !j.definition) {
      await this.runCommand(r, j.command ?? "true", t0);
      return;
    }
    const steps: BuildStep[] = [];
    try {
      const how = this.sandboxFor(j);
      if ("refuse" in how) {
        this.o.log(`job ${j.job}: ${how.refuse}`);
        await this.report(j, {
          ok: false,
          cancelled: false,
          error: how.refuse,
          durationMs: performance.now() - t0,
          steps: [],
          artifacts: [],
          sandbox: "refused",
        });
        return;
      }
      await mkdir(dir, { recursive: true });
      logStream = new LogStreamer(this.api, j, join(dir, j.logName), this.o.log);
      logStream.start();
      const res = await runJob({
        pkg: { name: j.package, specFile: j.specFile },
        job: j.definition as JobDef,
        jobDir: dir,
        logName: j.logName,
        dist: j.dist,
        rootPackages: j.rootPackages,
        roots: this.roots,
        sandbox: how.sandboxed,
        ...(how.note !== undefined ? { sandboxNote: how.note } : {}),
        rpmlint: j.rpmlint,
        maxLogBytes: j.maxLogBytes,
        // The spec and sources, each checked by sha256; a download cut off half-way (the server
        // restarting) is started again, like a refused one.
        fetchSources: async (specs, sources) => {
          for (const f of j.files) {
            const bytes = await retrying(this.o.log, async () => {
              const res = await this.api.fetch(`/agent/jobs/${j.job}/files/${encodeURIComponent(f.name)}`, {
                headers: lease,
              });
              return Buffer.from(await cutOff(res.arrayBuffer(), f.name));
            });
            const path = join(f.kind === "spec" ? specs : sources, f.name);
            await writeFile(path, bytes);
            const actual = await sha256File(path);
            if (actual !== f.sha256)
              throw new Error(
                `${f.name} changed on the server since the job was leased (sha256 ${actual}, expected ${f.sha256})`,
              );
          }
        },
        // The build root's RPMs this agent does not have yet.
        beforeRoot: async () => {
          for (const p of j.rootPackages) await this.fetchArtifact(p.sha256, p.filename);
        },
        ...(j.inputs.length > 0
          ? {
              fetchInputs: async (inputs: string) => {
                for (const a of j.inputs) {
                  await this.fetchArtifact(a.sha256, a.filename);
                  await this.store.materialize(
                    a.sha256,
                    join(inputs, a.kind === "rpm" ? "rpms" : "files", a.filename),
                  );
                }
              },
            }
          : {}),
        signal: r.abort.signal,
      });
      steps.push(...res.steps);
      await logStream.stop();
      if (r.lost) return;

      // Upload what it made, then the log; each upload is refused by the server unless its bytes
      // have the sha256 computed here.
      const t = performance.now();
      const uploads: { path: string; name: string }[] = [
        ...res.rpms.map((h) => ({ path: h.file, name: basename(h.file) })),
        ...(res.srpm ? [{ path: res.srpm.file, name: basename(res.srpm.file) }] : []),
        ...res.files,
        { path: res.logPath, name: j.logName },
      ];
      const uploaded: { filename: string; sha256: string }[] = [];
      for (const f of uploads) {
        if (!existsSync(f.path)) continue;
        uploaded.push({
          filename: f.name,
          sha256: await uploadArtifact(this.api, j, f.path, f.name, this.o.log),
        });
      }
      steps.push({ name: "upload", status: "ok", ms: Math.round(performance.now() - t) });
      await this.report(j, {
        ok: res.ok,
        cancelled: r.abort.signal.aborted,
        error: res.ok ? null : (res.error ?? "failed"),
        durationMs: performance.now() - t0,
        steps,
        artifacts: uploaded,
        sandbox: res.sandbox,
      });
      if (res.ok) await rm(dir, { recursive: true, force: true });
    } catch (e) {
      await logStream?.stop();
      if (r.lost || (e instanceof ApiError && e.status === 409)) {
        this.o.log(`job ${j.job}: the lease is gone (${(e as Error).message}); dropping it`);
        return;
      }
      const message = (e as Error).message;
      this.o.log(`job ${j.job}: ${message}`);
      await this.report(j, {
        ok: false,
        cancelled: r.abort.signal.aborted,
        error: `agent ${this.name}: ${message}`,
        durationMs: performance.now() - t0,
        steps,
        artifacts: [],
      }).catch((err: unknown) => this.o.log(`job ${j.job}: could not report: ${(err as Error).message}`));
    }
  }

  /** An artifact of the server's store into this agent's, checked by sha256 (if not there yet). */
  private async fetchArtifact(sha256: string, filename: string): Promise<void> {
    if (await this.store.has(sha256)) return;
    await retrying(this.o.log, async () => {
      const res = await this.api.fetch(`/artifacts/${sha256}`);
      if (!res.body) throw new Error(`the server sent no body for ${filename}`);
      // The store keeps nothing of a download that ends early or has the wrong bytes.
      await cutOff(this.store.putStream(res.body as AsyncIterable<Uint8Array>, sha256, filename), filename);
    });
  }

  /**
   * What this agent does with the job's sandbox mode under its own policy: run it sandboxed, run
   * it without (saying so), or refuse it (reported as the job's failure, naming why).
   */
  private sandboxFor(j: LeasedJob): { sandboxed: boolean; note?: string } | { refuse: string } {
    const d = decide(
      j.sandbox,
      this.policy,
      this.probe.available,
      `bubblewrap does not work on agent ${this.name}: ${this.probe.reason ?? "unknown reason"}`,
    );
    if ("refuse" in d) return { refuse: `agent ${this.name} refuses the job: ${d.refuse}` };
    return d.run === "sandboxed" ? { sandboxed: true } : { sandboxed: false, note: d.note };
  }

  /** A command job: `sh -c COMMAND` in an empty directory, sandboxed as builds are; green when it exits 0. */
  private async runCommand(r: Running, command: string, t0: number): Promise<void> {
    const j = r.leased;
    const how = this.sandboxFor(j);
    const dir = join(this.o.workdir, "jobs", `${j.job}-command`);
    let error: string;
    if ("refuse" in how) error = how.refuse;
    else {
      await mkdir(dir, { recursive: true });
      const stream = new LogStreamer(this.api, j, join(dir, j.logName), this.o.log);
      stream.start();
      try {
        error =
          (await runCommandJob({
            command,
            dir,
            logName: j.logName,
            maxLogBytes: j.maxLogBytes,
            sandboxed: how.sandboxed,
            how: how.sandboxed
              ? `in bubblewrap as ${this.probe.user ?? "an unprivileged user"}`
              : `WITHOUT the sandbox (${how.note ?? "no sandbox"})`,
            signal: r.abort.signal,
          })) ?? "";
      } finally {
        await stream.stop().catch((e: unknown) => this.o.log(`job ${j.job}: log: ${(e as Error).message}`));
        await rm(dir, { recursive: true, force: true });
      }
    }
    if (r.lost) return;
    const ms = performance.now() - t0;
    await this.report(j, {
      ok: error === "",
      cancelled: r.abort.signal.aborted,
      error: error === "" ? null : error,
      durationMs: ms,
      steps: [{ name: "command", status: error === "" ? "ok" : "failed", ms: Math.round(ms) }],
      artifacts: [],
      sandbox: "refuse" in how ? "refused" : how.sandboxed ? "bubblewrap" : (how.note ?? "no sandbox"),
    });
  }

  /** Reports the result until the server takes it; a retried report is harmless on the server. */
  private async report(j: LeasedJob, body: Omit<ResultBody, "leaseToken">): Promise<void> {
    const r = await retrying(this.o.log, () =>
      this.api.json(ResultResponse, "POST", `/agent/jobs/${j.job}/result`, {
        leaseToken: j.leaseToken,
        ...body,
      }),
    );
    this.o.log(`job ${j.job}: ${j.package} ${r.status}${r.duplicate ? " (already reported)" : ""}`);
  }
}
