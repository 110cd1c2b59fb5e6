// Leases nobody renewed in time: their jobs go back to the queue. When the lost job was the only
// one of its package's run under way or done, the run's build is marked lost and the next lease
// starts a new one; otherwise the run goes on with its build. A job whose cancel was asked for is
// not requeued: its run ends cancelled.
import { finishBuild } from "../db/builds.js";
import { detachBuild, runJobs } from "../db/jobs.js";
import { expireLeases } from "../db/leases.js";
import { closeRequestIfDone } from "../db/requests.js";
import { agentName } from "../db/tokens.js";
import type { Coordinator } from "./coordinator.js";
import { endPackageRun } from "./end-run.js";

export async function reap(ctx: Coordinator): Promise<void> {
  const db = ctx.db;
  // The server's own jobs in progress here keep their leases.
  await ctx.serverJobs.renewHeld();
  await ctx.serverJobs.withdrawCancelled();
  const expired = await expireLeases(db);
  for (const j of expired) {
    const what =
      j.agent_id === null
        ? "the server publishing it stopped"
        : `agent ${(await agentName(db, j.agent_id)) ?? j.agent_id} stopped responding (no heartbeat for ${ctx.opts.leaseMs / 1000} s)`;
    if (j.build_id !== null && j.runs_on === "agent" && !j.cancel_requested) {
      const others = (await runJobs(db, j.request_id, j.package)).filter(
        (x) => x.id !== j.id && x.runs_on === "agent" && (x.status === "leased" || x.status === "green"),
      );
      if (others.length === 0) {
        await finishBuild(db, j.build_id, "cancelled", 0, `lost: ${what}; the job was requeued`);
        await detachBuild(db, { requestId: j.request_id, package: j.package });
      }
    }
    if (j.cancel_requested) {
      await endPackageRun(ctx, j, {
        status: "cancelled",
        error: `${j.package} was cancelled`,
        leased: "stop",
        build: { error: "cancelled" },
      });
    }
    ctx.log(`job ${j.id} (${j.package}): ${what}; ${j.cancel_requested ? "cancelled" : "requeued"}`);
    await closeRequestIfDone(db, j.request_id);
  }
  if (expired.length > 0) {
    await ctx.refreshActive();
    ctx.changed();
    ctx.kickServerJobs();
  }
}
