// The database's tables as Kysely sees them. JSON columns hold text; times are ISO-8601 text
// (the same on SQLite and PostgreSQL).
import type { BuildStatus, JobStatus, RequestStatus } from "../core/status.js";
import type { UpdateState } from "../core/update-thread.js";
import type { Generated, Insertable, Kysely, Selectable } from "kysely";

export interface SpecCacheTable {
  key: string;
  data: string;
  created_at: string;
}

export type { BuildStatus, JobStatus, RequestStatus };

export interface BuildsTable {
  id: Generated<number>;
  package: string;
  status: BuildStatus;
  /** Why this build started, in words. */
  reason: string;
  /** sha256 over everything the build consumed (see src/planner/inputs.ts). */
  input_key: string;
  /** JSON of BuildInputs. */
  inputs: string;
  evr: string;
  log_path: string;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  /** JSON array of BuildStep (src/api/schemas.ts); null before the build ends. */
  steps: string | null;
  /** Early cutoff: the published build its output equals (src/core/equivalence.ts); not published. */
  same_output_as: number | null;
  /** JSON of a BuildTrigger: what started it (a commit, upstream builds, a user). */
  trigger: string | null;
  /** JSON array of the pipeline stages it passed (set when it ends green). */
  stages: string | null;
  /** "bubblewrap", or why it ran without the sandbox ("no sandbox: …"); null before it ran. */
  sandbox: string | null;
  /** JSON OutputChange (src/api/schemas.ts): how its output compared when it was published. */
  output_change: string | null;
}

/** file: what a pipeline job declared as its artifacts (handed to later stages). */
export type ArtifactKind = "rpm" | "srpm" | "log" | "file";

export interface ArtifactsTable {
  id: Generated<number>;
  build_id: number;
  /** The job of the build's pipeline that made it (null: the build job, or before pipelines). */
  job_id: number | null;
  kind: ArtifactKind;
  filename: string;
  sha256: string;
  size: number;
  /** rpm and srpm only: the package's header data. */
  name: string | null;
  epoch: number | null;
  version: string | null;
  release: string | null;
  arch: string | null;
  /** JSON string arrays, rpm only. */
  provides: string | null;
  requires: string | null;
  files: string | null;
}

export interface RepoPackagesTable {
  repo: string;
  package: string;
  build_id: number;
  published_at: string;
}

export interface RepositoriesTable {
  name: string;
  /** Number of the snapshot clients see now; 0 before the first publish. */
  snapshot: number;
  /** Bumped by every publication recorded in repo_packages. */
  content_version: Generated<number>;
  /** The content_version the current snapshot was written from: behind it, the disk lags. */
  snapshot_content_version: Generated<number>;
  /** The published host-provides package's release and the capabilities it provides (JSON). */
  host_provides_release: number;
  host_provides: string;
  /** The generated host-provides RPM in the artifact store, once there is one. */
  host_provides_sha256: string | null;
  host_provides_filename: string | null;
  updated_at: string;
}

export interface SetSnapshotsTable {
  set_dir: string;
  /** JSON of a SetSnapshot (src/set/set-snapshot.ts). */
  data: string;
  updated_at: string;
}

/** One submission of builds (`kiln build --server`, the API): its jobs are built together. */
export interface RequestsTable {
  id: Generated<number>;
  /** JSON array of the packages asked for; empty means everything not up to date. */
  targets: string;
  /** JSON array of the packages rebuilt even when they are up to date. */
  forced: string;
  /** JSON array of the packages in scope that were up to date when it was submitted. */
  up_to_date: string;
  status: RequestStatus;
  /** The token's name that submitted it. */
  created_by: string;
  created_at: string;
  finished_at: string | null;
  /** JSON of a RequestCause: what made it (a commit, a manual rebuild, a submission). */
  cause: string | null;
}

export interface SetHeadsTable {
  set_dir: string;
  /** The last commit of the set's git repository that the server has acted on. */
  commit: string;
  updated_at: string;
}

