// The example set built by two Kilns in one bench run: this one and a baseline (another checkout,
// built, named by $KILN_BENCH_BASELINE — e.g. a worktree of the commit before a change), each as a
// whole `kiln build --jobs N` process on a fresh copy, alternating, measured the same way: the wall
// time of the process against the lower bound max(critical path, total work / jobs) computed from
// the build times the run recorded in its own database.
import { spawnSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { criticalPath } from "../src/core/plan.js";

export interface WholeBuild {
  kiln: "baseline" | "this";
  jobs: number;
  wallMs: number;
  lowerBoundMs: number;
  ratio: number;
}

/** One whole `kiln build` of a fresh copy of the example set, by the Kiln checked out at `root`. */
export function wholeBuild(
  root: string,
  examples: string,
  scratch: string,
  jobs: number,
  order: ReadonlyMap<string, ReadonlySet<string>>,
): Omit<WholeBuild, "kiln"> {
  const set = join(scratch, `whole-${jobs}-${Date.now()}`);
  cpSync(examples, set, { recursive: true, filter: (s) => !s.includes("/.kiln") });
  try {
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      [join(root, "bin", "kiln.js"), "build", "--set", set, "--jobs", String(jobs)],
      {
        encoding: "utf8",
      },
    );
    const wallMs = performance.now() - t0;
    if (r.status !== 0 || !/built 7,/.test(r.stdout)) {
      throw new Error(`${root}: kiln build failed (${r.status}): ${r.stdout}\n${r.stderr}`);
    }
    const db = new DatabaseSync(join(set, ".kiln", "kiln.db"), { readOnly: true });
    const rows = db.prepare("select package, duration_ms from builds where status = 'green'").all() as {
      package: string;
      duration_ms: number;
    }[];
    db.close();
    const work = new Map(rows.map((x) => [x.package, x.duration_ms]));
    const built = new Set(work.keys());
    const cp = criticalPath(built, order, (n) => work.get(n) ?? 0);
    const total = [...work.values()].reduce((a, b) => a + b, 0);
    const lowerBoundMs = Math.max(cp, total / jobs);
    return { jobs, wallMs, lowerBoundMs, ratio: wallMs / lowerBoundMs };
  } finally {
    rmSync(set, { recursive: true, force: true });
  }
}
