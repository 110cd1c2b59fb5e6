// `npm run bench`: Kiln's performance figures, written to bench/report/report.md and report.json.
//
//   1. the example set built from scratch with --jobs 1 and --jobs 2, beside the lower bound
//      max(critical path, total work / jobs) computed from the same run's job times;
//   2. a build root cloned from the cache against the same root freshly installed with rpm;
//   3. a 30,000-spec synthetic set loaded cold (every spec read by librpm) and warm (from the cache),
//      and what a change to its bottom package would rebuild, planned on it;
//   4. the build farm (farm-bench.ts): dispatch throughput with simulated agents on SQLite and
//      PostgreSQL, the farm's own overhead per build with a real agent, and the example set built
//      through a farm against a local build.
//
// --quick: fewer runs, smaller inputs. --farm-only: only the farm's figures; --no-farm: all but them.
// $KILN_BENCH_PG: a PostgreSQL admin URL (default postgres://postgres@127.0.0.1:5432/postgres);
// $KILN_BENCH_BASELINE=DIR: another Kiln checkout, built (npm run build there), whose whole
// `kiln build` of the example set is measured beside this one's, alternating (bench/baseline.ts);
// $KILN_BENCH_CPU_PROF=DIR: V8 CPU profiles of the farm's servers, for finding where time goes.
//
// Each figure is the median of several runs; the machine is noisy, so the spread is reported too.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { buildInProcess } from "../src/local/in-process-farm.js";
import { loadGraph, modeOf } from "../src/planner/load-graph.js";
import { openWorkspace } from "../src/context/workspace.js";
import { clone, rootKey, type RootPackage } from "../src/buildroot/buildroot-cache.js";
import { planChange } from "../src/core/flow.js";
import { criticalPath } from "../src/core/plan.js";
import { artifactsOf, lastDurations } from "../src/db/builds.js";
import { packageRoot } from "../src/util/package-root.js";
import { wholeBuild, type WholeBuild } from "./baseline.js";
import { benchFarm, farmMarkdown, type FarmResults } from "./farm-bench.js";
import { optimalMakespan } from "./optimal-schedule.js";
import { syntheticName, writeSyntheticSet } from "./synthetic-set.js";

const ROOT = packageRoot();
const REPORT_DIR = join(ROOT, "bench", "report");
const SCRATCH = mkdtempSync(join(tmpdir(), "kiln-bench-"));
const quick = process.argv.includes("--quick");
const REPS = quick ? 1 : 3;
const SPECS = quick ? 3000 : 30000;
const farmOnly = process.argv.includes("--farm-only");
const withFarm = !process.argv.includes("--no-farm");

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const spread = (xs: number[]): string => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
const log = (s: string): void => {
  process.stderr.write(`bench: ${s}\n`);
};

interface SetBuild {
  jobs: number;
  wallMs: number;
  criticalPathMs: number;
  totalWorkMs: number;
  lowerBoundMs: number;
  ratio: number;
  /** The best any scheduler could do with the same job times (snapshot writes aside). */
  optimalMs: number;
  /** Time spent writing repository snapshots, beside the builds. */
  snapshotMs: number;
}

async function buildExamples(jobs: number): Promise<SetBuild> {
  const set = join(SCRATCH, `examples-j${jobs}-${Date.now()}`);
  cpSync(join(ROOT, "examples"), set, { recursive: true, filter: (s) => !s.includes("/.kiln") });
  const ws = await openWorkspace({ setDir: set, lock: true });
  try {
    const s = await buildInProcess(ws, "sqlite", { targets: [], jobs });
    if (s.failed.length || s.blocked.length || s.built.length !== 7)
      throw new Error(`example build failed: ${JSON.stringify(s)}`);
    const g = await loadGraph(ws);
    // A job's work: its build and recording its publication (dependents wait for both). Snapshot
    // writes run beside the builds, outside the --jobs slots: the last one ends the critical path.
    const work = (n: string): number => (s.durations.get(n) ?? 0) + (s.publishMs.get(n) ?? 0);
    const cp = criticalPath(new Set(s.built), g.graph.order, work) + s.lastSnapshotMs;
    const total = s.built.reduce((a, n) => a + work(n), 0);
    const bound = Math.max(cp, total / jobs);
    const optimalMs = optimalMakespan(new Set(s.built), g.graph.order, work, jobs) + s.lastSnapshotMs;
    return {
      jobs,
      wallMs: s.wallMs,
      criticalPathMs: cp,
      totalWorkMs: total,
      lowerBoundMs: bound,
      ratio: s.wallMs / bound,
      optimalMs,
      snapshotMs: s.snapshotMs,
    };
  } finally {
    await ws.close();
    rmSync(set, { recursive: true, force: true });
  }
}

