// Database rows as the API shows them, with each waiting job's reason in words.
import type { Kysely } from "kysely";
import {
  API_PREFIX,
  type AgentView,
  type BuildView,
  type JobView,
  type RequestView,
} from "../api/schemas.js";
import { isSandboxMode } from "../core/sandbox-policy.js";
import { whyWaiting } from "../core/why-waiting.js";
import { agentStates } from "../db/agent-states.js";
import { depsOf } from "../db/jobs.js";
import { logNameOf } from "../coordinator/job-logs.js";
import type { Database, JobRow, UpdateEventRow, UpdateRow, WatchRow } from "../db/schema.js";
import type { UpdateView, WatchView } from "../api/watch-schemas.js";
import { isOpenUpdate } from "../core/update-thread.js";
import { fromJson, fromJsonOrNull } from "../db/json-columns.js";

type Conn = Kysely<Database>;

export async function agentViews(db: Conn, leaseMs: number): Promise<AgentView[]> {
  const { rows, states, running } = await agentStates(db, leaseMs);
  return rows.map((a, i) => {
    const s = states[i]!;
    const mine = running.filter((j) => j.agent_id === a.id);
    return {
      id: a.id,
      name: a.name,
      labels: s.labels,
      slots: a.slots,
      state: a.disabled_at !== null ? "disabled" : !s.online ? "offline" : mine.length > 0 ? "busy" : "idle",
      lastSeenAt: a.last_seen_at,
      running: mine.map((j) => ({ job: j.id, package: j.package, build: j.build_id })),
    };
  });
}

export async function jobViews(db: Conn, jobs: JobRow[], leaseMs: number): Promise<JobView[]> {
  const { rows: agents, states } = await agentStates(db, leaseMs);
  const agentName = new Map(agents.map((a) => [a.id, a.name]));
  const deps = await depsOf(
    db,
    jobs.filter((j) => j.status === "queued").map((j) => j.id),
  );
  // How many ready jobs go before each ready one: those with a longer chain, then older.
  const ready = jobs
    .filter(
      (j) =>
        j.status === "queued" &&
        (deps.get(j.id) ?? []).every(
          (d) => d.status === "green" || d.status === "cut-off" || d.status === "up-to-date",
        ),
    )
    .sort((a, b) => b.priority - a.priority || a.id - b.id);
  const ahead = new Map(ready.map((j, i) => [j.id, i]));
  return jobs.map((j) => {
    const labels = fromJson("labels", j.labels, "jobs.labels");
    const why = whyWaiting(
      {
        package: j.package,
        status: j.status,
        labels,
        deps: (deps.get(j.id) ?? []).map((d) => ({
          package: d.package,
          status: d.status,
          agent: d.agent_id !== null ? agentName.get(d.agent_id) : undefined,
          // An earlier stage of its own package's pipeline is named by stage and job.
          job:
            d.package === j.package && d.request_id === j.request_id
              ? `${d.stage_name}/${d.name}`
              : undefined,
        })),
        error: j.error,
        agent: j.agent_id !== null ? agentName.get(j.agent_id) : undefined,
        ahead: ahead.get(j.id) ?? 0,
        runsOnServer: j.runs_on === "server",
        sandbox: isSandboxMode(j.sandbox) ? j.sandbox : undefined,
        ...(j.approval && !j.approved_at ? { approvalOf: { stage: j.stage_name, job: j.id } } : {}),
      },
      states,
    );
    return {
      id: j.id,
      request: j.request_id,
      package: j.package,
      stage: j.stage_name,
      name: j.name,
      runsOn: j.runs_on,
      approval: j.approval === "manual" ? ("manual" as const) : null,
      approvedBy: j.approved_by,
      status: j.status,
      reason: j.reason,
      why,
      build: j.build_id,
      agent: j.agent_id !== null ? (agentName.get(j.agent_id) ?? null) : null,
      attempts: j.attempts,
      labels,
      priorityMs: j.priority,
      error: j.error,
      createdAt: j.created_at,
      updatedAt: j.updated_at,
      steps: j.steps ? fromJson("steps", j.steps, "jobs.steps") : [],
      log:
        j.build_id === null || j.command !== null || j.runs_on === "server"
          ? null
          : logNameOf(j) === "build.log"
            ? `${API_PREFIX}/builds/${j.build_id}/log`
            : `${API_PREFIX}/jobs/${j.id}/log`,
    };
  });
}

