// `kiln build`: loads the set, plans what is not up to date, and builds it in dependency order,
// independent packages in parallel, each green build published into the set's first repository
// so that what depends on it can install it. A failure blocks only what depends on it.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { pickNext, remainingChain } from "../core/plan.js";
import { hostMatcher } from "../core/providers.js";
import { formatEvr } from "../core/rpmvercmp.js";
import {
  abandonRunningBuilds,
  createBuild,
  finishBuild,
  lastDurations,
  setBuildStages,
  setBuildSteps,
} from "../db/builds.js";
import { UserError } from "../util/errors.js";
import type { BuildTrigger } from "../api/schemas.js";
import { checkCutoff } from "./cutoff.js";
import { getRepository } from "../db/repos.js";
import { writeSnapshot } from "../repos/publish.js";
import { runLocalPipeline, type JobEvent } from "./local-pipeline.js";
import { earlyCutoffOf, graphErrors, loadGraph, pipelineOf } from "./load-graph.js";
import { planRun, rootCauses, type RunState } from "./plan-run.js";
import { isUpToDate, prepareBuild, whyNotUpToDate, type SourceHashes } from "./prepare-build.js";
import { Publisher } from "./publisher.js";
import type { Workspace } from "../context/workspace.js";
import type { BuildOptions, BuildSummary } from "./build-events.js";

export type { BuildEvent, BuildOptions, BuildSummary } from "./build-events.js";