interface RootBench {
  label: string;
  packages: number;
  files: number;
  installMs: number[];
  cloneMs: number[];
}

/** Fresh install of a root with `packages`, against a clone of the cached one. */
async function benchRoot(label: string, set: string, packages: RootPackage[]): Promise<RootBench> {
  const ws = await openWorkspace({ setDir: set });
  try {
    const installMs: number[] = [];
    const cloneMs: number[] = [];
    const template = join(ws.roots.dir, rootKey(packages));
    for (let i = 0; i < Math.max(REPS, 5); i++) {
      const fresh = join(SCRATCH, `fresh-${i}`);
      const t0 = performance.now();
      await ws.roots.install(packages, fresh);
      installMs.push(performance.now() - t0);
      rmSync(fresh, { recursive: true, force: true });
      if (!existsSync(template)) await ws.roots.install(packages, template);
      const dest = join(SCRATCH, `clone-${i}`);
      const t1 = performance.now();
      await clone(template, dest);
      cloneMs.push(performance.now() - t1);
      rmSync(dest, { recursive: true, force: true });
    }
    const files = Number(
      execFileSync("sh", ["-c", `find '${template}' | wc -l`])
        .toString()
        .trim(),
    );
    return { label, packages: packages.length, files, installMs, cloneMs };
  } finally {
    await ws.close();
  }
}

/** The example set's largest build root (hello's), from a built copy of the set. */
async function exampleRoot(): Promise<{ set: string; packages: RootPackage[] }> {
  const set = join(SCRATCH, "examples-roots");
  cpSync(join(ROOT, "examples"), set, { recursive: true, filter: (s) => !s.includes("/.kiln") });
  const ws = await openWorkspace({ setDir: set, lock: true });
  try {
    await buildInProcess(ws, "sqlite", { targets: [], jobs: 2 });
    const ids = (await ws.db.selectFrom("repo_packages").select("build_id").execute()).map((r) => r.build_id);
    const rpms = (await artifactsOf(ws.db, ids)).filter((a) => a.kind === "rpm" && a.name !== "hello");
    return { set, packages: rpms.map((a) => ({ sha256: a.sha256, filename: a.filename })) };
  } finally {
    await ws.close();
  }
}

/** A set with one package of 5,000 files (about 40 MB), for a root the size of a real toolchain's. */
async function largeRoot(): Promise<{ set: string; packages: RootPackage[] }> {
  const set = join(SCRATCH, "large-root");
  mkdirSync(join(set, "packages", "bulk"), { recursive: true });
  writeFileSync(join(set, "kiln.yaml"), "name: bulk\n");
  writeFileSync(
    join(set, "packages", "bulk", "bulk.spec"),
    `Name: bulk
Version: 1
Release: 1
Summary: 5,000 files
License: MIT
BuildArch: noarch
%description
Many files.
%install
for d in $(seq 1 50); do
  mkdir -p %{buildroot}%{_datadir}/bulk/$d
  for f in $(seq 1 100); do head -c 8192 /dev/urandom > %{buildroot}%{_datadir}/bulk/$d/$f; done
done
%files
%{_datadir}/bulk
`,
  );
  const ws = await openWorkspace({ setDir: set, lock: true });
  try {
    await buildInProcess(ws, "sqlite", { targets: [], jobs: 1 });
    const ids = (await ws.db.selectFrom("repo_packages").select("build_id").execute()).map((r) => r.build_id);
    const rpms = (await artifactsOf(ws.db, ids)).filter((a) => a.kind === "rpm");
    return { set, packages: rpms.map((a) => ({ sha256: a.sha256, filename: a.filename })) };
  } finally {
    await ws.close();
  }
}

