// The jobs the server runs itself: a package run's publish job, claimed like a lease (renewed by the
// server's own clock while it works), which publishes the run's build or cuts it off (an output
// equivalent to the published one). A publication may be parked until what it requires is built;
// it ends when the publisher says published or refused, or when its job is cancelled meanwhile.
import { checkCutoff } from "../repos/cutoff.js";
import { earlyCutoffOf } from "../planner/load-graph.js";
import { buildRpms, getBuild, setBuildStages, setOutputChange } from "../db/builds.js";
import { cancelStates, claimJob, lockFirst, readyJobs, runJobs } from "../db/jobs.js";
import { renewServerLeases } from "../db/leases.js";
import type { JobRow } from "../db/schema.js";
import type { Coordinator } from "./coordinator.js";
import { endPackageRun, failAtLease } from "./end-run.js";

export class ServerJobs {
  /** Builds handed to the publisher, by build id: their publish job and how long they took. */
  private readonly publishing = new Map<number, { job: JobRow; ms: number }>();
  /** Server jobs this process is running: their leases are renewed by the reaper's tick. */
  private readonly held = new Set<number>();
  /** The loop running them, and whether to look again when it ends. */
  private loop: Promise<void> | undefined;
  private again = false;

  constructor(private readonly ctx: Coordinator) {}

  /** Runs the server's ready jobs until there are none; one loop at a time per process. */
  kick(): void {
    if (this.loop) {
      this.again = true;
      return;
    }
    this.loop = this.run()
      .catch((e: unknown) => this.ctx.log(`publishing: ${(e as Error).message}`))
      .finally(() => {
        this.loop = undefined;
      });
  }

  /** Resolves when the loop under way (if any) has ended. */
  async stopped(): Promise<void> {
    await this.loop;
  }

  private async run(): Promise<void> {
    const { ctx } = this;
    do {
      this.again = false;
      for (;;) {
        if (ctx.closing) return;
        const ready = await readyJobs(ctx.db, 50, "server");
        if (ready.length === 0) break;
        let ran = 0;
        for (const j of ready) {
          const claimed = await ctx.db.transaction().execute(async (tx) => {
            const id = await lockFirst(tx, ctx.kind, [j.id]);
            return id === undefined ? undefined : claimJob(tx, id, null, ctx.opts.leaseMs);
          });
          if (!claimed) continue;
          ran++;
          this.held.add(claimed.id);
          try {
            await this.publishRun(claimed);
          } catch (e) {
            ctx.log(`job ${claimed.id} (publish ${claimed.package}): ${(e as Error).message}`);
          } finally {
            this.held.delete(claimed.id);
          }
        }
        if (ran === 0) break;
      }
    } while (this.again);
  }

  /** The leases of the server jobs in progress here are extended. */
  async renewHeld(): Promise<void> {
    await renewServerLeases(this.ctx.db, [...this.held], this.ctx.opts.leaseMs);
  }

  private async publishRun(job: JobRow): Promise<void> {
    const { ctx } = this;
    const { ws, db } = ctx;
    const build = job.build_id !== null ? await getBuild(db, job.build_id) : undefined;
    if (!build) {
      await failAtLease(ctx, job, "nothing was built to publish");
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
    const rpms = (await buildRpms(db, build.id)).map((sha256) => ws.store.path(sha256));
    const cut = await checkCutoff(ws, ctx.publisher.view, job.package, rpms);
    if (cut?.comparison.equivalent) {
      const same = `${job.package} (build ${build.id}): same output as build ${cut.published}`;
      if (!earlyCutoffOf(ws, ctx.graph)(job.package)) {
        ctx.log(`${same}, published as early-cutoff is false`);
      } else {
        await endPackageRun(ctx, job, {
          status: "cut-off",
          error: null,
          by: { job },
          leased: "stop",
          build: { ms, sameOutputAs: cut.published },
        });
        ctx.log(`${same}; cut off`);
        // A damaged file a scrub took out may be back in the store: the snapshots that lag follow.
        await ctx.publisher.exclusive(() => Promise.resolve());
        void ctx.repositories.catchUp();
        return;
      }
    }
    // What it changes, said with the build (kiln build and kiln build --server print it).
    await setOutputChange(
      db,
      build.id,
      cut === undefined
        ? null
        : cut.comparison.equivalent
          ? { sameAs: cut.published }
          : { differences: cut.comparison.differences },
    );
    this.publishing.set(build.id, { job, ms });
    await ctx.publisher.publish(job.package, build.id);
    // The other repositories' snapshots that lag are written (after a scrub, say).
    void ctx.repositories.catchUp();
  }

  /** The publisher's hooks (published: green; refused): the run whose build it was ends, if it was one. */
  async end(buildId: number, status: "green" | "failed", error: string | null): Promise<void> {
    const p = this.publishing.get(buildId);
    this.publishing.delete(buildId);
    if (!p) return;
    await endPackageRun(this.ctx, p.job, {
      status,
      error,
      by: { job: p.job },
      leased: "stop",
      build: { ms: p.ms },
    });
  }

  /**
   * Publications parked in this process whose job was cancelled (here, or on another server sharing
   * the database) are withdrawn: never published, their jobs and builds cancelled.
   */
  async withdrawCancelled(): Promise<void> {
    if (this.publishing.size === 0) return;
    const { ctx } = this;
    const byJob = new Map([...this.publishing].map(([buildId, p]) => [p.job.id, { buildId, job: p.job }]));
    for (const r of await cancelStates(ctx.db, [...byJob.keys()])) {
      if (!r.cancel_requested && r.status !== "cancelled") continue;
      const { buildId, job } = byJob.get(r.id)!;
      if (!(await ctx.publisher.withdraw(job.package, buildId))) continue;
      this.publishing.delete(buildId);
      await endPackageRun(ctx, job, {
        status: "cancelled",
        error: "cancelled",
        by: { job, underLease: false },
        leased: "stop",
        build: { error: "cancelled before it was published" },
      });
      ctx.log(`job ${job.id} (publish ${job.package}): cancelled; build ${buildId} will not be published`);
    }
  }
}
