// Follows one request to its end and says what happens, as BuildEvents: the same for `kiln build`
// (the request read from the database in this process) and `kiln build --server` (read over the
// API). What a package did is read off its jobs: the first agent job leased with a build starts it,
// its publish job's end says how it ended, and the build says how long it took and what changed.
import type { BuildView, JobView, RequestView } from "../api/schemas.js";
import type { BuildEvent } from "./events.js";

export interface RequestSource {
  view(): Promise<RequestView>;
  build(id: number): Promise<BuildView | undefined>;
  /** Where the log of a job that failed is read (a path, or the command that shows it). */
  logOf(job: JobView): Promise<string>;
  /** Resolves when the request may have changed (the coordinator's word, or a poll interval). */
  changed(): Promise<void>;
}

export interface FollowOptions {
  onEvent(e: BuildEvent): void;
  /** Stops following (the request goes on). */
  signal?: AbortSignal;
  /** Called after each view of an active request: true ends the following there. */
  until?: (v: RequestView) => Promise<boolean>;
  /** Invalid packages were said already, with their errors as the loader gave them. */
  invalidSaid?: boolean;
}

/** Follows the request until it ends (or `until` says, or `signal` aborts); returns the last view. */
export async function followRequest(src: RequestSource, o: FollowOptions): Promise<RequestView> {
  let v = await src.view();
  const d = new RequestDiff(src, o, v);
  for (;;) {
    await d.diff(v);
    if (v.status !== "active" || o.signal?.aborted) return v;
    if (o.until && (await o.until(v))) {
      // What `until` ended is said too.
      v = await src.view();
      await d.diff(v);
      return v;
    }
    await src.changed();
    v = await src.view();
  }
}

class RequestDiff {
  private readonly seen = new Map<number, string>();
  private readonly started = new Set<string>();
  private readonly agentJobs = new Map<string, number>();

  /** Says the plan: what the request builds. */
  constructor(
    private readonly src: RequestSource,
    private readonly o: FollowOptions,
    v: RequestView,
  ) {
    for (const j of v.jobs)
      if (j.runsOn === "agent") this.agentJobs.set(j.package, (this.agentJobs.get(j.package) ?? 0) + 1);
    const open = v.packages.filter((p) => p.status === "queued" || p.status === "leased");
    this.o.onEvent({
      type: "plan",
      toBuild: open.map((p) => p.package),
      upToDate: v.upToDate.length,
      blocked: v.packages.filter((p) => p.status === "blocked").length,
    });
  }

  async diff(v: RequestView): Promise<void> {
    // What failed is said before what it blocks.
    const order = [
      ...v.jobs.filter((j) => j.status !== "blocked"),
      ...v.jobs.filter((j) => j.status === "blocked"),
    ];
    for (const j of order) {
      const key = `${j.status}:${j.build ?? ""}`;
      const prev = this.seen.get(j.id);
      if (prev === key) continue;
      this.seen.set(j.id, key);
      if (j.runsOn === "agent" && j.name !== "") this.agentJob(j, prev);
      else await this.packageEnd(j, v);
    }
  }

  private agentJob(j: JobView, prev: string | undefined): void {
    const emit = this.o.onEvent;
    if (j.status === "leased" && j.build !== null && !this.started.has(j.package)) {
      this.started.add(j.package);
      emit({
        type: "start",
        package: j.package,
        buildId: j.build,
        reason: j.reason,
        ...(j.agent ? { agent: j.agent } : {}),
      });
    }
    if (j.status === "queued" && prev?.startsWith("leased")) {
      emit({ type: "requeued", package: j.package, why: j.why });
    }
    if ((this.agentJobs.get(j.package) ?? 1) > 1 && (j.status === "green" || j.status === "failed")) {
      emit({
        type: "job",
        package: j.package,
        stage: j.stage,
        job: j.name,
        ok: j.status === "green",
        ms: j.steps.reduce((a, s) => a + s.ms, 0),
        ...(j.error ? { error: j.error } : {}),
      });
    }
  }

  /** The job that publishes a package (or a command job) ended: so did the package. */
  private async packageEnd(j: JobView, v: RequestView): Promise<void> {
    const emit = this.o.onEvent;
    const pkg = j.package;
    const build = j.build !== null ? await this.src.build(j.build) : undefined;
    const ms = build?.durationMs ?? 0;
    switch (j.status) {
      case "green": {
        const change = build?.outputChange;
        emit({
          type: "green",
          package: pkg,
          buildId: j.build ?? 0,
          ms,
          ...(change?.differences ? { changed: change.differences } : {}),
          ...(change?.sameAs !== undefined ? { sameAs: change.sameAs } : {}),
        });
        return;
      }
      case "cut-off":
        emit({ type: "cut-off", package: pkg, buildId: j.build ?? 0, ms, sameAs: build?.sameOutputAs ?? 0 });
        return;
      case "up-to-date":
        emit({ type: "up-to-date", package: pkg });
        return;
      case "failed": {
        // The job that failed first (an agent's, with its log), else the package's own failure.
        const failed =
          v.jobs.find((x) => x.package === pkg && x.runsOn === "agent" && x.status === "failed" && x.build) ??
          j;
        emit({
          type: "failed",
          package: pkg,
          ...(j.build !== null ? { buildId: j.build } : {}),
          error: build?.error ?? j.error ?? "failed",
          ...(failed.build !== null ? { log: await this.src.logOf(failed) } : {}),
        });
        return;
      }
      case "invalid":
        if (!this.o.invalidSaid) emit({ type: "invalid", package: pkg, error: j.error ?? "" });
        return;
      case "blocked":
        emit({ type: "blocked", package: pkg, why: j.error ?? "needs what cannot build" });
        return;
      case "cancelled":
        emit({ type: "cancelled", package: pkg, ...(j.build !== null ? { buildId: j.build } : {}) });
        return;
      default:
        return;
    }
  }
}