/** watches.outcome: the last look found a newer version, nothing newer, or failed. */
export type WatchOutcome = "newer" | "current" | "error";

export interface WatchesTable {
  package: string;
  /** The watch's source in words ("pypi requests"), as it was when last looked at. */
  source: string;
  /** When it is due next (a claim moves it forward). */
  next_at: string;
  checked_at: string | null;
  outcome: WatchOutcome | null;
  /** The spec's Version when last looked at. */
  current: string | null;
  /** The newest version the watch's rules accept (prefix stripped), and as the upstream wrote it. */
  newest: string | null;
  newest_raw: string | null;
  /** What the last look saw, in words. */
  note: string | null;
  /** The last error, in words, and since when looks have failed (cleared by a good look). */
  error: string | null;
  error_since: string | null;
  failures: Generated<number>;
  /** JSON WatchSeen (src/watch/check.ts): releases listed, skipped ones and why, requests sent. */
  seen: string | null;
}

export interface UpdatesTable {
  id: Generated<number>;
  package: string;
  /** The version as the upstream's rules read it (prefix stripped), and exactly as it wrote it. */
  version: string;
  raw: string;
  /** As it goes into the spec's Version (prereleases with ~); unique per package. */
  rpm_version: string;
  /** The spec's Version when the thread opened. */
  from_version: string;
  state: UpdateState;
  /** Where it is, in words. */
  note: string;
  opened_at: string;
  updated_at: string;
  /** The git branch holding the bump, and its commit; or, for a set outside git, the patch file. */
  branch: string | null;
  commit: string | null;
  patch: string | null;
  tarball_url: string | null;
  /** The file the spec's Source0 names for the new version. */
  tarball_name: string | null;
  tarball_sha256: string | null;
  /** The request that builds the candidate. */
  request_id: number | null;
  /** A server working on the thread holds it until then. */
  claimed_until: string | null;
}

export interface UpdateEventsTable {
  id: Generated<number>;
  update_id: number;
  at: string;
  state: UpdateState;
  note: string;
  request_id: number | null;
}

export interface UpstreamAnswersTable {
  url: string;
  etag: string | null;
  last_modified: string | null;
  body: string;
  fetched_at: string;
}

export interface JobsTable {
  id: Generated<number>;
  request_id: number;
  package: string;
  /** A shell command job (no package build): what the agent runs with sh -c. */
  command: string | null;
  status: JobStatus;
  /** Why it builds, in words. */
  reason: string;
  /** JSON object of the labels an agent must have (arch, os, …). */
  labels: string;
  /** Longest chain of work below it in ms, from the last known durations: higher goes first. */
  priority: number;
  build_id: number | null;
  agent_id: number | null;
  /** A fresh random value per lease: a result must carry it. */
  lease_token: string | null;
  lease_expires_at: string | null;
  cancel_requested: Generated<number>;
  /** How many leases it has had (more than one: an agent was lost). */
  attempts: Generated<number>;
  error: string | null;
  created_at: string;
  updated_at: string;
  /** Its stage in the package's pipeline (0 first), the stage's name and its own. */
  stage: number;
  stage_name: string;
  name: string;
  /** JSON of the JobDef it runs; null for command jobs. */
  definition: string | null;
  /** "manual": its stage waits for a maintainer's approval. */
  approval: string | null;
  approved_by: string | null;
  approved_at: string | null;
  /** agent: leased to an agent; server: run by the server itself (publish). */
  runs_on: "agent" | "server";
  /** JSON array of BuildStep: what the job did, once it ended. */
  steps: string | null;
  /** The sandbox mode it asks for: the farm's when queued, or "off" (an admin's unsandboxed command). */
  sandbox: string | null;
}

export interface JobDepsTable {
  job_id: number;
  dep_job_id: number;
}

