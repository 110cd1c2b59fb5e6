// The repositories of a running server: promotions and demotions, one change at a time per
// repository, each written as a new snapshot. The first repository is the publisher's (builds
// publish there), so a change to it goes through the publisher.
import { recordDemotion, recordPromotion, type Moved, type PromoteRequest } from "../repos/promote.js";
import { getRepository } from "../db/repos.js";
import { writeSnapshot, type PublishContext, type SnapshotResult } from "../repos/publish.js";
import type { Farm } from "./farm.js";

export class Repositories {
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(private readonly farm: Farm) {}

  private get ctx(): PublishContext {
    const ws = this.farm.ws;
    return { db: ws.db, data: ws.data, store: ws.store, config: ws.config };
  }

  /** Runs `fn` for `repo` after whatever is under way for it. */
  private serial<T>(repo: string, fn: () => Promise<T>): Promise<T> {
    const p = (this.chains.get(repo) ?? Promise.resolve()).then(fn);
    this.chains.set(
      repo,
      p.catch(() => undefined),
    );
    return p;
  }

  async promote(r: PromoteRequest): Promise<{ moved: Moved[]; snapshot?: SnapshotResult }> {
    if (r.dryRun) return { moved: await recordPromotion(this.ctx, r) };
    return this.serial(r.to, async () => {
      const moved = await recordPromotion(this.ctx, r);
      const snapshot = await writeSnapshot(this.ctx, r.to);
      this.farm.changed();
      return { moved, ...(snapshot ? { snapshot } : {}) };
    });
  }

  /**
   * Writes the snapshot of every repository but the first (the publisher's) whose disk lags its
   * database: after a scrub took a damaged file out, once the file is good again.
   */
  async catchUp(): Promise<void> {
    for (const r of this.farm.ws.config.repositories.slice(1)) {
      const row = await getRepository(this.farm.ws.db, r.name);
      if (!row || row.snapshot_content_version === row.content_version) continue;
      await this.serial(r.name, () => writeSnapshot(this.ctx, r.name)).catch((e: unknown) =>
        this.farm.log(`repository ${r.name}: ${(e as Error).message}`),
      );
    }
  }

  async demote(r: { package: string; repo: string; actor: string; reason?: string }): Promise<Moved> {
    if (r.repo === this.farm.repo) {
      const moved = await this.farm.publisher.exclusive(() => recordDemotion(this.ctx, r));
      await this.farm.publisher.settled();
      this.farm.changed();
      return moved;
    }
    return this.serial(r.repo, async () => {
      const moved = await recordDemotion(this.ctx, r);
      await writeSnapshot(this.ctx, r.repo);
      this.farm.changed();
      return moved;
    });
  }
}
