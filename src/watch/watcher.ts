// The release watcher: which packages of the set are watched, when each is due (its interval with
// jitter, backing off while it fails, later when an upstream asked for it), one look at a time,
// recorded in the database so that every watch shows when it last looked, what it saw and its last
// error in words. The server runs it on a timer; `kiln watch` asks for looks now.
import type { ServerConfig } from "../config/server-config.js";
import { describeSource, lookAt, type LookResult } from "./check.js";
import { claimDue, claimNow, recordLook, syncWatches, answerCache, watchRows } from "../db/watches.js";
import type { Conn, WatchRow } from "../db/schema.js";
import type { WatchConfig } from "../config/watch-schema.js";
import { UpstreamFetcher } from "./http.js";
import { nextLook } from "./schedule.js";
import { repeatEvery, type Repeating } from "../util/repeat.js";

export interface Watched {
  package: string;
  watch: WatchConfig;
  /** The spec's Version now. */
  current: string;
}

export interface WatcherOptions {
  db: Conn;
  config: ServerConfig;
  /** The set's watched packages as they are on disk now. */
  watched: () => Promise<Watched[]>;
  log: (line: string) => void;
  /** How often due watches are looked for; 0: never (looks only when asked). */
  tickMs: number;
  /** Shared with the update threads (fetcherFor); default: one of its own. */
  fetcher?: UpstreamFetcher;
  /** A look found a version newer than the spec's (the update threads open one for it). */
  onNewer?: (w: Watched, r: LookResult) => Promise<void>;
}

/** The longest a claimed look may take before another server may take the watch again. */
const LOOK_LEASE_MS = 10 * 60_000;

export class ReleaseWatcher {
  private loop: Repeating | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  /** Shared with the update threads, so one host's gap and rate limit count every request to it. */
  readonly fetcher: UpstreamFetcher;
  private readonly stopping = new AbortController();

  constructor(private readonly o: WatcherOptions) {
    this.fetcher = o.fetcher ?? fetcherFor(o.config, o.db);
  }

  /** Requests sent so far, by host. */
  get requestsSent(): ReadonlyMap<string, number> {
    return this.fetcher.sent;
  }

  start(): void {
    if (this.o.tickMs <= 0) return;
    this.loop = repeatEvery(
      this.o.tickMs,
      () => this.serialized(() => this.lookAtDue()),
      (e) => this.o.log(`release watch failed: ${e.message}`),
    );
  }

  /** Stops the timer and any look under way (it records nothing), and waits for it. */
  async stop(): Promise<void> {
    this.loop?.stop();
    this.stopping.abort(new Error("the server is stopping"));
    await this.chain;
  }

  /** Looks at these packages' watches now (all watched ones when empty) and returns their rows. */
  lookNow(packages: string[]): Promise<WatchRow[]> {
    return this.serialized(async () => {
      const watched = await this.sync();
      const wanted = packages.length ? packages : [...watched.keys()];
      const until = new Date(Date.now() + LOOK_LEASE_MS);
      for (const row of await claimNow(this.o.db, wanted, until)) {
        const w = watched.get(row.package);
        if (w) await this.look(w, row);
      }
      return watchRows(this.o.db, wanted);
    });
  }

  /** Watched packages and their rows, made to match the set. */
  async rows(): Promise<WatchRow[]> {
    await this.sync();
    return watchRows(this.o.db);
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async sync(): Promise<Map<string, Watched>> {
    const watched = new Map((await this.o.watched()).map((w) => [w.package, w]));
    await syncWatches(
      this.o.db,
      [...watched.values()].map((w) => ({ package: w.package, source: describeSource(w.watch) })),
      new Date(),
    );
    return watched;
  }

  private async lookAtDue(): Promise<void> {
    const watched = await this.sync();
    const now = new Date();
    for (const row of await claimDue(this.o.db, now, new Date(now.getTime() + LOOK_LEASE_MS))) {
      const w = watched.get(row.package);
      if (w) await this.look(w, row);
    }
  }

  private async look(w: Watched, row: WatchRow): Promise<LookResult> {
    const c = this.o.config.watch;
    const r = await lookAt(w.watch, w.current, {
      fetcher: this.fetcher,
      endpoints: this.o.config.endpoints,
      allowPrivate: c["allow-private"],
      timeoutMs: c.timeout * 1000,
      maxBytes: c["max-answer-mb"] * 1024 * 1024,
      signal: this.stopping.signal,
    });
    if (this.stopping.signal.aborted) return r;
    const now = new Date();
    const failures = r.outcome === "error" ? row.failures + 1 : 0;
    const next = nextLook(now, (w.watch.interval ?? c.interval) * 1000, c.jitter, failures, r.retryAt);
    await recordLook(this.o.db, w.package, {
      checked_at: now.toISOString(),
      next_at: next.toISOString(),
      outcome: r.outcome,
      current: w.current,
      newest: r.newest ?? null,
      newest_raw: r.newestRaw ?? null,
      note: r.note,
      error: r.error ?? null,
      seen: r.seen ? JSON.stringify(r.seen) : null,
    });
    if (r.outcome !== "current" || row.outcome !== "current") this.o.log(`watch ${w.package}: ${r.note}`);
    if (r.outcome === "newer" && this.o.onNewer)
      await this.o
        .onNewer(w, r)
        .catch((e: unknown) =>
          this.o.log(`watch ${w.package}: opening an update thread failed: ${(e as Error).message}`),
        );
    return r;
  }
}

/** The fetcher of the server's watches, by its config: one per server, so gaps and limits hold. */
export function fetcherFor(config: ServerConfig, db: Conn): UpstreamFetcher {
  const w = config.watch;
  return new UpstreamFetcher(
    {
      endpoints: config.endpoints,
      tokens: config.tokens,
      allowPrivate: w["allow-private"],
      timeoutMs: w.timeout * 1000,
      maxBytes: w["max-answer-mb"] * 1024 * 1024,
      hostGapMs: w["host-gap"] * 1000,
    },
    answerCache(db),
  );
}

/** The watched packages of a loaded set, each with its spec's Version (broken specs are not watched). */
export function watchedOf(set: {
  packages: { name: string; evr: { version: string } }[];
  packageConfigs: ReadonlyMap<string, { watch?: WatchConfig }>;
}): Watched[] {
  const out: Watched[] = [];
  for (const p of set.packages) {
    const watch = set.packageConfigs.get(p.name)?.watch;
    if (watch) out.push({ package: p.name, watch, current: p.evr.version });
  }
  return out;
}
