// Source triggers: when the package set is a git repository, a new commit rebuilds the packages
// whose directory it changed, and what may rebuild below them by their rebuild modes. The server
// polls (and a webhook asks it to look at once); with several servers on one database, the commit
// is claimed in the same transaction as its request, so it is acted on once.
import type { Kysely } from "kysely";
import type { RequestCause } from "../api/schemas.js";
import { ClaimLostError } from "../db/requests.js";
import type { Database } from "../db/schema.js";
import { changedBetween, headCommit, pullUpstream } from "../git/set-repo.js";
import { UserError } from "../util/errors.js";
import type { Coordinator } from "../coordinator/coordinator.js";

export interface SourceCheck {
  /** The set's commit now; undefined when the set is not in a git repository. */
  commit?: string;
  /** The request the commit made, when it made one here. */
  request?: number;
  changed: string[];
  /** What happened, in words. */
  note: string;
}

export class SourceWatcher {
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private lastNote = "";

  constructor(
    private readonly farm: Coordinator,
    private readonly o: { pollMs: number; log: (line: string) => void },
  ) {}

  start(): void {
    if (this.o.pollMs <= 0) return;
    const tick = (): void => {
      this.check()
        .catch((e: unknown) => this.o.log(`source check failed: ${(e as Error).message}`))
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(tick, this.o.pollMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Looks for a new commit now; looks are taken one at a time, in the order asked for. */
  check(): Promise<SourceCheck> {
    const next = this.chain.then(() => this.look());
    this.chain = next.catch(() => undefined);
    return next;
  }

  private say(note: string): void {
    if (note !== this.lastNote) this.o.log(note);
    this.lastNote = note;
  }

  private async look(): Promise<SourceCheck> {
    const dir = this.farm.ws.setDir;
    const db = this.farm.ws.db;
    try {
      await pullUpstream(dir);
    } catch (e) {
      this.say(`git pull in ${dir} failed (building what is checked out): ${(e as Error).message}`);
    }
    const head = await headCommit(dir);
    if (!head) {
      // Notes go into HTTP bodies: the set is named by what it is, never by its path on the server.
      const note = "the package set is not a git repository: no source triggers";
      this.say(note);
      return { changed: [], note };
    }
    const row = await db.selectFrom("set_heads").selectAll().where("set_dir", "=", dir).executeTakeFirst();
    if (!row) {
      // The first commit seen: what it holds is built by a build of everything not up to date.
      await db
        .insertInto("set_heads")
        .values({ set_dir: dir, commit: head, updated_at: new Date().toISOString() })
        .onConflict((oc) => oc.column("set_dir").doNothing())
        .execute();
      const note = `watching the package set from commit ${head.slice(0, 12)}`;
      this.say(note);
      return { commit: head, changed: [], note };
    }
    if (row.commit === head) return { commit: head, changed: [], note: "no new commit" };

    const range = await changedBetween(dir, row.commit, head);
    if (range.config) {
      try {
        await this.farm.reloadConfig();
        this.o.log(`commit ${head.slice(0, 12)}: kiln.yaml changed; configuration reloaded`);
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        this.o.log(
          `commit ${head.slice(0, 12)}: kiln.yaml is not valid, the last valid configuration stays in use: ${e.format()}`,
        );
      }
    }
    const g = await this.farm.reloadGraph();
    const changed = range.packages.filter((p) => g.graph.names.includes(p));
    const claim = async (tx: Kysely<Database>): Promise<boolean> => {
      const r = await tx
        .updateTable("set_heads")
        .set({ commit: head, updated_at: new Date().toISOString() })
        .where("set_dir", "=", dir)
        .where("commit", "=", row.commit)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    };
    const short = `${head.slice(0, 12)} (${range.subject})`;
    if (changed.length === 0) {
      await db.transaction().execute(claim);
      const note = `commit ${short} changes no package`;
      this.o.log(note);
      return { commit: head, changed, note };
    }
    const cause: RequestCause = {
      kind: "commit",
      commit: head,
      previous: row.commit,
      changed,
      subject: range.subject,
    };
    try {
      const request = await this.farm.submit({
        targets: changed,
        downstream: "modes",
        createdBy: "git",
        cause,
        claim,
      });
      const note = `commit ${short} changed ${changed.join(", ")}: request ${request}`;
      this.o.log(note);
      return { commit: head, request, changed, note };
    } catch (e) {
      if (e instanceof ClaimLostError) {
        return { commit: head, changed, note: `commit ${short} was taken by another server` };
      }
      throw e;
    }
  }
}
