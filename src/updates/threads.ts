// The update threads' runner: a look that finds a newer version opens its thread (tarball located,
// refused early with a reason when the spec cannot follow), and each detected thread is bumped
// onto its own branch, one at a time, claimed in the database so that one server does it. A
// server killed mid-bump leaves the claim to expire; the next server bumps the thread again from
// the start (the branch is made afresh).
import { join } from "node:path";
import type { Conn, UpdateRow } from "../db/schema.js";
import { openThread, setState, threadsIn, updatesOf } from "../db/updates.js";
import { ConflictError, NotFoundError } from "../util/errors.js";
import { mergeThreadBranch } from "./accept.js";
import { withinLevel } from "../core/update-thread.js";
import { readRegular } from "../util/safe-fs.js";
import { describeSource, type LookResult } from "../watch/check.js";
import type { UpstreamFetcher } from "../watch/http.js";
import type { Watched } from "../watch/watcher.js";
import { bumpThread, type BumpContext } from "./bump.js";
import { buildCandidate } from "./candidate.js";
import type { FarmSource } from "./seed-candidate.js";
import { installTest } from "./install-test.js";
import type { SandboxMode } from "../core/sandbox-policy.js";
import { source0Of, tarballPlace } from "./tarball.js";
import { repeatEvery, type Repeating } from "../util/repeat.js";

export interface ThreadsOptions {
  db: Conn;
  setDir: string;
  /** An update thread's own directory. */
  updateDir: (id: number) => string;
  fetcher: UpstreamFetcher;
  maxTarballBytes: number;
  verify: BumpContext["verify"];
  /** The set's watched packages now (for the source of a thread's package). */
  watched: () => Promise<Watched[]>;
  log: (line: string) => void;
  /** How often threads with work to do are looked for; 0: only when kicked. */
  tickMs: number;
  /**
   * The database is this server's alone (SQLite: the data directory's lock says so), so claims
   * left by a killed server are released at start and its threads resume at once. On a shared
   * PostgreSQL another server may hold them: they expire instead.
   */
  ownDatabase: boolean;
  /** The server's sandbox policy, for the candidates' builds. */
  sandbox: SandboxMode;
  /** Slots of a candidate's in-process agent. */
  jobs: number;
  /** The farm's published builds, that a candidate starts from (seed-candidate.ts). */
  farm: FarmSource;
  /** What a change to the package rebuilds on the farm, in words (kiln plan's wave), for the bump's note. */
  plan: (pkg: string) => Promise<string>;
  /** Asks the set's source watcher to look now: the request a new commit made, if it made one. */
  lookAtSet: () => Promise<{ request?: number }>;
  /** How a package's run in a request ended (its status); undefined while it is under way. */
  runOutcome: (request: number, pkg: string) => Promise<string | undefined>;
  /** Promotes a package's published build by the repositories' rules: where it went, or why it waits. */
  promote: (pkg: string) => Promise<{ promoted: string } | { waits: string }>;
}

const CLAIM_MS = 15 * 60_000;