interface LoadBench {
  specs: number;
  coldMs: number;
  warmMs: number[];
  warmProcessMs: number[];
  plan: PlanBench;
}

interface PlanBench {
  /** The package changed: the bottom of the graph (everything depends on it, directly or not). */
  changed: string;
  downstream: number;
  waves: number;
  /** planChange over the loaded graph (affected set, waves, critical path), in process. */
  inProcessMs: number[];
  /** A whole `kiln plan PKG --format json` process (Node's start and the warm load included). */
  processMs: number[];
}

async function benchLoad(): Promise<LoadBench> {
  const set = join(SCRATCH, "synthetic");
  log(`generating a ${SPECS}-spec synthetic set`);
  await writeSyntheticSet(set, { count: SPECS });
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    const ws = await openWorkspace({ setDir: set });
    try {
      const g = await loadGraph(ws);
      if (g.graph.names.length !== SPECS || g.set.errors.size > 0)
        throw new Error("synthetic set did not load cleanly");
    } finally {
      await ws.close();
    }
    return performance.now() - t0;
  };
  log("loading it cold (every spec read by librpm)");
  const coldMs = await once();
  const warmMs: number[] = [];
  for (let i = 0; i < REPS; i++) warmMs.push(await once());
  // The same, as a user sees it: a whole `kiln graph` process, Node's start included.
  const warmProcessMs: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      [join(ROOT, "bin", "kiln.js"), "graph", "--set", set, "--format", "json"],
      {
        stdio: ["ignore", "ignore", "inherit"],
      },
    );
    if (r.status !== 0) throw new Error("kiln graph failed on the synthetic set");
    warmProcessMs.push(performance.now() - t0);
  }
  return { specs: SPECS, coldMs, warmMs, warmProcessMs, plan: await benchPlan(set) };
}

/** What a change to the bottom package of the synthetic set rebuilds, computed on the loaded graph. */
async function benchPlan(set: string): Promise<PlanBench> {
  const changed = syntheticName(0);
  log(`planning a change to ${changed} on the ${SPECS}-package graph`);
  const ws = await openWorkspace({ setDir: set });
  try {
    const g = await loadGraph(ws);
    const durations = await lastDurations(ws.db);
    const inProcessMs: number[] = [];
    let plan = planChange([changed], {
      rdeps: g.graph.rdeps,
      order: g.graph.order,
      modeOf: modeOf(ws, g),
      durations,
      downstream: "modes",
    });
    for (let i = 0; i < Math.max(5, REPS); i++) {
      const t0 = performance.now();
      plan = planChange([changed], {
        rdeps: g.graph.rdeps,
        order: g.graph.order,
        modeOf: modeOf(ws, g),
        durations,
        downstream: "modes",
      });
      inProcessMs.push(performance.now() - t0);
    }
    const processMs: number[] = [];
    for (let i = 0; i < REPS; i++) {
      const t0 = performance.now();
      const r = spawnSync(
        process.execPath,
        [join(ROOT, "bin", "kiln.js"), "plan", "--set", set, "--format", "json", changed],
        { stdio: ["ignore", "ignore", "inherit"] },
      );
      if (r.status !== 0) throw new Error("kiln plan failed on the synthetic set");
      processMs.push(performance.now() - t0);
    }
    return { changed, downstream: plan.packages.length, waves: plan.waves.length, inProcessMs, processMs };
  } finally {
    await ws.close();
  }
}

async function runFarm(): Promise<FarmResults> {
  return benchFarm({
    root: ROOT,
    quick,
    log,
    ...(process.env.KILN_BENCH_PG ? { pgAdminUrl: process.env.KILN_BENCH_PG } : {}),
    ...(process.env.KILN_BENCH_CPU_PROF ? { cpuProfDir: process.env.KILN_BENCH_CPU_PROF } : {}),
  });
}

