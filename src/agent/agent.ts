// The agent's loop, the same for `kiln agent` and `kiln build`: leases jobs that match its labels
// from the coordinator (over HTTP, or in this process: src/agent/link.ts), builds each with the
// job runner, streams the log while it runs, uploads the artifacts with their sha256 and reports
// the result. When the coordinator is unreachable it keeps building and retries.
import { diskOf } from "../util/disk.js";
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { ApiError } from "../api/client.js";
import type { BuildStep, LeasedJob, ResultBody } from "../api/schemas.js";
import type { ArtifactStore } from "../artifacts/store.js";
import type { BuildRootCache } from "../buildroot/buildroot-cache.js";
import { runJob } from "../executor/run-job.js";
import type { JobDef } from "../core/pipeline.js";
import { decide, defaultPolicy, type SandboxMode } from "../core/sandbox-policy.js";
import type { SandboxProbe } from "../sandbox/bubblewrap.js";
import { sha256File } from "../util/hash.js";
import { runCommandJob } from "./command-job.js";
import type { CoordinatorLink } from "./link.js";
import { LogStreamer } from "./log-streamer.js";

export interface AgentOptions {
  link: CoordinatorLink;
  slots: number;
  workdir: string;
  labels: Record<string, string>;
  /** Its artifact store (the coordinator's own, in process) and build-root cache over it. */
  store: ArtifactStore;
  roots: BuildRootCache;
  /** Whether bubblewrap works here (probed once by the caller). */
  probe: SandboxProbe;
  /** Stop after the running jobs end when this process is gone (agents started by `kiln serve`). */
  parentPid?: number;
  /** This agent's sandbox policy (default: required where bubblewrap works, else auto). */
  sandbox?: SandboxMode;
  /** The agent of `kiln build`, in the coordinator's process: "here" in what it says, not its name. */
  inProcess?: boolean;
  /** Stop the running jobs at once when `signal` aborts (`kiln build`), not let them finish. */
  stopJobsOnAbort?: boolean;
  /** How long one lease call waits for work (default 10 s). */
  leaseWaitMs?: number;
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
  private readonly policy: SandboxMode;
  private readonly running = new Map<number, Running>();
  private name = "";

  constructor(private readonly o: AgentOptions) {
    this.o = { ...o, workdir: resolve(o.workdir) };
    this.policy = o.sandbox ?? defaultPolicy(o.probe.available);
  }