export interface AgentsTable {
  id: Generated<number>;
  name: string;
  /** sha256 of the agent's own credential. */
  token_hash: string;
  /** JSON object of labels. */
  labels: string;
  slots: number;
  enrolled_at: string;
  last_seen_at: string;
  /** When it was disabled: a disabled agent's credential is refused; null while it is enabled. */
  disabled_at: string | null;
  /** JSON {policy, available}: the sandbox policy it last said it has; null before its first lease. */
  sandbox: string | null;
  disabled_by: string | null;
  /** JSON DiskReport: its work directory's free space, as its last heartbeat said; null before one. */
  disk: string | null;
}

export type Role = "viewer" | "maintainer" | "admin" | "enrol";

export interface TokensTable {
  id: Generated<number>;
  name: string;
  /** sha256 of the token: the token itself is never stored. */
  token_hash: string;
  role: Role;
  created_at: string;
  revoked_at: string | null;
  revoked_by: string | null;
}

/** What an agent uploaded under one lease of a job: its result may name only these. */
export interface JobUploadsTable {
  job_id: number;
  lease_token: string;
  filename: string;
  sha256: string;
  size: number;
  created_at: string;
}

export interface RepoHistoryTable {
  id: Generated<number>;
  repo: string;
  package: string;
  /** The build the repository holds for the package after this change; null: removed. */
  build_id: number | null;
  previous_build_id: number | null;
  action: "publish" | "promote" | "demote" | "remove";
  /** Where a promoted build came from. */
  from_repo: string | null;
  /** Who: a token's name, or "build" for a build's own publication. */
  actor: string;
  reason: string | null;
  created_at: string;
}

export interface SignedArtifactsTable {
  /** The unsigned RPM (as built). */
  sha256: string;
  key: string;
  signed_sha256: string;
  filename: string;
  created_at: string;
}

export interface DamagedArtifactsTable {
  sha256: string;
  found_at: string;
  detail: string;
}

export interface Database {
  spec_cache: SpecCacheTable;
  builds: BuildsTable;
  artifacts: ArtifactsTable;
  repo_packages: RepoPackagesTable;
  repositories: RepositoriesTable;
  set_snapshots: SetSnapshotsTable;
  requests: RequestsTable;
  jobs: JobsTable;
  job_deps: JobDepsTable;
  agents: AgentsTable;
  tokens: TokensTable;
  set_heads: SetHeadsTable;
  repo_history: RepoHistoryTable;
  signed_artifacts: SignedArtifactsTable;
  damaged_artifacts: DamagedArtifactsTable;
  job_uploads: JobUploadsTable;
  watches: WatchesTable;
  upstream_answers: UpstreamAnswersTable;
  updates: UpdatesTable;
  update_events: UpdateEventsTable;
  health_checks: HealthChecksTable;
  health_events: HealthEventsTable;
}

export interface HealthChecksTable {
  /** What is checked, e.g. "disk:data" or "agent:a1:disk". */
  key: string;
  /** Who it is about, in words: "the server", "agent a1". */
  subject: string;
  state: "ok" | "warning" | "failing";
  /** Why, and what to do. */
  sentence: string;
  /** When it entered this state. */
  since: string;
  checked_at: string;
}

export interface HealthEventsTable {
  id: Generated<number>;
  key: string;
  at: string;
  state: "ok" | "warning" | "failing";
  sentence: string;
}

/** The connection, or a transaction, that a query runs on. */
export type Conn = Kysely<Database>;
export type BuildRow = Selectable<BuildsTable>;
export type RepoHistoryRow = Selectable<RepoHistoryTable>;
export type ArtifactRow = Selectable<ArtifactsTable>;
export type NewArtifact = Insertable<ArtifactsTable>;
export type RepositoryRow = Selectable<RepositoriesTable>;
export type JobRow = Selectable<JobsTable>;
export type AgentRow = Selectable<AgentsTable>;
export type TokenRow = Selectable<TokensTable>;
export type RequestRow = Selectable<RequestsTable>;
export type WatchRow = Selectable<WatchesTable>;
export type UpdateRow = Selectable<UpdatesTable>;
export type UpdateEventRow = Selectable<UpdateEventsTable>;
