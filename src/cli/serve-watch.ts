// What `kiln serve` runs for release watches: the watcher (looks on a schedule) and the update
// threads (bump, candidate, install test, acceptance, promotion), sharing one fetcher so that a
// host's gap and rate limit count every request to it, and wired to the farm: the set as last
// loaded, the source watcher for merges, the request views and the repositories' promotion.
import type { ServerConfig } from "../config/server-config.js";
import type { Coordinator } from "../coordinator/coordinator.js";
import type { Workspace } from "../context/workspace.js";
import { PromotionRefusedError } from "../repos/promote.js";
import type { SourceWatcher } from "../server/source-watch.js";
import { requestView } from "../server/views.js";
import { lastDurations } from "../db/builds.js";
import { UpdateThreads } from "../updates/threads.js";
import { verifyBump } from "../watch/verify-bump.js";
import { fetcherFor, ReleaseWatcher, watchedOf } from "../watch/watcher.js";

export function releaseWatching(o: {
  ws: Workspace;
  farm: Coordinator;
  source: SourceWatcher;
  config: ServerConfig;
  tickMs: number;
  leaseMs: number;
  ownDatabase: boolean;
  log: (line: string) => void;
}): { watcher: ReleaseWatcher; threads: UpdateThreads } {
  const { ws, farm } = o;
  // The set as last loaded (loaded at open; reloaded in the background when a minute old).
  const watched = () => Promise.resolve(watchedOf(farm.currentGraph(60_000).set));
  const fetcher = fetcherFor(o.config, ws.db);
  const threads = new UpdateThreads({
    db: ws.db,
    setDir: ws.setDir,
    updateDir: (id) => ws.data.updateDir(id),
    fetcher,
    maxTarballBytes: o.config.watch["max-tarball-mb"] * 1024 * 1024,
    verify: (c) =>
      verifyBump({
        ...c,
        read: { defines: { dist: ws.config.dist }, sandbox: ws.sandbox, timeoutMs: ws.specTimeoutMs },
      }),
    watched,
    log: o.log,
    tickMs: o.tickMs,
    ownDatabase: o.ownDatabase,
    sandbox: ws.sandboxState.policy,
    jobs: 1,
    farm: { db: ws.db, store: ws.store, repo: ws.config.repositories[0]!.name },
    lookAtSet: () => o.source.check(),
    plan: async (pkg) => {
      const p = farm.planChange([pkg], "modes", await lastDurations(ws.db));
      const waves = p.waves.map((w) => w.join(", ")).join("; then ");
      return `it rebuilds ${p.packages.length} package(s) in ${p.waves.length} wave(s) on the farm: ${waves} (about ${Math.round(p.criticalPathMs / 1000)} s; kiln plan ${pkg})`;
    },
    runOutcome: async (request, pkg) => {
      const v = await requestView(ws.db, request, o.leaseMs);
      const p = v?.packages.find((x) => x.package === pkg);
      if (!v || !p) return v?.status === "active" ? undefined : "missing from its request";
      return p.status === "queued" || p.status === "leased" ? undefined : p.status;
    },
    promote: async (pkg) => {
      const to = ws.config.repositories.slice(1).map((r) => r.name);
      if (to.length === 0) return { promoted: ws.config.repositories[0]!.name };
      for (const repo of to) {
        // What the package needs that the target lacks goes with it, as the refusal suggests
        // (a first promotion into an empty stable); every other rule of the repository holds.
        let packages = [pkg];
        for (let attempt = 0; ; attempt++) {
          try {
            await farm.repositories.promote({
              packages: packages.map((name) => ({ name })),
              to: repo,
              actor: "kiln (update thread)",
              reason: `update thread of ${pkg}`,
            });
            break;
          } catch (e) {
            if (!(e instanceof PromotionRefusedError)) throw e;
            const more = e.suggest.filter((p) => !packages.includes(p));
            if (attempt === 0 && more.length) {
              packages = [...packages, ...more];
              continue;
            }
            return { waits: `published; ${e.headline}, waiting: ${e.reasons.join("; ")}` };
          }
        }
      }
      return { promoted: to.join(", ") };
    },
  });
  const watcher = new ReleaseWatcher({
    db: ws.db,
    config: o.config,
    fetcher,
    watched,
    log: o.log,
    tickMs: o.tickMs,
    onNewer: (w, r) => threads.onNewer(w, r),
  });
  return { watcher, threads };
}