  async run(): Promise<void> {
    await mkdir(this.o.workdir, { recursive: true });
    await rm(join(this.o.workdir, "jobs"), { recursive: true, force: true });
    if (this.policy === "required" && !this.o.probe.available) {
      throw new Error(
        `--sandbox required, but bubblewrap does not work on this machine: ${this.o.probe.reason ?? "unknown reason"}`,
      );
    }
    const me = await this.o.link.connect();
    this.name = me.name;
    this.o.log(
      `agent ${me.name} (#${me.agent}) ready: ${this.o.slots} slot(s), labels ${JSON.stringify(this.o.labels)}, server ${this.o.link.where}`,
    );
    this.o.log(
      this.o.probe.available
        ? `sandbox policy ${this.policy}: builds run in bubblewrap as ${this.o.probe.user ?? "an unprivileged user"}`
        : `WARNING: sandbox policy ${this.policy} and bubblewrap does not work here (${this.o.probe.reason ?? "unknown reason"}): builds that allow it run WITHOUT a sandbox`,
    );
    if (this.o.stopJobsOnAbort) {
      this.o.signal.addEventListener("abort", () => {
        for (const r of this.running.values()) r.abort.abort();
      });
    }
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
        const jobs = await this.o.link.lease(
          free,
          this.o.leaseWaitMs ?? 10_000,
          { policy: this.policy, available: this.o.probe.available },
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
    return delay(ms, undefined, { signal: this.o.signal }).catch(() => {});
  }

  private async heartbeats(): Promise<void> {
    // The first beat at once: the server learns its disk before it leases much.
    let lastBeat = -Infinity;
    while (!(this.o.signal.aborted || this.parentGone()) || this.running.size > 0) {
      // A third of the shortest lease held; a job started since the last beat counts at once.
      const interval = Math.min(
        5000,
        ...[...this.running.values()].map((r) => (r.leased.leaseSeconds * 1000) / 3),
      );
      await delay(100);
      if (performance.now() - lastBeat < interval) continue;
      lastBeat = performance.now();
      const held = [...this.running.values()].filter((r) => !r.lost);
      try {
        const res = await this.o.link.heartbeat(
          held.map((r) => ({ job: r.leased.job, leaseToken: r.leased.leaseToken })),
          await diskOf(this.o.workdir),
        );
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
    // Leased as the agent stopped (`kiln build` interrupted): it ends at once, cancelled.
    if (this.o.stopJobsOnAbort && this.o.signal.aborted) abort.abort();
    const entry: Running = { leased, abort, lost: false, done: Promise.resolve() };
    this.running.set(leased.job, entry);
    entry.done = this.build(entry)
      .catch((e: unknown) => this.o.log(`job ${leased.job} (${leased.package}): ${(e as Error).message}`))
      .finally(() => this.running.delete(leased.job));
  }

  private async build(r: Running): Promise<void> {
    const j = r.leased;
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
      logStream = new LogStreamer(this.o.link, j, join(dir, j.logName), this.o.log);
      const res = await runJob({
        pkg: { name: j.package, specFile: j.specFile },
        job: j.definition as JobDef,
        jobDir: dir,
        logName: j.logName,
        dist: j.dist,
        rootPackages: j.rootPackages,
        roots: this.o.roots,
        sandbox: how.sandboxed,
        ...(how.note !== undefined ? { sandboxNote: how.note } : {}),
        rpmlint: j.rpmlint,
        maxLogBytes: j.maxLogBytes,
        // The spec and sources, each checked by sha256; a download cut off half-way (the server
        // restarting) is started again, like a refused one.
        fetchSources: async (specs, sources) => {
          for (const f of j.files) {
            const bytes = await this.o.link.jobFile(j, f.name);
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
          for (const p of j.rootPackages) await this.o.link.fetchArtifact(p.sha256, p.filename);
        },
        ...(j.inputs.length > 0
          ? {
              fetchInputs: async (inputs: string) => {
                for (const a of j.inputs) {
                  await this.o.link.fetchArtifact(a.sha256, a.filename);
                  await this.o.store.materialize(
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
        if (existsSync(f.path))
          uploaded.push({ filename: f.name, sha256: await this.o.link.upload(j, f.path, f.name) });
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

  /**
   * What this agent does with the job's sandbox mode under its own policy: run it sandboxed, run
   * it without (saying so), or refuse it (reported as the job's failure, naming why).
   */
  private sandboxFor(j: LeasedJob): { sandboxed: boolean; note?: string } | { refuse: string } {
    const d = decide(
      j.sandbox,
      this.policy,
      this.o.probe.available,
      `bubblewrap does not work ${this.o.inProcess ? "here" : `on agent ${this.name}`}: ${this.o.probe.reason ?? "unknown reason"}`,
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
      const stream = new LogStreamer(this.o.link, j, join(dir, j.logName), this.o.log);
      try {
        error =
          (await runCommandJob({
            command,
            dir,
            logName: j.logName,
            maxLogBytes: j.maxLogBytes,
            sandboxed: how.sandboxed,
            how: how.sandboxed
              ? `in bubblewrap as ${this.o.probe.user ?? "an unprivileged user"}`
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
    const r = await this.o.link.result(j, body);
    this.o.log(`job ${j.job}: ${j.package} ${r.status}${r.duplicate ? " (already reported)" : ""}`);
  }
}