export async function requestView(db: Conn, id: number, leaseMs: number): Promise<RequestView | undefined> {
  const r = await db.selectFrom("requests").selectAll().where("id", "=", id).executeTakeFirst();
  if (!r) return undefined;
  const jobs = await db.selectFrom("jobs").selectAll().where("request_id", "=", id).orderBy("id").execute();
  const views = await jobViews(db, jobs, leaseMs);
  return {
    id: r.id,
    cause: fromJsonOrNull("cause", r.cause, "requests.cause"),
    targets: fromJson("strings", r.targets, "requests.targets"),
    forced: fromJson("strings", r.forced, "requests.forced"),
    status: r.status,
    createdBy: r.created_by,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    jobs: views,
    // Each package by the job that publishes it (its status is the package's: green, cut off, up
    // to date, failed, blocked …); a command job stands for itself.
    packages: views
      .filter((j) => j.runsOn === "server" || j.name === "")
      .map((j) => ({ package: j.package, status: j.status, build: j.build, error: j.error })),
    upToDate: fromJson("strings", r.up_to_date, "requests.up_to_date"),
  };
}

export async function buildView(db: Conn, id: number): Promise<BuildView | undefined> {
  const b = await db.selectFrom("builds").selectAll().where("id", "=", id).executeTakeFirst();
  if (!b) return undefined;
  const job = await db
    .selectFrom("jobs")
    .leftJoin("agents", "agents.id", "jobs.agent_id")
    .select(["jobs.id", "agents.name"])
    .where("jobs.build_id", "=", id)
    .executeTakeFirst();
  const artifacts = await db
    .selectFrom("artifacts")
    .selectAll()
    .where("build_id", "=", id)
    .orderBy("id")
    .execute();
  return {
    id: b.id,
    package: b.package,
    status: b.status,
    evr: b.evr,
    reason: b.reason,
    error: b.error,
    createdAt: b.created_at,
    startedAt: b.started_at,
    finishedAt: b.finished_at,
    durationMs: b.duration_ms,
    sameOutputAs: b.same_output_as,
    outputChange: fromJsonOrNull("outputChange", b.output_change, "builds.output_change"),
    trigger: fromJsonOrNull("trigger", b.trigger, "builds.trigger"),
    job: job?.id ?? null,
    agent: job?.name ?? null,
    steps: b.steps ? fromJson("steps", b.steps, "builds.steps") : [],
    sandbox: b.sandbox ?? null,
    artifacts: artifacts.map((a) => ({
      kind: a.kind,
      filename: a.filename,
      sha256: a.sha256,
      size: a.size,
      url: `${API_PREFIX}/builds/${b.id}/artifacts/${encodeURIComponent(a.filename)}`,
    })),
  };
}

/** Each of these builds' EVR, by build id. */
export async function evrsOf(db: Conn, ids: number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom("builds").select(["id", "evr"]).where("id", "in", ids).execute();
  return new Map(rows.map((b) => [b.id, b.evr]));
}

export function watchView(w: WatchRow): WatchView {
  const seen = fromJsonOrNull("watchSeen", w.seen, "watches.seen");
  return {
    package: w.package,
    source: w.source,
    checkedAt: w.checked_at,
    nextAt: w.next_at,
    outcome: w.outcome,
    current: w.current,
    newest: w.newest,
    newestRaw: w.newest_raw,
    note: w.note,
    error: w.error,
    errorSince: w.error_since,
    failures: w.failures,
    releases: seen?.releases ?? null,
    skipped: seen?.skipped ?? [],
    requests: seen?.requests ?? null,
    fromCache: seen?.fromCache ?? null,
  };
}

export function updateView(u: UpdateRow, events: UpdateEventRow[]): UpdateView {
  return {
    id: u.id,
    package: u.package,
    version: u.version,
    raw: u.raw,
    rpmVersion: u.rpm_version,
    fromVersion: u.from_version,
    state: u.state,
    open: isOpenUpdate(u.state),
    note: u.note,
    openedAt: u.opened_at,
    updatedAt: u.updated_at,
    branch: u.branch,
    commit: u.commit,
    patch: u.patch !== null,
    tarballUrl: u.tarball_url,
    tarballSha256: u.tarball_sha256,
    request: u.request_id,
    events: events.map((e) => ({ at: e.at, state: e.state, note: e.note, request: e.request_id })),
  };
}
