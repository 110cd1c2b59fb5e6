// The server's checks of itself and of its agents, on a schedule: the data directory's free space,
// the database's answer time, the event loop's delay, agents gone silent, a stalled queue and jobs
// no agent can take. Each round is recorded (src/db/health.ts), and each change of state goes to the
// server's log. An agent's own disk is checked with each of its heartbeats
// (src/coordinator/coordinator.ts), not here.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { sql } from "kysely";
import type { ServerConfig } from "../config/server-config.js";
import {
  databaseCheck,
  diskCheck,
  eventLoopCheck,
  queueChecks,
  silenceCheck,
  type CheckResult,
  type DiskLimits,
} from "../core/health.js";
import { isSandboxMode } from "../core/sandbox-policy.js";
import { agentStates } from "../db/agent-states.js";
import { readyJobsSince, recordChecks } from "../db/health.js";
import { fromJson } from "../db/json-columns.js";
import type { Conn } from "../db/schema.js";
import { diskOf } from "../util/disk.js";

/** The checks this monitor owns: the others (agents' disks) are recorded where they are measured. */
const ownKey = (key: string): boolean => key.startsWith("server:") || key.endsWith(":silent");

export function diskLimits(h: ServerConfig["health"]): DiskLimits {
  const mb = 1024 * 1024;
  return {
    warnBytes: h.disk["warn-mb"] * mb,
    warnFraction: h.disk["warn-percent"] / 100,
    failBytes: h.disk["fail-mb"] * mb,
    warnInodes: h.disk["warn-inodes"],
    failInodes: h.disk["fail-inodes"],
  };
}

export class HealthMonitor {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> = Promise.resolve();
  private readonly loop = monitorEventLoopDelay({ resolution: 20 });

  constructor(
    private readonly o: {
      db: Conn;
      dataDir: string;
      config: ServerConfig["health"];
      /** Agents not heard from for this long are offline (as the queue's reasons say). */
      leaseMs: number;
      log: (line: string) => void;
      /** Told when a check changes state (leases wait on an agent's check). */
      changed?: () => void;
    },
  ) {}

  start(): void {
    this.loop.enable();
    this.timer = setInterval(() => void this.check(), this.o.config.interval * 1000);
    this.timer.unref();
    void this.check();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.loop.disable();
    await this.round;
  }

  /** One round now (rounds never overlap); resolves when it is recorded. */
  check(): Promise<void> {
    this.round = this.round
      .then(() => this.once())
      .catch((e: unknown) => {
        this.o.log(`health: a round of checks failed: ${(e as Error).message}`);
      });
    return this.round;
  }

  private async once(): Promise<void> {
    const { db, config } = this.o;
    const results: CheckResult[] = [];
    const t0 = performance.now();
    let dbError: string | undefined;
    try {
      await sql`select 1`.execute(db);
    } catch (e) {
      dbError = (e as Error).message;
    }
    results.push(databaseCheck(performance.now() - t0, dbError, config["database-slow-ms"]));
    const disk = await diskOf(this.o.dataDir);
    if (disk)
      results.push(
        diskCheck(
          "server:disk",
          "the server",
          "the data directory",
          disk,
          diskLimits(config),
          "builds' logs and uploads fail",
        ),
      );
    if (dbError !== undefined) {
      // Nothing else can be read or recorded: say it in the log, where it is seen.
      this.o.log(`health: failing: ${results[0]!.sentence}`);
      return;
    }
    const now = Date.now();
    const { rows, states } = await agentStates(db, this.o.leaseMs);
    for (const a of rows.filter((r) => r.disabled_at === null))
      results.push(silenceCheck(a.name, Date.parse(a.last_seen_at), now, config["silent-after"] * 1000));
    const ready = (await readyJobsSince(db, 500)).map(({ job, readySinceMs }) => ({
      id: job.id,
      package: job.package,
      labels: fromJson("labels", job.labels, "jobs.labels"),
      sandbox: isSandboxMode(job.sandbox) ? job.sandbox : undefined,
      readySinceMs,
    }));
    const agents = states.map((s, i) => ({ ...s, enabled: rows[i]!.disabled_at === null }));
    results.push(...queueChecks(ready, agents, now, config["queue-stall"] * 1000));
    results.push(eventLoopCheck(this.loop.percentile(99) / 1e6, config["event-loop-ms"]));
    this.loop.reset();
    const changed = await recordChecks(db, results, new Date(now), ownKey);
    for (const c of changed) this.o.log(`health: ${c.state}: ${c.sentence}`);
    if (changed.length) this.o.changed?.();
  }
}
