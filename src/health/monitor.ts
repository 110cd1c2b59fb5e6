// The server's checks of itself and of its agents, on a schedule: the data directory's free space,
// the database's answer time, agents gone silent. Each round is recorded (src/db/health.ts), and
// each change of state goes to the server's log. An agent's own disk is checked with each of its
// heartbeats (src/coordinator/coordinator.ts), not here.
import { sql } from "kysely";
import type { ServerConfig } from "../config/server-config.js";
import { databaseCheck, diskCheck, silenceCheck, type CheckResult, type DiskLimits } from "../core/health.js";
import { recordChecks } from "../db/health.js";
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

  constructor(
    private readonly o: {
      db: Conn;
      dataDir: string;
      config: ServerConfig["health"];
      log: (line: string) => void;
      /** Told when a check changes state (leases wait on an agent's check). */
      changed?: () => void;
    },
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), this.o.config.interval * 1000);
    this.timer.unref();
    void this.check();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
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
    const agents = await db
      .selectFrom("agents")
      .select(["name", "last_seen_at"])
      .where("disabled_at", "is", null)
      .execute();
    for (const a of agents)
      results.push(silenceCheck(a.name, Date.parse(a.last_seen_at), now, config["silent-after"] * 1000));
    const changed = await recordChecks(db, results, new Date(now), ownKey);
    for (const c of changed) this.o.log(`health: ${c.state}: ${c.sentence}`);
    if (changed.length) this.o.changed?.();
  }
}