export class UpdateThreads {
  private loop: Repeating | undefined;
  private readonly stopping = new AbortController();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: ThreadsOptions) {}

  start(): void {
    if (this.o.tickMs <= 0) return;
    if (this.o.ownDatabase)
      this.chain = this.o.db
        .updateTable("updates")
        .set({ claimed_until: null })
        .where("claimed_until", "is not", null)
        .execute();
    this.loop = repeatEvery(
      this.o.tickMs,
      () => this.work(),
      (e) => this.o.log(`update threads: ${e.message}`),
    );
  }

  /** Stops the loop and a candidate build under way (left to resume at the next start). */
  async stop(): Promise<void> {
    this.loop?.stop();
    this.stopping.abort();
    await this.chain;
  }

  /** Opens a thread for what a look found; a thread that cannot go on ends at once, saying why. */
  async onNewer(w: Watched, r: LookResult): Promise<void> {
    if (!r.newest || !r.newestRaw || !r.rpm) return;
    const specText = (
      await readRegular(join(this.o.setDir, "packages", w.package, `${w.package}.spec`), {
        maxBytes: 1024 * 1024,
      })
    ).toString("utf8");
    const source0 = source0Of(specText);
    const place = tarballPlace({
      name: w.package,
      version: r.newest,
      source0,
      ...(w.watch.url ? { watchUrl: w.watch.url } : {}),
      ...(r.release?.files ? { files: r.release.files } : {}),
    });
    const now = new Date();
    const opened = await openThread(
      this.o.db,
      {
        package: w.package,
        version: r.newest,
        raw: r.newestRaw,
        rpmVersion: r.rpm.version,
        fromVersion: w.current,
        note: `${r.newest} found upstream (${describeSource(w.watch)}); the spec has ${w.current}`,
        ...("url" in place ? { tarballUrl: place.url, tarballName: place.filename } : {}),
      },
      now,
    );
    if ("why" in opened) return;
    this.o.log(`update thread ${opened.id}: ${w.package} ${r.newest} (from ${w.current})`);
    for (const s of opened.superseded) this.o.log(`update thread ${s}: superseded by thread ${opened.id}`);
    const refusal =
      "needsHand" in place
        ? place.needsHand
        : r.rpm.epoch !== undefined
          ? `the upstream version ${r.newestRaw} has an epoch (${r.rpm.epoch}): Kiln does not bump an Epoch by itself`
          : r.rpm.version !== r.newest && /%\{?\??version\}?/.test(source0 ?? "")
            ? `the upstream's ${r.newest} is written ${r.rpm.version} in rpm, so Source0's %{version} would name the wrong file; ` +
              "define the upstream version in the spec (for example %global upstream_version) and set watch.url"
            : undefined;
    if (refusal) await setState(this.o.db, opened.id, "needs-hand", refusal, now);
    else this.kick();
  }

  /** Looks for work now (after a thread opened). */
  kick(): void {
    this.work().catch((e: unknown) => this.o.log(`update threads: ${(e as Error).message}`));
  }

  /** Does what the threads are waiting for, one thread at a time. */
  work(): Promise<void> {
    const next = this.chain.then(async () => {
      await this.bumpDetected();
      await this.buildBumped();
      await this.promoteAccepted();
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async bumpDetected(): Promise<void> {
    const watched = new Map((await this.o.watched()).map((w) => [w.package, w]));
    for (const u of await threadsIn(this.o.db, "detected")) {
      if (!(await this.claim(u))) continue;
      const w = watched.get(u.package);
      if (!w) {
        await setState(
          this.o.db,
          u.id,
          "needs-hand",
          `${u.package} is no longer watched in the set`,
          new Date(),
        );
        continue;
      }
      const outcome = await bumpThread(u, {
        setDir: this.o.setDir,
        workDir: this.o.updateDir(u.id),
        fetcher: this.o.fetcher,
        maxTarballBytes: this.o.maxTarballBytes,
        verify: this.o.verify,
        source: describeSource(w.watch),
        now: new Date(),
      }).catch((e: unknown) => ({
        state: "failed" as const,
        note: `the bump failed: ${(e as Error).message}`,
      }));
      if (outcome.state === "bumped")
        outcome.note += `; once accepted, ${await this.o.plan(u.package).catch((e: unknown) => `its wave is unknown: ${(e as Error).message}`)}`;
      await setState(this.o.db, u.id, outcome.state, outcome.note, new Date(), {
        claimed_until: null,
        ...("fields" in outcome ? outcome.fields : {}),
      });
      this.o.log(`update thread ${u.id}: ${outcome.note}`);
    }
  }

  /** Builds and tests the candidate of each bumped thread. */
  private async buildBumped(): Promise<void> {
    // A thread a stopped server left building or testing is built again from the start.
    const states = ["bumped", "building", "built", "testing"] as const;
    const watched = new Map((await this.o.watched()).map((w) => [w.package, w]));
    for (const u of (await Promise.all(states.map((st) => threadsIn(this.o.db, st)))).flat()) {
      if (!(await this.claim(u))) continue;
      if (u.state !== "building")
        await setState(
          this.o.db,
          u.id,
          "building",
          `building the candidate of ${u.package} ${u.rpm_version}`,
          new Date(),
        );
      const outcome = await buildCandidate(u, {
        setDir: this.o.setDir,
        workDir: this.o.updateDir(u.id),
        sandbox: this.o.sandbox,
        jobs: this.o.jobs,
        farm: this.o.farm,
        signal: this.stopping.signal,
      }).catch((e: unknown) => ({
        state: "failed" as const,
        note: `building the candidate failed: ${(e as Error).message}`,
      }));
      if (this.stopping.signal.aborted) return;
      if (outcome.state === "failed") {
        await this.end(u, "failed", outcome.note);
        continue;
      }
      await setState(this.o.db, u.id, "built", outcome.note, new Date());
      await setState(
        this.o.db,
        u.id,
        "testing",
        `installing ${outcome.install.join(", ")} with dnf`,
        new Date(),
      );
      const t = await installTest({
        workDir: this.o.updateDir(u.id),
        repoDir: outcome.repoDir,
        packages: outcome.install,
        signal: this.stopping.signal,
      }).catch((e: unknown) => ({ ok: false, note: `the install test failed: ${(e as Error).message}` }));
      if (this.stopping.signal.aborted) return;
      await this.end(u, t.ok ? "ready" : "failed", t.ok ? `a green, tested candidate: ${t.note}` : t.note);
      const auto = watched.get(u.package)?.watch.auto;
      if (t.ok && auto && withinLevel(u.from_version, u.rpm_version, auto)) {
        const [now] = await updatesOf(this.o.db, { ids: [u.id] });
        await this.acceptNow(now!, `kiln (watch.auto: ${auto})`).catch((e: unknown) =>
          this.end(u, "needs-hand", `accepting by watch.auto failed: ${(e as Error).message}`),
        );
      }
    }
  }

  /**
   * A maintainer's yes to a ready thread: its branch merged into the set, built by the farm's own
   * flow. Refused (ConflictError) when the thread is not ready or the set cannot take the merge.
   */
  accept(id: number, by: string): Promise<void> {
    const next = this.chain.then(async () => {
      const [u] = await updatesOf(this.o.db, { ids: [id] });
      if (!u) throw new NotFoundError("NOT_FOUND", `no update thread ${id}`);
      await this.acceptNow(u, by);
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async acceptNow(u: UpdateRow, by: string): Promise<void> {
    if (u.state !== "ready")
      throw new ConflictError(
        "THREAD_NOT_READY",
        `update thread ${u.id} is ${u.state}: only a ready candidate is accepted`,
      );
    if (!u.branch)
      throw new ConflictError(
        "THREAD_NOT_READY",
        `the set is not a git repository: apply thread ${u.id}'s patch by hand`,
      );
    await this.o.lookAtSet(); // the commit before the merge is the one the merge is compared with
    const m = await mergeThreadBranch(
      this.o.setDir,
      u.branch,
      `Merge ${u.branch}: ${u.package} ${u.version} (update thread ${u.id})`,
    );
    if ("refused" in m) return this.end(u, "needs-hand", m.refused);
    const { request } = await this.o.lookAtSet();
    await setState(
      this.o.db,
      u.id,
      "accepted",
      `accepted by ${by}: merged into ${m.into} as ${m.head.slice(0, 12)}${request ? `; request ${request} builds it` : ""}`,
      new Date(),
      request ? { request_id: request } : {},
    );
  }

  /** Accepted threads whose request has published the package: promoted by the repositories' rules. */
  private async promoteAccepted(): Promise<void> {
    for (const u of await threadsIn(this.o.db, "accepted")) {
      if (u.request_id === null) continue;
      const status = await this.o.runOutcome(u.request_id, u.package);
      if (status === undefined) continue;
      if (!["green", "cut-off", "up-to-date"].includes(status)) {
        await this.end(
          u,
          "failed",
          `on the farm, ${u.package} ${u.rpm_version} ended ${status} (request ${u.request_id}); nothing was promoted`,
        );
        continue;
      }
      const p = await this.o.promote(u.package);
      if ("promoted" in p) await this.end(u, "promoted", `${u.package} ${u.rpm_version} is in ${p.promoted}`);
      else if (u.note !== p.waits) await setState(this.o.db, u.id, "accepted", p.waits, new Date());
    }
  }

  /** A step's end: the thread's new state, its claim released. */
  private async end(
    u: UpdateRow,
    state: "ready" | "failed" | "needs-hand" | "promoted",
    note: string,
  ): Promise<void> {
    await setState(this.o.db, u.id, state, note, new Date(), { claimed_until: null });
    this.o.log(`update thread ${u.id}: ${note}`);
  }

  private async claim(u: UpdateRow): Promise<boolean> {
    const now = new Date();
    const r = await this.o.db
      .updateTable("updates")
      .set({ claimed_until: new Date(now.getTime() + CLAIM_MS).toISOString() })
      .where("id", "=", u.id)
      .where("state", "=", u.state)
      .where((eb) => eb.or([eb("claimed_until", "is", null), eb("claimed_until", "<", now.toISOString())]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
