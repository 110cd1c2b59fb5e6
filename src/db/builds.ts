// Builds and their artifacts. Every function takes the connection (or transaction) it runs on.
import type { OutputChange } from "../api/schemas.js";
import type { Updateable } from "kysely";
import type { BuiltBinary } from "../core/package.js";
import type { RpmHeader } from "../rpm/rpm-query.js";
import type { ArtifactRow, BuildRow, BuildsTable, BuildStatus, Conn, NewArtifact } from "./schema.js";
import { fromJson } from "./json-columns.js";

export async function createBuild(
  db: Conn,
  b: {
    package: string;
    reason: string;
    inputKey: string;
    inputs: string;
    evr: string;
    /** Where its log goes, from its id. */
    logPath: (id: number) => string;
    trigger?: string | null;
  },
): Promise<number> {
  const now = new Date().toISOString();
  return db.transaction().execute(async (tx) => {
    const { id } = await tx
      .insertInto("builds")
      .values({
        package: b.package,
        status: "running",
        reason: b.reason,
        input_key: b.inputKey,
        inputs: b.inputs,
        evr: b.evr,
        log_path: "",
        created_at: now,
        started_at: now,
        trigger: b.trigger ?? null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await setBuild(tx, id, { log_path: b.logPath(id) });
    return id;
  });
}

async function setBuild(db: Conn, id: number, columns: Updateable<BuildsTable>): Promise<void> {
  await db.updateTable("builds").set(columns).where("id", "=", id).execute();
}

export async function getBuild(db: Conn, id: number): Promise<BuildRow | undefined> {
  return db.selectFrom("builds").selectAll().where("id", "=", id).executeTakeFirst();
}

type Ending = [
  status: Exclude<BuildStatus, "running">,
  durationMs: number,
  error: string | null,
  sameOutputAs?: number | null,
];

export async function finishBuild(db: Conn, id: number, ...end: Ending): Promise<void> {
  await endBuild(db, id, false, end);
}

/** Ends a build only if it is still running; says whether it did (the first ending wins). */
export async function finishRunningBuild(db: Conn, id: number, ...end: Ending): Promise<boolean> {
  return endBuild(db, id, true, end);
}

async function endBuild(
  db: Conn,
  id: number,
  onlyRunning: boolean,
  [status, durationMs, error, sameOutputAs = null]: Ending,
): Promise<boolean> {
  let q = db
    .updateTable("builds")
    .set({
      status,
      duration_ms: Math.round(durationMs),
      error,
      same_output_as: sameOutputAs,
      finished_at: new Date().toISOString(),
    })
    .where("id", "=", id);
  if (onlyRunning) q = q.where("status", "=", "running");
  return Number((await q.executeTakeFirst()).numUpdatedRows) > 0;
}

/** The pipeline stages a build passed (for promotion rules). */
export async function setBuildStages(db: Conn, id: number, stages: readonly string[]): Promise<void> {
  await setBuild(db, id, { stages: JSON.stringify(stages) });
}

/** What the build did, step by step (JSON of BuildStep[]). */
export async function setBuildSteps(
  db: Conn,
  id: number,
  steps: readonly { name: string; status: string; ms: number }[],
  sandbox?: string,
): Promise<void> {
  await setBuild(db, id, { steps: JSON.stringify(steps), ...(sandbox !== undefined ? { sandbox } : {}) });
}

/** A build left "running" by a process that died (kill -9, power loss) did not finish. */
export async function abandonRunningBuilds(db: Conn): Promise<number> {
  return interruptRunning(db, "interrupted: the kiln process running it stopped", false);
}

/** A crashed server's running builds with no job queued or leased (agents may come back) did not finish. */
export async function interruptOrphanBuilds(db: Conn): Promise<number> {
  return interruptRunning(db, "interrupted: the server stopped", true);
}

async function interruptRunning(db: Conn, error: string, orphansOnly: boolean): Promise<number> {
  let q = db
    .updateTable("builds")
    .set({ status: "cancelled", error, finished_at: new Date().toISOString() })
    .where("status", "=", "running");
  if (orphansOnly) {
    q = q.where("id", "not in", (q) =>
      q
        .selectFrom("jobs")
        .select("build_id")
        .where("status", "in", ["queued", "leased"])
        .where("build_id", "is not", null),
    );
  }
  return Number((await q.executeTakeFirst()).numUpdatedRows);
}

/** A build row created in vain (another server's identical build won the run). */
export async function deleteBuild(db: Conn, id: number): Promise<void> {
  await db.deleteFrom("builds").where("id", "=", id).execute();
}

export async function latestGreenBuild(db: Conn, pkg: string): Promise<BuildRow | undefined> {
  return db
    .selectFrom("builds")
    .selectAll()
    .where("package", "=", pkg)
    .where("status", "=", "green")
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
}

export async function latestGreenBuilds(db: Conn): Promise<Map<string, BuildRow>> {
  const rows = await db
    .selectFrom("builds")
    .selectAll()
    .where("id", "in", newestOfEach(db, "green"))
    .execute();
  return new Map(rows.map((r) => [r.package, r]));
}

/** The last known duration of each package's builds (green or failed), for the scheduler. */
export async function lastDurations(db: Conn): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom("builds")
    .select(["package", "duration_ms"])
    .where("id", "in", newestOfEach(db, "timed"))
    .execute();
  return new Map(rows.map((r) => [r.package, r.duration_ms ?? 0]));
}

/** The id of each package's newest build that is green, or that has a duration. */
function newestOfEach(db: Conn, which: "green" | "timed") {
  const q = db
    .selectFrom("builds")
    .select((e) => e.fn.max("id").as("id"))
    .groupBy("package");
  return which === "green" ? q.where("status", "=", "green") : q.where("duration_ms", "is not", null);
}

/** The file with this sha256 is in the store again with its right bytes: it is no longer damaged. */
export async function clearDamage(db: Conn, sha256: string): Promise<void> {
  await db.deleteFrom("damaged_artifacts").where("sha256", "=", sha256).execute();
}

interface StoredFile {
  buildId: number;
  jobId?: number | null;
  filename: string;
  sha256: string;
  size: number;
}

/** The row of an RPM or SRPM artifact, with what its header says. */
export function rpmArtifact(a: StoredFile & { header: RpmHeader }): NewArtifact {
  const h = a.header;
  return {
    ...fileRow(a, h.source ? "srpm" : "rpm"),
    name: h.name,
    epoch: h.evr.epoch ?? null,
    version: h.evr.version,
    release: h.evr.release ?? null,
    arch: h.arch,
    provides: h.source ? null : JSON.stringify(h.provides),
    requires: JSON.stringify(h.requires),
    files: h.source ? null : JSON.stringify(h.files),
  };
}

/** The row of an artifact that is not an RPM (a log, a file a pipeline job declared). */
export function plainArtifact(a: StoredFile & { kind: "log" | "file" }): NewArtifact {
  return fileRow(a, a.kind);
}

function fileRow(a: StoredFile, kind: NewArtifact["kind"]): NewArtifact {
  return {
    build_id: a.buildId,
    job_id: a.jobId ?? null,
    kind,
    filename: a.filename,
    sha256: a.sha256,
    size: a.size,
  };
}

export async function insertArtifacts(db: Conn, rows: NewArtifact[]): Promise<void> {
  if (rows.length > 0) await db.insertInto("artifacts").values(rows).execute();
}

export async function artifactsOf(db: Conn, buildIds: number[]): Promise<ArtifactRow[]> {
  if (buildIds.length === 0) return [];
  const rows = await db.selectFrom("artifacts").selectAll().where("build_id", "in", buildIds).execute();
  // Ordered here rather than by ORDER BY: PostgreSQL orders text by the database's collation (en_US
  // puts "B" after "a" and ignores "-"), SQLite by code point; the order must not depend on the back end.
  return rows.sort(
    (a, b) => a.build_id - b.build_id || (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0),
  );
}

export function toBuiltBinary(a: ArtifactRow): BuiltBinary {
  return {
    name: a.name ?? "",
    evr: {
      version: a.version ?? "",
      ...(a.release !== null ? { release: a.release } : {}),
      ...(a.epoch !== null ? { epoch: a.epoch } : {}),
    },
    arch: a.arch ?? "",
    provides: fromJson("strings", a.provides ?? "[]", "artifacts.provides"),
    requires: fromJson("strings", a.requires ?? "[]", "artifacts.requires"),
    files: fromJson("strings", a.files ?? "[]", "artifacts.files"),
  };
}

/** The sha256 of each binary RPM a build made. */
export async function buildRpms(db: Conn, buildId: number): Promise<string[]> {
  const rows = await db
    .selectFrom("artifacts")
    .select("sha256")
    .where("build_id", "=", buildId)
    .where("kind", "=", "rpm")
    .execute();
  return rows.map((r) => r.sha256);
}

/** What stages before `stage` handed on: RPMs, declared files (of no job: the pre-pipeline build job's). */
export async function stageInputs(
  db: Conn,
  buildId: number,
  stage: number,
): Promise<{ filename: string; sha256: string; kind: "rpm" | "file" }[]> {
  const rows = await db
    .selectFrom("artifacts as a")
    .leftJoin("jobs as j", "j.id", "a.job_id")
    .select(["a.filename", "a.sha256", "a.kind", "j.stage"])
    .where("a.build_id", "=", buildId)
    .where("a.kind", "in", ["rpm", "file"])
    .orderBy("a.id")
    .execute();
  return rows
    .filter((r) => r.stage === null || r.stage < stage)
    .map((r) => ({ filename: r.filename, sha256: r.sha256, kind: r.kind === "rpm" ? "rpm" : "file" }));
}

/** What a job made replaces what it made before under the same build (a job run again). */
export async function replaceJobArtifacts(
  db: Conn,
  buildId: number,
  jobId: number,
  rows: NewArtifact[],
): Promise<void> {
  await db.deleteFrom("artifacts").where("build_id", "=", buildId).where("job_id", "=", jobId).execute();
  await insertArtifacts(db, rows);
}

/** Records how a build's output compared with what was published before it (builds.output_change). */
export async function setOutputChange(db: Conn, id: number, change: OutputChange | null): Promise<void> {
  await setBuild(db, id, { output_change: change === null ? null : JSON.stringify(change) });
}
