// The repositories of a running server: promotions and demotions, one change at a time per
// repository, each written as a new snapshot. The first repository is the publisher's (builds
// publish there), so a change to it goes through the publisher.
import { getRepository } from "../db/repos.js";
import { recordDemotion, recordPromotion, type Moved, type PromoteRequest } from "./promote.js";
import { writeSnapshot, type PublishContext, type SnapshotResult } from "./publish.js";

/** What Repositories needs of the publisher: its turn, and the end of the writes it has begun. */
export interface PublisherTurn {
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  settled(): Promise<void>;
}

export interface RepositoriesDeps {
  /** The database, data directory, store and configuration as they are now (kiln.yaml may be reloaded). */
  context: () => PublishContext;
  /** The publisher of the first repository. */
  publisher: PublisherTurn;
  /** Something changed that followers should see. */
  changed: () => void;
  log: (line: string) => void;
}

export class Repositories {
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: RepositoriesDeps) {}

  private get ctx(): PublishContext {
    return this.deps.context();
  }

  /** Runs `fn` for `repo` after whatever is under way for it. */
  private serial<T>(repo: string, fn: () => Promise<T>): Promise<T> {
    const p = (this.chains.get(repo) ?? Promise.resolve()).then(fn);
    const settled = p.catch(() => undefined);
    this.chains.set(repo, settled);
    return p;
  }

  async promote(r: PromoteRequest): Promise<{ moved: Moved[]; snapshot?: SnapshotResult }> {
    if (r.dryRun) return { moved: await recordPromotion(this.ctx, r) };
    return this.serial(r.to, async () => {
      const moved = await recordPromotion(this.ctx, r);
      const snapshot = await writeSnapshot(this.ctx, r.to);
      this.deps.changed();
      return { moved, ...(snapshot ? { snapshot } : {}) };
    });
  }

  /** Rewrites every repository but the first whose disk lags its database (a scrub took a file out). */
  async catchUp(): Promise<{ repo: string; error: string }[]> {
    const ctx = this.ctx;
    const failed: { repo: string; error: string }[] = [];
    for (const r of ctx.config.repositories.slice(1)) {
      const row = await getRepository(ctx.db, r.name);
      if (!row || row.snapshot_content_version === row.content_version) continue;
      await this.serial(r.name, () => writeSnapshot(this.ctx, r.name)).catch((e: unknown) => {
        failed.push({ repo: r.name, error: (e as Error).message });
        this.deps.log(`repository ${r.name}: ${(e as Error).message}`);
      });
    }
    return failed;
  }

  async demote(r: { package: string; repo: string; actor: string; reason?: string }): Promise<Moved> {
    if (r.repo === this.ctx.config.repositories[0]!.name) {
      const moved = await this.deps.publisher.exclusive(() => recordDemotion(this.ctx, r));
      await this.deps.publisher.settled();
      this.deps.changed();
      return moved;
    }
    return this.serial(r.repo, async () => {
      const moved = await recordDemotion(this.ctx, r);
      await writeSnapshot(this.ctx, r.repo);
      this.deps.changed();
      return moved;
    });
  }
}