export async function buildSet(ws: Workspace, opts: BuildOptions): Promise<BuildSummary> {
  const emit = opts.onEvent ?? (() => {});
  const repo = ws.config.repositories[0]!.name;
  await abandonRunningBuilds(ws.db);

  const g = await loadGraph(ws);
  emit({ type: "loaded", packages: g.set.packages.length + g.set.broken.size, ...g.set.stats });
  const errors = graphErrors(g);
  for (const [pkg, list] of errors) for (const e of list) emit({ type: "error", package: pkg, error: e });
  const reported = new Set(errors.keys());
  const unknown = opts.targets.filter((t) => !g.graph.names.includes(t));
  if (unknown.length > 0) {
    throw new UserError(
      "PACKAGE_UNKNOWN",
      `no package named ${unknown.join(", ")} in the set`,
      { file: join(ws.setDir, "packages") },
      "`kiln graph` lists the packages",
    );
  }

  const isHost = hostMatcher(ws.config.host.provides);
  const pipelines = pipelineOf(ws, g);
  const earlyCutoff = earlyCutoffOf(ws, g);
  const hashes: SourceHashes = new Map();
  const running = new Map<string, Promise<void>>();
  const durations = new Map<string, number>();
  /** Builds of this run that published new output, by package. */
  const builtIds = new Map<string, number>();
  /** What differs from the published output, for packages that rebuilt to a new one. */
  const changes = new Map<string, string[]>();
  /** Packages published with the same output as their published build (early cutoff off). */
  const sameOutput = new Map<string, number>();
  const publisher = new Publisher(
    { db: ws.db, data: ws.data, store: ws.store, config: ws.config },
    repo,
    g.graph.packages,
    g.index,
    {
      busy: () => running.size > 0,
      coming: (source) => state.get(source) === "pending" || state.get(source) === "running",
      published: async (pkg, id) => {
        await finishBuild(ws.db, id, "green", durations.get(pkg) ?? 0, null);
        builtIds.set(pkg, id);
        settle(pkg, "green");
        const changed = changes.get(pkg);
        emit({
          type: "green",
          package: pkg,
          buildId: id,
          ms: durations.get(pkg) ?? 0,
          ...(changed ? { changed } : {}),
          ...(sameOutput.has(pkg) ? { sameAs: sameOutput.get(pkg)! } : {}),
        });
      },
      refused: async (pkg, id, message) => {
        await finishBuild(ws.db, id, "failed", durations.get(pkg) ?? 0, message);
        settle(pkg, "failed");
        emit({ type: "failed", package: pkg, buildId: id, error: message });
      },
      snapshot: (e) => emit({ type: "published", ...e }),
    },
  );
  await publisher.open();

  const plan = await planRun(ws, g, publisher.view, errors, {
    targets: opts.targets,
    forced: new Set(opts.forced ?? []),
    isHost,
    hashes,
  });
  // Packages planning found invalid (a source that is a link): said like the loader's errors.
  for (const [pkg, list] of errors)
    if (!reported.has(pkg)) for (const e of list) emit({ type: "error", package: pkg, error: e });
  const { state, toBuild, blockedBy } = plan;
  const count = (s: RunState): number => plan.names.filter((n) => state.get(n) === s).length;
  emit({ type: "plan", toBuild, upToDate: count("up-to-date"), blocked: count("blocked") });
  for (const n of plan.names)
    if (state.get(n) === "blocked") emit({ type: "blocked", package: n, by: blockedBy.get(n)! });

  // Readiness, kept up to date as builds finish: how many of its prerequisites in this run each
  // package still waits for, and who waits for whom.
  const building = new Set(toBuild);
  const waitsFor = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const n of toBuild) {
    const needs = [...(g.graph.order.get(n) ?? [])].filter((d) => d !== n && building.has(d));
    waitsFor.set(n, needs.length);
    for (const d of needs) dependents.set(d, [...(dependents.get(d) ?? []), n]);
  }
  const ready = new Set(toBuild.filter((n) => waitsFor.get(n) === 0));

  // The ready build with the longest chain of work still below it goes first.
  const known = await lastDurations(ws.db);
  const typical = known.size > 0 ? [...known.values()].reduce((a, b) => a + b, 0) / known.size : 1000;
  const chain = remainingChain(building, g.graph.order, (n) => known.get(n) ?? typical);
  const waiting = new Map(toBuild.map((n) => [n, downstreamIn(n, dependents).size]));

  function settle(name: string, s: RunState): void {
    state.set(name, s);
    if (s === "green" || s === "cut-off" || s === "up-to-date") {
      for (const d of dependents.get(name) ?? []) {
        const left = waitsFor.get(d)! - 1;
        waitsFor.set(d, left);
        if (left === 0 && state.get(d) === "pending") ready.add(d);
      }
      return;
    }
    if (s !== "failed" && s !== "cancelled" && s !== "awaiting-approval") return;
    // What depends on it in this run is blocked by it (not failed), or cancelled with it.
    for (const n of downstreamIn(name, dependents)) {
      if (n === name || state.get(n) !== "pending") continue;
      ready.delete(n);
      if (s === "cancelled") {
        state.set(n, "cancelled");
        emit({ type: "cancelled", package: n });
      } else {
        state.set(n, "blocked");
        blockedBy.set(n, rootCauses([name], blockedBy));
        emit({
          type: "blocked",
          package: n,
          by: blockedBy.get(n)!,
          ...(s === "awaiting-approval" ? { because: "awaits approval" } : {}),
        });
      }
    }
  }

  const runOne = async (name: string): Promise<void> => {
    const pkg = g.graph.packages.get(name)!;
    const view = publisher.view;
    const prepared = await prepareBuild(ws, view, pkg, isHost, hashes);
    if (prepared.unsatisfied.length > 0) {
      const what = prepared.unsatisfied.map((u) =>
        u.neededBy ? `${u.requirement} (required by ${u.neededBy})` : u.requirement,
      );
      settle(name, "failed");
      emit({
        type: "failed",
        package: name,
        error: `cannot fill the build root: nothing in ${repo} provides ${what.join(", ")}`,
      });
      return;
    }
    const last = g.greens.get(name);
    if (!opts.forced?.includes(name) && isUpToDate(last, prepared, view)) {
      // What it was waiting for rebuilt to the very same RPMs: nothing to do.
      settle(name, "up-to-date");
      emit({ type: "up-to-date", package: name });
      return;
    }
    const reason = plan.reason.get(name) ?? whyNotUpToDate(last, prepared, view);
    const trigger: BuildTrigger = {
      request: null,
      cause: null,
      upstream: [...(g.graph.order.get(name) ?? [])]
        .filter((d) => d !== name && builtIds.has(d))
        .sort()
        .map((d) => ({ package: d, build: builtIds.get(d)! })),
    };
    const buildId = await createBuild(ws.db, {
      trigger: JSON.stringify(trigger),
      package: name,
      reason,
      inputKey: prepared.key,
      inputs: JSON.stringify(prepared.inputs),
      evr: formatEvr(pkg.evr),
      logPath: (id) => join(ws.data.buildDir(id), "build.log"),
    });
    const buildDir = ws.data.buildDir(buildId);
    emit({ type: "start", package: name, buildId, reason });
    const t0 = performance.now();
    const pipeline = pipelines(name);
    const res = await runLocalPipeline(ws, {
      pkg,
      pipeline,
      buildId,
      buildDir,
      rootPackages: prepared.packages,
      approve: opts.approve === true,
      ...(opts.signal ? { signal: opts.signal } : {}),
      // The jobs of a pipeline with more than the build job are shown one by one.
      ...(pipeline.stages.length > 2 || pipeline.stages[0]!.jobs.length > 1
        ? { onJob: (j: JobEvent) => emit({ type: "job", package: name, ...j }) }
        : {}),
    });
    const ms = performance.now() - t0;
    durations.set(name, ms);
    await setBuildSteps(
      ws.db,
      buildId,
      res.steps,
      ws.sandbox ? "bubblewrap" : (ws.sandboxNote ?? "no sandbox"),
    );
    if (res.awaiting !== undefined) {
      const why = `stopped before stage ${res.awaiting}, which needs approval (kiln build --approve)`;
      await finishBuild(ws.db, buildId, "cancelled", ms, why);
      settle(name, "awaiting-approval");
      emit({ type: "awaiting-approval", package: name, buildId, stage: res.awaiting });
      return;
    }
    if (res.ok) {
      await setBuildStages(
        ws.db,
        buildId,
        pipeline.stages.filter((s) => s.jobs[0]!.steps[0]!.kind !== "publish").map((s) => s.name),
      );
    }
    if (!res.ok) {
      const cancelled = opts.signal?.aborted === true;
      await finishBuild(
        ws.db,
        buildId,
        cancelled ? "cancelled" : "failed",
        ms,
        cancelled ? "cancelled" : (res.error ?? "failed"),
      );
      settle(name, cancelled ? "cancelled" : "failed");
      if (cancelled) emit({ type: "cancelled", package: name, buildId });
      else
        emit({ type: "failed", package: name, buildId, error: res.error ?? "failed", logPath: res.logPath });
      return;
    }
    // Early cutoff: an output equivalent to the published one is not published, and what depends
    // on it finds its inputs unchanged.
    const cut = await checkCutoff(
      ws,
      publisher.view,
      name,
      res.rpms.map((h) => h.file),
    );
    for (const dir of res.jobDirs) if (dir !== buildDir) await rm(dir, { recursive: true, force: true });
    // Its RPMs are in the artifact store now; the rpmbuild tree is only kept when a build fails.
    await rm(join(buildDir, "top"), { recursive: true, force: true });
    if (cut?.comparison.equivalent && earlyCutoff(name)) {
      await finishBuild(ws.db, buildId, "green", ms, null, cut.published);
      settle(name, "cut-off");
      emit({ type: "cut-off", package: name, buildId, ms, sameAs: cut.published });
      return;
    }
    if (cut?.comparison.equivalent) sameOutput.set(name, cut.published);
    else if (cut) changes.set(name, cut.comparison.differences);
    // Recording the publication takes milliseconds; the build keeps its slot until then, so that
    // what it unblocks is ready when the slot frees. Snapshots are written beside the builds.
    await publisher.publish(name, buildId);
  };

  const started = performance.now();
  while (!opts.signal?.aborted) {
    while (running.size < opts.jobs) {
      const next = pickNext(ready, chain, waiting);
      if (!next) break;
      ready.delete(next);
      state.set(next, "running");
      const job = runOne(next)
        .catch((e: unknown) => {
          settle(next, "failed");
          emit({ type: "failed", package: next, error: (e as Error).message });
        })
        .finally(() => running.delete(next));
      running.set(next, job);
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  await Promise.allSettled(running.values());
  await publisher.finish();
  // The other repositories' snapshots, where their disk lags (a damaged file taken out by a scrub
  // and stored again by a build since).
  for (const r of ws.config.repositories.slice(1)) {
    const row = await getRepository(ws.db, r.name);
    if (row && row.snapshot_content_version !== row.content_version) {
      await writeSnapshot({ db: ws.db, data: ws.data, store: ws.store, config: ws.config }, r.name).catch(
        (e: unknown) =>
          emit({ type: "failed", package: `(repository ${r.name})`, error: (e as Error).message }),
      );
    }
  }
  for (const n of toBuild) {
    if (state.get(n) === "pending") {
      state.set(n, "cancelled");
      emit({ type: "cancelled", package: n });
    }
  }

  const pick = (s: RunState): string[] => plan.names.filter((n) => state.get(n) === s);
  return {
    built: pick("green"),
    upToDate: pick("up-to-date"),
    cutOff: pick("cut-off"),
    awaitingApproval: pick("awaiting-approval"),
    failed: pick("failed"),
    blocked: pick("blocked"),
    invalid: pick("invalid"),
    cancelled: pick("cancelled"),
    repo,
    repoPath: ws.data.repoPath(repo),
    top: g.graph.names
      .filter((n) => (g.graph.rdeps.get(n)?.size ?? 0) === 0 && g.graph.packages.has(n))
      .map((n) => g.graph.packages.get(n)!.binaries.find((b) => b.name === n)?.name ?? n)
      .sort(),
    wallMs: performance.now() - started,
    durations,
    publishMs: publisher.recordMs,
    snapshotMs: publisher.snapshotMs,
    lastSnapshotMs: publisher.lastSnapshotMs,
    ...(publisher.snapshotError !== undefined ? { snapshotError: publisher.snapshotError } : {}),
  };
}

/** `name` and everything that waits for it in this run. */
function downstreamIn(name: string, dependents: ReadonlyMap<string, string[]>): Set<string> {
  const seen = new Set([name]);
  const stack = [name];
  while (stack.length > 0) {
    for (const d of dependents.get(stack.pop()!) ?? []) {
      if (!seen.has(d)) {
        seen.add(d);
        stack.push(d);
      }
    }
  }
  return seen;
}