function header(started: Date): string[] {
  return [
    `# Kiln benchmark`,
    ``,
    `${started.toISOString()} · ${cpus()[0]?.model ?? "?"} · ${availableParallelism()} cores · Node ${process.versions.node}${quick ? " · QUICK (fewer runs, smaller set)" : ""}`,
    ``,
  ];
}

function writeReport(md: string, json: object): void {
  mkdirSync(REPORT_DIR, { recursive: true });
  writeFileSync(join(REPORT_DIR, "report.md"), md);
  writeFileSync(join(REPORT_DIR, "report.json"), JSON.stringify(json, null, 2));
  process.stdout.write(md + `\nwritten to ${join(REPORT_DIR, "report.md")}\n`);
}

function cleanScratch(): void {
  for (const d of readdirSync(SCRATCH)) rmSync(join(SCRATCH, d), { recursive: true, force: true });
  rmSync(SCRATCH, { recursive: true, force: true });
}

/** Whole `kiln build` processes of this Kiln and the baseline's, alternating (bench/baseline.ts). */
async function againstBaseline(baseline: string): Promise<WholeBuild[]> {
  const set = join(SCRATCH, "order");
  cpSync(join(ROOT, "examples"), set, { recursive: true, filter: (s) => !s.includes("/.kiln") });
  const ws = await openWorkspace({ setDir: set });
  const order = (await loadGraph(ws)).graph.order;
  await ws.close();
  const out: WholeBuild[] = [];
  for (const jobs of [1, 2]) {
    for (let i = 0; i < REPS; i++) {
      for (const [kiln, root] of [
        ["baseline", baseline],
        ["this", ROOT],
      ] as const) {
        log(`whole kiln build (${kiln}), --jobs ${jobs}, run ${i + 1}/${REPS}`);
        out.push({ kiln, ...wholeBuild(root, join(ROOT, "examples"), SCRATCH, jobs, order) });
      }
    }
  }
  return out;
}

function baselineMarkdown(whole: WholeBuild[]): string[] {
  if (whole.length === 0) return [];
  const row = (kiln: WholeBuild["kiln"], jobs: number): string => {
    const b = whole.filter((x) => x.kiln === kiln && x.jobs === jobs);
    const m = (f: (x: WholeBuild) => number): number => median(b.map(f));
    return `| ${kiln === "this" ? "this Kiln" : `baseline (${process.env.KILN_BENCH_BASELINE})`} | ${jobs} | ${(m((x) => x.wallMs) / 1000).toFixed(2)} s (${spread(b.map((x) => x.wallMs))} ms) | ${(m((x) => x.lowerBoundMs) / 1000).toFixed(2)} s | ${m((x) => x.ratio).toFixed(2)}× |`;
  };
  return [
    `## The example set as a whole \`kiln build\` process: this Kiln against a baseline`,
    ``,
    `Each a fresh copy, the two Kilns alternating, median of ${REPS} runs. Lower bound = max(critical path, total`,
    `work / jobs) from the build times each run recorded in its own database (process start, set loading and`,
    `planning included in the wall time, so the ratio is above the in-process one).`,
    ``,
    `| Kiln | jobs | wall time (whole process) | lower bound | ratio to the bound |`,
    `| --- | --- | --- | --- | --- |`,
    row("baseline", 1),
    row("this", 1),
    row("baseline", 2),
    row("this", 2),
    ``,
  ];
}

