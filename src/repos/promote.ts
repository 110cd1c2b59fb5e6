// Promotion and demotion: what moves between repositories is a build's exact artifacts (all of its
// subpackages, as tested), never a rebuild. Gated by the target's rules and by its closure,
// audited in the repository's history. Recording is separate from writing the snapshot, as for
// publishing: the caller writes it (or has its publisher write it).
import type { Kysely } from "kysely";
import { promotionRefusals } from "../core/promotion.js";
import { artifactsOf } from "../db/builds.js";
import { commitContent, heldBuilds, repositoryContent } from "../db/repos.js";
import type { BuildRow, Database } from "../db/schema.js";
import { sha256File } from "../util/hash.js";
import { UserError } from "../util/errors.js";
import { closureOf, toRepoPackage, type PublishContext } from "./publish.js";
import { fromJson } from "../db/json-columns.js";

export interface PromoteRequest {
  /** Packages, each optionally at one VERSION-RELEASE of those the source repository holds. */
  packages: { name: string; evr?: string }[];
  /** The source repository; default: the first one the target takes promotions from, else the first. */
  from?: string;
  to: string;
  actor: string;
  reason?: string;
  now?: Date;
  /** Check everything, change nothing: what would move (or why not). */
  dryRun?: boolean;
}

export interface Moved {
  package: string;
  build: number;
  evr: string;
  /** The build the repository held before, if any. */
  previous: number | null;
}

/** A promotion or demotion the rules or the closure forbid; nothing was changed. */
export class PromotionRefusedError extends UserError {
  constructor(
    /** What was refused, before its reasons ("promotion to stable refused"). */
    readonly headline: string,
    readonly reasons: string[],
    /** Requirements the target would lack, and which packages of the source provide them. */
    readonly missing: { requirement: string; neededBy: string }[] = [],
    readonly suggest: string[] = [],
    hint?: string,
  ) {
    super("PROMOTION_REFUSED", `${headline}: ${reasons.join("; ")}`, undefined, hint);
  }
}

/** Checks and records a promotion; returns what moved. The target's snapshot is the caller's to write. */
export async function recordPromotion(ctx: PublishContext, r: PromoteRequest): Promise<Moved[]> {
  const repos = ctx.config.repositories;
  const names = repos.map((x) => x.name);
  const target = repos.find((x) => x.name === r.to);
  if (!target)
    throw new UserError("USAGE", `no repository ${r.to} in kiln.yaml (it has ${names.join(", ")})`);
  if (r.to === names[0]) {
    const later = names.slice(1).join(", ") || "none in kiln.yaml";
    throw new UserError(
      "USAGE",
      `builds publish to ${r.to}: promotion copies builds from it to the repositories after it (${later})`,
    );
  }
  const from = r.from ?? target.promote?.from?.[0] ?? names[0]!;
  if (!names.includes(from)) throw new UserError("USAGE", `no repository ${from} in kiln.yaml`);
  const now = r.now ?? new Date();
  const db = ctx.db;
  const source = await repositoryContent(db, from);
  const held = await heldBuilds(db, from);
  const content = new Map(await repositoryContent(db, r.to));
  const reasons: string[] = [];
  const moved: Moved[] = [];
  for (const p of r.packages) {
    const build = await pickBuild(db, from, p, source, held, reasons);
    if (!build) continue;
    const since = await enteredAt(db, from, p.name, build.id);
    reasons.push(
      ...promotionRefusals({
        package: p.name,
        build: { id: build.id, status: build.status, evr: build.evr, cutOff: build.same_output_as !== null },
        from,
        to: r.to,
        ...(since ? { inFromSince: since } : {}),
        now,
        stagesPassed: build.stages ? fromJson("strings", build.stages, "builds.stages") : [],
        rules: {
          ...(target.promote?.from ? { from: target.promote.from } : {}),
          ...(target.promote?.soak !== undefined ? { soakSeconds: target.promote.soak } : {}),
          ...(target.promote?.["require-stages"] ? { requireStages: target.promote["require-stages"] } : {}),
        },
        ...(content.has(p.name) ? { targetHolds: content.get(p.name)! } : {}),
      }),
    );
    moved.push({ package: p.name, build: build.id, evr: build.evr, previous: content.get(p.name) ?? null });
  }
  if (reasons.length > 0) throw new PromotionRefusedError(`promotion to ${r.to} refused`, reasons);
  for (const m of moved) content.set(m.package, m.build);
  await refuseBrokenClosure(ctx, r.to, content, "promoting", from, source);
  // The exact bytes that were tested: each artifact is checked again before it moves.
  await verifyArtifacts(ctx, ...moved.map((m) => m.build));
  if (r.dryRun) return moved;
  await commitContent(db, r.to, content, {
    action: "promote",
    actor: r.actor,
    reason: r.reason ?? null,
    from,
  });
  return moved;
}

