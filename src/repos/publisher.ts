// The publishing side of a `kiln build`: each green build is recorded in the repository (one at a
// time, closure-checked), and snapshots are written beside the builds. A package whose Requires
// wait for a package still building in this run is parked and published together with it.
import type { ProviderIndex } from "../core/providers.js";
import type { SourcePackage } from "../core/package.js";
import { ClosureRefusedError, recordPublication, writeSnapshot, type PublishContext } from "./publish.js";
import { loadRepoView, type RepoView } from "./repo-view.js";

/** While builds run, repository snapshots are written at most this often. */
const SNAPSHOT_INTERVAL_MS = 1000;

export interface PublisherHooks {
  /** Whether builds are running: snapshots then wait up to a second, to be written together. */
  busy(): boolean;
  /** Whether a source package still has a build coming in this run. */
  coming(source: string): boolean;
  published(pkg: string, buildId: number): Promise<void>;
  refused(pkg: string, buildId: number, message: string): Promise<void>;
  snapshot(e: { repo: string; snapshot: number; packages: number }): void;
}

export class Publisher {
  /** What the repository holds now, for filling build roots. */
  view!: RepoView;
  readonly recordMs = new Map<string, number>();
  snapshotMs = 0;
  /** The last snapshot write, which nothing overlaps. */
  lastSnapshotMs = 0;
  snapshotError: string | undefined;

  private recording: Promise<unknown> = Promise.resolve();
  private readonly parked = new Map<string, number>();
  private writer: Promise<void> | undefined;
  private dirtySince: number | undefined;

  constructor(
    private readonly ctx: PublishContext,
    readonly repo: string,
    private readonly packages: ReadonlyMap<string, SourcePackage>,
    private readonly index: ProviderIndex,
    private readonly hooks: PublisherHooks,
  ) {}

  /** Brings the disk up to what the database says (after a crash between the two), and reads it. */
  async open(): Promise<void> {
    try {
      await writeSnapshot(this.ctx, this.repo);
    } catch (e) {
      // The last good snapshot stays; the next publication tries again.
      this.snapshotError = (e as Error).message;
    }
    this.view = await loadRepoView(this.ctx.db, this.repo);
  }

  /** Records `pkg`'s build as published (or parks or refuses it); resolves once that is decided. */
  publish(pkg: string, buildId: number): Promise<void> {
    return this.inTurn(() => this.record(pkg, buildId));
  }

  /** Runs `fn` (a change of the content: a demotion) between publications, then has the change written. */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const out = await this.inTurn(fn);
    this.view = await loadRepoView(this.ctx.db, this.repo);
    this.requestSnapshot();
    return out;
  }

  /** Takes back a parked build (its publish job was cancelled) between publications; says if it was. */
  withdraw(pkg: string, buildId: number): Promise<boolean> {
    return this.inTurn(() => this.parked.get(pkg) === buildId && this.parked.delete(pkg));
  }

  /** Whether `pkg`'s build is parked here (waiting for what it requires to be built). */
  isParked(pkg: string, buildId: number): boolean {
    return this.parked.get(pkg) === buildId;
  }

  /** Waits until what was recorded so far is written to disk (the snapshot writer is idle). */
  async settled(): Promise<void> {
    await this.recording;
    while (this.writer) await this.writer;
  }

  /** Waits for what is under way; what is still parked is refused. */
  async finish(): Promise<void> {
    await this.settled();
    for (const [pkg, id] of this.parked) {
      await this.hooks.refused(pkg, id, "not published: what it requires did not build");
    }
    this.parked.clear();
  }

  /** Refuses the parked packages whose missing Requires are no longer coming (a server's run has no end). */
  reconsider(): Promise<void> {
    return this.parked.size === 0 ? Promise.resolve() : this.inTurn(() => this.record());
  }

  /** Runs `fn` after what is recorded or withdrawn before it: one change of the content at a time. */
  private inTurn<T>(fn: () => T | Promise<T>): Promise<T> {
    const p = this.recording.then(fn);
    this.recording = p.catch(() => {});
    return p;
  }

  private async record(pkg?: string, buildId?: number): Promise<void> {
    const batch = new Map(this.parked);
    if (pkg !== undefined) batch.set(pkg, buildId!);
    while (batch.size > 0) {
      try {
        const t0 = performance.now();
        await recordPublication(this.ctx, this.repo, batch);
        this.view = await loadRepoView(this.ctx.db, this.repo);
        for (const p of batch.keys()) this.recordMs.set(p, (performance.now() - t0) / batch.size);
        this.requestSnapshot();
        for (const [p, id] of batch) {
          this.parked.delete(p);
          await this.hooks.published(p, id);
        }
        return;
      } catch (e) {
        if (!(e instanceof ClosureRefusedError)) throw e;
        const missing = new Map<string, string[]>();
        for (const m of e.missing) {
          const owner = this.ownerOf(m.neededBy, batch);
          missing.set(owner, [...(missing.get(owner) ?? []), m.requirement]);
        }
        for (const [p, reqs] of missing) {
          const id = batch.get(p)!;
          batch.delete(p);
          // A package never waits for itself: what only it would provide is missing.
          if (reqs.every((r) => this.comingFor(r, p))) this.parked.set(p, id);
          else {
            this.parked.delete(p);
            const why = `not published: nothing in ${this.repo} provides ${reqs.join(", ")} (add it to the set, or to host.provides in kiln.yaml)`;
            await this.hooks.refused(p, id, why);
          }
        }
      }
    }
  }

  /** Snapshots are written one at a time; while builds run, at most one a second. */
  private requestSnapshot(): void {
    this.dirtySince ??= performance.now();
    this.writer ??= (async () => {
      while (this.dirtySince !== undefined) {
        while (this.hooks.busy() && performance.now() - this.dirtySince < SNAPSHOT_INTERVAL_MS) {
          await new Promise((r) => setTimeout(r, 25));
        }
        this.dirtySince = undefined;
        const t0 = performance.now();
        try {
          const r = await writeSnapshot(this.ctx, this.repo);
          if (r) this.hooks.snapshot({ repo: this.repo, snapshot: r.snapshot, packages: r.packages });
          this.snapshotError = undefined;
        } catch (e) {
          this.snapshotError = (e as Error).message;
        }
        this.lastSnapshotMs = performance.now() - t0;
        this.snapshotMs += this.lastSnapshotMs;
      }
      this.writer = undefined;
    })();
  }

  /** The source package in `batch` that builds binary package `binary`. */
  private ownerOf(binary: string, batch: ReadonlyMap<string, number>): string {
    for (const pkg of batch.keys()) {
      if (this.packages.get(pkg)?.binaries.some((b) => b.name === binary)) return pkg;
    }
    return [...batch.keys()][0]!;
  }

  /** Whether a package (other than `self`) still coming in this run provides `requirement` (by the specs). */
  private comingFor(requirement: string, self: string): boolean {
    const name = requirement.split(/\s/)[0]!;
    return this.index.providersOf({ name }).some((p) => p.source !== self && this.hooks.coming(p.source));
  }
}