async function main(): Promise<void> {
  const started = new Date();
  if (farmOnly) {
    const farm = await runFarm();
    writeReport([...header(started), ...farmMarkdown(farm)].join("\n"), { started, quick, farm });
    cleanScratch();
    return;
  }
  const builds: SetBuild[] = [];
  for (const jobs of [1, 2]) {
    for (let i = 0; i < REPS; i++) {
      log(`example set, --jobs ${jobs}, run ${i + 1}/${REPS}`);
      builds.push(await buildExamples(jobs));
    }
  }
  const whole = process.env.KILN_BENCH_BASELINE ? await againstBaseline(process.env.KILN_BENCH_BASELINE) : [];
  log("build roots: fresh install against a clone from the cache");
  const ex = await exampleRoot();
  const big = await largeRoot();
  const roots = [
    await benchRoot("example set (hello's root)", ex.set, ex.packages),
    await benchRoot("5,000 files, 40 MB", big.set, big.packages),
  ];
  const load = await benchLoad();
  const farm = withFarm ? await runFarm() : undefined;

  const byJobs = (j: number): SetBuild[] => builds.filter((b) => b.jobs === j);
  const row = (j: number): string => {
    const b = byJobs(j);
    const m = (f: (x: SetBuild) => number): number => median(b.map(f));
    const sec = (f: (x: SetBuild) => number): string => `${(m(f) / 1000).toFixed(2)} s`;
    return `| ${j} | ${sec((x) => x.wallMs)} (${spread(b.map((x) => x.wallMs))} ms) | ${sec((x) => x.lowerBoundMs)} | ${sec((x) => x.criticalPathMs)} | ${sec((x) => x.totalWorkMs)} | ${((m((x) => x.ratio) - 1) * 100).toFixed(1)} % | ${sec((x) => x.optimalMs)} | ${sec((x) => x.snapshotMs)} |`;
  };
  const md = [
    ...header(started),
    `## The example set, built from scratch (7 packages, sandboxed)`,
    ``,
    `Median of ${REPS} runs. Work of a job = its build (build root, rpmbuild, checks, storing) + recording its`,
    `publication. Repository snapshots are written beside the builds, outside the --jobs slots; the last write`,
    `ends the critical path. Lower bound = max(critical path, total work / jobs), from the same run's times.`,
    `Best possible schedule: an exhaustive search over the same job times (plus the last snapshot write); the`,
    `lower bound is not reachable when the last job (hello) must run alone after all the others.`,
    ``,
    `| jobs | wall time (building) | lower bound | critical path | total work | over the bound | best possible schedule | snapshot writing (beside) |`,
    `| --- | --- | --- | --- | --- | --- | --- | --- |`,
    row(1),
    row(2),
    ``,
    ...baselineMarkdown(whole),
    `## Build roots: fresh install with rpm against a hard-link clone of the cached root`,
    ``,
    `| root | packages | files | fresh install (median, range ms) | clone (median, range ms) |`,
    `| --- | --- | --- | --- | --- |`,
    ...roots.map(
      (r) =>
        `| ${r.label} | ${r.packages} | ${r.files} | ${median(r.installMs).toFixed(0)} ms (${spread(r.installMs)}) | ${median(r.cloneMs).toFixed(1)} ms (${spread(r.cloneMs)}) |`,
    ),
    ``,
    `## Loading a ${load.specs.toLocaleString("en")}-spec synthetic set (spec reading and graph resolution)`,
    ``,
    `| | time |`,
    `| --- | --- |`,
    `| cold: every spec read by librpm (${availableParallelism()} reader processes, sandboxed) | ${(load.coldMs / 1000).toFixed(1)} s |`,
    `| warm: from the spec cache, in process (median, range) | ${(median(load.warmMs) / 1000).toFixed(2)} s (${spread(load.warmMs)} ms) |`,
    `| warm: a whole \`kiln graph --format json\` process (median, range) | ${(median(load.warmProcessMs) / 1000).toFixed(2)} s (${spread(load.warmProcessMs)} ms) |`,
    ``,
    `## Planning a change on the ${load.specs.toLocaleString("en")}-package graph`,
    ``,
    `A change to ${load.plan.changed}, at the bottom of the graph: it may rebuild ${load.plan.downstream.toLocaleString("en")} packages in ${load.plan.waves} waves.`,
    ``,
    `| | time (median, range) |`,
    `| --- | --- |`,
    `| downstream set, waves and critical path, in process | ${median(load.plan.inProcessMs).toFixed(1)} ms (${spread(load.plan.inProcessMs)} ms) |`,
    `| a whole \`kiln plan ${load.plan.changed} --format json\` process (warm load included) | ${(median(load.plan.processMs) / 1000).toFixed(2)} s (${spread(load.plan.processMs)} ms) |`,
    ``,
    ...(farm ? farmMarkdown(farm) : []),
  ].join("\n");
  writeReport(md, { started, quick, builds, whole, roots, load, ...(farm ? { farm } : {}) });
  cleanScratch();
}

await main();