/** Checks and records a demotion: `pkg` goes back to the build held before the current one, or out. */
export async function recordDemotion(
  ctx: PublishContext,
  r: { package: string; repo: string; actor: string; reason?: string },
): Promise<Moved> {
  const db = ctx.db;
  if (!ctx.config.repositories.some((x) => x.name === r.repo)) {
    throw new UserError("USAGE", `no repository ${r.repo} in kiln.yaml`);
  }
  const content = new Map(await repositoryContent(db, r.repo));
  const current = content.get(r.package);
  if (current === undefined) {
    throw new PromotionRefusedError(`nothing to demote`, [`${r.package} is not in ${r.repo}`]);
  }
  const previous = (await heldBuilds(db, r.repo)).get(r.package)?.find((id) => id !== current);
  if (previous !== undefined) content.set(r.package, previous);
  else content.delete(r.package);
  await refuseBrokenClosure(ctx, r.repo, content, "demoting", r.repo, new Map());
  if (previous !== undefined) await verifyArtifacts(ctx, previous);
  await commitContent(db, r.repo, content, { action: "demote", actor: r.actor, reason: r.reason ?? null });
  const b = previous !== undefined ? await getBuildRow(db, previous) : undefined;
  return { package: r.package, build: previous ?? 0, evr: b?.evr ?? "", previous: current };
}

async function pickBuild(
  db: Kysely<Database>,
  from: string,
  p: { name: string; evr?: string },
  source: ReadonlyMap<string, number>,
  held: ReadonlyMap<string, number[]>,
  reasons: string[],
): Promise<BuildRow | undefined> {
  const ids = held.get(p.name) ?? (source.has(p.name) ? [source.get(p.name)!] : []);
  if (ids.length === 0) {
    reasons.push(`${p.name} is not in ${from}`);
    return undefined;
  }
  if (!p.evr) return getBuildRow(db, source.get(p.name) ?? ids[0]!);
  const rows = await db.selectFrom("builds").selectAll().where("id", "in", ids).execute();
  const hit = rows.filter((b) => b.evr === p.evr).sort((a, b) => b.id - a.id)[0];
  if (!hit) {
    reasons.push(
      `${p.name} ${p.evr} is not in ${from} (it has ${[...new Set(rows.map((b) => b.evr))].join(", ")})`,
    );
  }
  return hit;
}

async function getBuildRow(db: Kysely<Database>, id: number): Promise<BuildRow | undefined> {
  return db.selectFrom("builds").selectAll().where("id", "=", id).executeTakeFirst();
}

/** When the build went into the repository (the newest time it did). */
async function enteredAt(
  db: Kysely<Database>,
  repo: string,
  pkg: string,
  build: number,
): Promise<Date | undefined> {
  const row = await db
    .selectFrom("repo_history")
    .select("created_at")
    .where((eb) => eb.and({ repo, package: pkg, build_id: build }))
    .orderBy("id", "desc")
    .executeTakeFirst();
  if (row) return new Date(row.created_at);
  // Published before there was a history: the repository's own record of it.
  const held = await db
    .selectFrom("repo_packages")
    .select("published_at")
    .where((eb) => eb.and({ repo, package: pkg, build_id: build }))
    .executeTakeFirst();
  return held ? new Date(held.published_at) : undefined;
}

/** Refuses `content` unless its closure holds; the error names what is missing and what in `from` has it. */
async function refuseBrokenClosure(
  ctx: PublishContext,
  repo: string,
  content: ReadonlyMap<string, number>,
  doing: string,
  from: string,
  source: ReadonlyMap<string, number>,
): Promise<void> {
  const { report } = await closureOf(ctx, content);
  if (report.missing.length === 0) return;
  // Which packages of the source repository would bring what is missing, and what they need in
  // turn, until nothing more is missing (or nothing more can be offered).
  const suggest = new Set<string>();
  if (source.size > 0) {
    const offered = (await artifactsOf(ctx.db, [...source.values()]))
      .filter((a) => a.kind === "rpm")
      .map(toRepoPackage(source));
    let missing = report.missing;
    const widened = new Map(content);
    for (let round = 0; round < 50 && missing.length > 0; round++) {
      let added = false;
      for (const m of missing) {
        const name = m.requirement.split(/\s/)[0]!;
        for (const o of offered) {
          const id = source.get(o.source)!;
          if (
            o.binary !== name &&
            !o.provides.some((p) => p.split(/\s/)[0] === name) &&
            !o.files.includes(name)
          )
            continue;
          if (widened.get(o.source) !== id) {
            widened.set(o.source, id);
            suggest.add(o.source);
            added = true;
          }
        }
      }
      if (!added) break;
      missing = (await closureOf(ctx, widened)).report.missing;
    }
  }
  const list = report.missing.map((m) => `${m.requirement} (required by ${m.neededBy})`);
  const names = [...suggest].sort();
  throw new PromotionRefusedError(
    `${doing} would break ${repo}: nothing in it would provide`,
    list,
    report.missing,
    names,
    names.length > 0
      ? `${names.join(", ")} in ${from} would bring what is missing: promote them together`
      : undefined,
  );
}

/** Every artifact of the builds still has its sha256 (the bytes that were tested are the bytes that move). */
async function verifyArtifacts(ctx: PublishContext, ...builds: number[]): Promise<void> {
  for (const a of await artifactsOf(ctx.db, builds)) {
    if (a.kind !== "rpm") continue;
    const path = ctx.store.path(a.sha256);
    const actual = await sha256File(path).catch(() => "missing");
    if (actual !== a.sha256) {
      throw new PromotionRefusedError(
        `not promoted`,
        [`${a.filename} (build ${a.build_id}) is damaged in the artifact store (sha256 ${actual})`],
        [],
        [],
        "kiln scrub names what is damaged; rebuild the package",
      );
    }
  }
}
