// The ways a set is built, for the tests written once and run per way: `kiln build` in one
// process, and a farm (`kiln serve` + agents) on SQLite or on PostgreSQL followed by
// `kiln build --server`. A scenario says `kiln build …`; the way runs it its own way, and where
// the ways legitimately differ, the Way says so (not the test).
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { describe, expect } from "vitest";
import { z } from "zod";
import { JobView } from "../../src/api/schemas.js";
import type { Backend } from "./databases.js";
import { startFarm, type Farm } from "./farm.js";
import { kiln, type KilnResult } from "./kiln.js";
import { ROOT } from "./paths.js";
import { tempDir } from "./temp.js";

export interface Way {
  name: string;
  /** Absent: `kiln build` in one process. */
  farm?: { backend: Backend; agents: number; slots: number };
  /** Where a failed job's log is said to be (job: its stage-name, e.g. report-summary). */
  jobLog(job: string): RegExp;
  /**
   * A stage that needs approval. Locally `kiln build` stops before it (the run ends, what needs
   * the package is blocked) and `kiln build --approve` runs it; on a farm the stage waits, the
   * same `kiln build --server` goes on following, and `kiln approve JOB` gives it.
   */
  approval: {
    /** The exit status of the run that reaches the approval. */
    waitingCode: number;
    /** What that run says of the wait: summary lines (stdout) and progress lines (stderr). */
    stdout: string[];
    stderr: RegExp[];
  };
}

export const WAYS: Way[] = [
  {
    name: "local",
    jobLog: (job) => new RegExp(String.raw`\S*builds\/\d+\/${job}\.log`),
    approval: {
      waitingCode: 1,
      stdout: [
        "built 0, up to date 0, cut off 0, failed 0, blocked 1, awaiting approval 1",
        "awaiting approval (run kiln build --approve): one",
      ],
      stderr: [
        /blocked two: needs one, which awaits approval/,
        /awaits approval one \(build \d+\): stage release runs with kiln build --approve/,
      ],
    },
  },
  ...(["sqlite", "postgres"] as const).map((backend): Way => ({
    name: `farm on ${backend === "sqlite" ? "SQLite" : "PostgreSQL"}`,
    // One agent with two slots on SQLite, two with one slot each on PostgreSQL.
    farm: backend === "sqlite" ? { backend, agents: 1, slots: 2 } : { backend, agents: 2, slots: 1 },
    jobLog: () => /kiln logs --server \S+ --job \d+/,
    approval: { waitingCode: 0, stdout: [], stderr: [] },
  })),
];

/** The scenarios inside, once per way. */
export function forEachWay(fn: (way: Way) => void): void {
  describe.each(WAYS)("$name", fn);
}

/** A way running on one set. */
export interface OnSet {
  way: Way;
  set: string;
  /** The data directory: the set's .kiln for every way. */
  data: string;
  dbUrl: string;
  /**
   * `kiln build|rebuild ARGS` the way's way (locally with --set; else --server and the admin's
   * --token); any other command (plan, graph) runs here on the set, with the way's --db.
   */
  kiln(args: string[]): Promise<KilnResult>;
  /**
   * `kiln build ARGS` through its approvals: `waiting`, the run that reached them; `approved`, the
   * run after they were given (locally `kiln build --approve`; on a farm the same run, each waiting
   * job approved with `kiln approve`, which the farm must show as waiting for approval).
   * `between`: runs after the approvals were reached (on a farm: when the run has ended).
   */
  buildApproving(
    args: string[],
    between?: () => Promise<void>,
  ): Promise<{ waiting: KilnResult; approved: KilnResult }>;
  /** The text of a log the output named (a path, or the `kiln logs` command that shows it). */
  readLog(where: string): Promise<string>;
  /** A farm reads kiln.yaml when it starts: a new server and agents on the same data and database. */
  reload(): Promise<void>;
}

export async function onSet(way: Way, set: string): Promise<OnSet> {
  const data = join(set, ".kiln");
  const where = (dbUrl: string): Pick<OnSet, "way" | "set" | "data" | "dbUrl"> => ({ way, set, data, dbUrl });
  if (!way.farm) {
    const dbUrl = `sqlite:${join(data, "kiln.db")}`;
    const run = (args: string[]): Promise<KilnResult> => kiln([args[0]!, "--set", set, ...args.slice(1)]);
    return {
      ...where(dbUrl),
      kiln: run,
      buildApproving: async (args, between) => {
        const waiting = await run(["build", ...args]);
        await between?.();
        return { waiting, approved: await run(["build", ...args, "--approve"]) };
      },
      readLog: (where) =>
        Promise.resolve(readFileSync(isAbsolute(where) ? where : join(ROOT, where), "utf8")),
      reload: () => Promise.resolve(),
    };
  }
  const f = way.farm;
  // Named and with their own work directories, so that the farm started again finds them enrolled.
  const agents = Array.from({ length: f.agents }, (_, i) => ({
    name: `agent-${i + 1}`,
    slots: f.slots,
    workdir: tempDir("kiln-agent-"),
  }));
  let farm: Farm = await startFarm({ set, backend: f.backend, agents });
  const dbUrl = farm.dbUrl;
  const server = (): string[] => ["--server", farm.url, "--token", farm.adminToken];
  const remote = (args: string[]): string[] => [args[0]!, ...server(), ...args.slice(1)];
  const run = (args: string[]): Promise<KilnResult> =>
    kiln(
      args[0] === "build" || args[0] === "rebuild"
        ? remote(args)
        : [args[0]!, "--set", set, "--db", dbUrl, ...args.slice(1)],
    );
  return {
    ...where(dbUrl),
    kiln: run,
    buildApproving: async (args, between) => {
      const running = run(["build", ...args]);
      let ended = false;
      void running.then(() => (ended = true));
      const approved = new Set<number>();
      while (!ended) {
        const { jobs } = await farm.api.json(
          z.object({ jobs: z.array(JobView) }),
          "GET",
          "/jobs?status=active&limit=1000",
        );
        for (const j of jobs.filter((x) => x.why.startsWith("waits for approval") && !approved.has(x.id))) {
          expect(j.why).toBe(`waits for approval of stage ${j.stage} (kiln approve ${j.id})`);
          const ok = await kiln(["approve", ...server(), String(j.id)]);
          expect(ok.code, ok.stderr).toBe(0);
          approved.add(j.id);
        }
        await Promise.race([running, new Promise((r) => setTimeout(r, 200))]);
      }
      expect(approved.size, "jobs that waited for approval").toBeGreaterThan(0);
      const r = await running;
      await between?.();
      return { waiting: r, approved: r };
    },
    readLog: async (where) => {
      const [cmd, ...args] = where.split(" ");
      expect(cmd).toBe("kiln");
      const r = await kiln(args);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout;
    },
    reload: async () => {
      await farm.stop();
      farm = await startFarm({ set, db: dbUrl, agents });
    },
  };
}
