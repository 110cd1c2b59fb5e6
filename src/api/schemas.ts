// The farm's HTTP API: every request and response body, as zod schemas. The server validates with
// them and publishes them as OpenAPI; the agent and the CLI type their calls with them.
import { z } from "zod";
import { DiskReport } from "./health-schemas.js";
import { SANDBOX_MODES } from "../core/sandbox-policy.js";

import { BuildStatus, JobStatus, RequestStatus } from "./job-status-schema.js";

export { JobStatus };
export const API_PREFIX = "/api/v1";

const packageName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, "not a package name")
  .max(200);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "not a sha256 (64 lower-case hex digits)");
/** A file name an agent may upload: no directories, no hidden names. */
export const artifactFilename = z
  .string()
  .max(255)
  .regex(
    /^[A-Za-z0-9_+~^][A-Za-z0-9._+~^-]*$/,
    "not an artifact file name (letters, digits and . _ + ~ ^ -, not starting with . or -)",
  );
const labels = z.record(
  z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/)
    .max(64),
  z.string().max(128),
);

export const ErrorBody = z.object({ error: z.string(), code: z.string().optional() }).passthrough();

export const IdParams = z.object({ id: z.coerce.number().int().positive() });

// ---- builds and jobs ----

export const SubmitBody = z.object({
  /** Packages to build; empty: every package that is not up to date. */
  packages: z.array(packageName).max(100_000).default([]),
  /** Rebuild the named packages even when they are up to date. */
  force: z.boolean().default(false),
});

export const RebuildBody = z.object({
  /** Rebuilt even when up to date. */
  packages: z.array(packageName).min(1).max(100_000),
  /** Then everything below them, whatever its rebuild mode (early cutoff still applies). */
  downstream: z.boolean().default(false),
  /** Cancel a package's run still under way (or stuck), then build it again; without it: 409. */
  replace: z.boolean().default(false),
});

export const PlanQuery = z.object({
  /** Comma-separated package names. */
  packages: z
    .string()
    .min(1)
    .transform((s) => s.split(",").filter(Boolean))
    .pipe(z.array(packageName).min(1)),
  /** How far: by each package's rebuild mode (a change), all of it, or the packages alone. */
  downstream: z.enum(["modes", "all", "none"]).default("modes"),
});

export const ChangePlanView = z.object({
  changed: z.array(z.string()),
  packages: z.array(z.string()),
  waves: z.array(z.array(z.string())),
  criticalPathMs: z.number(),
  totalWorkMs: z.number(),
  unknown: z.array(z.string()),
});

export const CommandBody = z.object({
  /** Run with sh -c on an agent, sandboxed, with a clean environment and no credentials; green on exit 0. */
  command: z.string().min(1).max(10_000),
  count: z.number().int().min(1).max(100_000).default(1),
  /** Admins only: run it without the sandbox (only agents whose policy is --sandbox off take it). */
  unsandboxed: z.boolean().default(false),
});

export const BuildStep = z.object({
  name: z.string(),
  status: z.enum(["ok", "failed", "skipped"]),
  ms: z.number(),
});
export type BuildStep = z.infer<typeof BuildStep>;

export const JobView = z.object({
  id: z.number(),
  request: z.number(),
  package: z.string(),
  /** Its stage and name in the package's pipeline ("" for command jobs). */
  stage: z.string(),
  name: z.string(),
  /** agent: leased to an agent; server: the server runs it (publish). */
  runsOn: z.enum(["agent", "server"]),
  /** manual: its stage waits for approval; approvedBy says who gave it. */
  approval: z.enum(["manual"]).nullable(),
  approvedBy: z.string().nullable(),
  status: JobStatus,
  reason: z.string(),
  /** Why it is in its state now: what it waits for, or what happened. */
  why: z.string(),
  build: z.number().nullable(),
  agent: z.string().nullable(),
  attempts: z.number(),
  labels: labels,
  priorityMs: z.number(),
  error: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  steps: z.array(BuildStep),
  /** Its log (an API path), once it has a build. */
  log: z.string().nullable(),
});
export type JobView = z.infer<typeof JobView>;

/** A package of a request, by the job that publishes it: built, cut off, failed, … */
export const RequestPackage = z.object({
  package: z.string(),
  status: JobStatus,
  build: z.number().nullable(),
  error: z.string().nullable(),
});

/** What made a request: a commit of the set, a manual rebuild, or a plain submission. */
export const RequestCause = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("commit"),
    commit: z.string(),
    /** The commit it follows (what had been built before), when there was one. */
    previous: z.string().nullable(),
    /** The packages whose directory (or spec) the commits changed. */
    changed: z.array(z.string()),
    /** The first line of the commit message. */
    subject: z.string(),
  }),
  z.object({ kind: z.literal("rebuild"), packages: z.array(z.string()), downstream: z.boolean() }),
  z.object({ kind: z.literal("submit") }),
  /** Shell commands (POST /commands): what ran, and whether an admin ran it without the sandbox. */
  z.object({ kind: z.literal("command"), command: z.string(), unsandboxed: z.boolean() }),
]);
export type RequestCause = z.infer<typeof RequestCause>;

/** Why one build started: the request's cause, and the upstream builds whose new output it takes. */
export const BuildTrigger = z.object({
  request: z.number().nullable(),
  cause: RequestCause.nullable(),
  /** Builds of packages it build-requires, in the same flow, that published new output. */
  upstream: z.array(z.object({ package: z.string(), build: z.number() })),
});
export type BuildTrigger = z.infer<typeof BuildTrigger>;

export const RequestView = z.object({
  id: z.number(),
  cause: RequestCause.nullable(),
  targets: z.array(z.string()),
  /** Rebuilt even when up to date. */
  forced: z.array(z.string()),
  status: RequestStatus,
  createdBy: z.string(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  jobs: z.array(JobView),
  /** Each package (or command job) of the request, with where it ended or stands. */
  packages: z.array(RequestPackage),
  /** Packages in scope that were already up to date when it was submitted. */
  upToDate: z.array(z.string()),
});
export type RequestView = z.infer<typeof RequestView>;

export const ArtifactView = z.object({
  kind: z.enum(["rpm", "srpm", "log", "file"]),
  filename: z.string(),
  sha256: z.string(),
  size: z.number(),
  url: z.string(),
});

export const OutputChange = z.union([
  z.object({ differences: z.array(z.string()), sameAs: z.undefined().optional() }),
  z.object({ sameAs: z.number(), differences: z.undefined().optional() }),
]);
export type OutputChange = z.infer<typeof OutputChange>;

export const BuildView = z.object({
  id: z.number(),
  package: z.string(),
  status: BuildStatus,
  evr: z.string(),
  reason: z.string(),
  error: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  /** Early cutoff: its output was equivalent to this published build, so it was not published. */
  sameOutputAs: z.number().nullable(),
  /** When published: what differs from the build before, or the one it equals (cutoff off); null: none. */
  outputChange: OutputChange.nullable(),
  trigger: BuildTrigger.nullable(),
  job: z.number().nullable(),
  agent: z.string().nullable(),
  steps: z.array(BuildStep),
  artifacts: z.array(ArtifactView),
  /** "bubblewrap", or why it ran without the sandbox, in words ("no sandbox: …"); null before it ran. */
  sandbox: z.string().nullable(),
});
export type BuildView = z.infer<typeof BuildView>;

export const BuildListQuery = z.object({
  package: packageName.optional(),
  status: BuildStatus.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});

export const LogQuery = z.object({
  follow: z.enum(["0", "1", "true", "false"]).optional(),
  offset: z.coerce.number().int().min(0).default(0),
});

// ---- agents ----

export const AgentView = z.object({
  id: z.number(),
  name: z.string(),
  labels: labels,
  slots: z.number(),
  state: z.enum(["idle", "busy", "offline", "disabled"]),
  lastSeenAt: z.string(),
  running: z.array(z.object({ job: z.number(), package: z.string(), build: z.number().nullable() })),
});
export type AgentView = z.infer<typeof AgentView>;

export const EnrolBody = z.object({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits, . _ -")
    .max(100),
  labels: labels,
  slots: z.number().int().min(1).max(256),
});
export const EnrolResponse = z.object({ agent: z.number(), token: z.string() });

export const SandboxReport = z.object({
  policy: z.enum(SANDBOX_MODES),
  available: z.boolean(),
});

export const LeaseBody = z.object({
  /** Free slots: at most this many jobs are handed out. */
  free: z.number().int().min(1).max(256),
  /** Wait up to this long for a job when none is ready (long poll). */
  waitMs: z.number().int().min(0).max(30_000).default(0),
  /** The agent's sandbox policy and whether bubblewrap works on it: it is offered only jobs it would run. */
  sandbox: SandboxReport.optional(),
});

const StepDefView = z.object({
  kind: z.enum(["sources", "build-dependencies", "rpmbuild", "check", "publish", "run"]),
  name: z.string(),
  command: z.string().optional(),
  timeoutSec: z.number(),
  env: z.record(z.string(), z.string()),
});
export const JobDefView = z.object({
  name: z.string(),
  steps: z.array(StepDefView),
  labels: z.record(z.string(), z.string()),
  artifacts: z.array(z.string()),
});

export const LeasedJob = z.object({
  job: z.number(),
  /** A shell command to run instead of a package build (its build is 0, its files empty). */
  command: z.string().optional(),
  /** The pipeline job to run: its stage, its steps, the artifacts it declares. */
  stage: z.string().default(""),
  definition: JobDefView.optional(),
  logName: z.string().default("build.log"),
  /** What earlier stages handed on: the package's RPMs and the files jobs declared. */
  inputs: z.array(z.object({ filename: z.string(), sha256, kind: z.enum(["rpm", "file"]) })).default([]),
  rpmlint: z.enum(["report", "errors", "off"]).default("report"),
  build: z.number(),
  leaseToken: z.string(),
  leaseSeconds: z.number(),
  package: z.string(),
  /** packages/<name>/<name>.spec, relative to the set. */
  specFile: z.string(),
  dist: z.string(),
  /** The spec and each source, fetched from the server and checked against these. */
  files: z.array(z.object({ name: z.string(), sha256, size: z.number(), kind: z.enum(["spec", "source"]) })),
  /** The RPMs its build root holds, fetched from /artifacts/SHA256. */
  rootPackages: z.array(z.object({ sha256, filename: z.string() })),
  /** The sandbox mode the job asks for: the farm's policy tightened by the set (see SECURITY.md). */
  sandbox: z.enum(["auto", "required", "off"]),
  /** The job's log is cut at this size. */
  maxLogBytes: z
    .number()
    .int()
    .positive()
    .default(100 * 1024 * 1024),
});
export type LeasedJob = z.infer<typeof LeasedJob>;
export const LeaseResponse = z.object({ jobs: z.array(LeasedJob) });

export const HeartbeatBody = z.object({
  jobs: z.array(z.object({ job: z.number(), leaseToken: z.string() })).max(256),
  /** Its work directory's free space (an agent of an older Kiln sends none). */
  disk: DiskReport.optional(),
});
export const HeartbeatResponse = z.object({
  /** Jobs to stop: cancelled by a user. */
  cancel: z.array(z.number()),
  /** Jobs whose lease is gone (expired and requeued): stop them, their result would be refused. */
  lost: z.array(z.number()),
});

export const LeaseHeaders = z.object({ "x-kiln-lease": z.string().min(1) });

export const LogAppendQuery = z.object({ offset: z.coerce.number().int().min(0) });
/** The size of the coordinator's copy of the log after an append; cut: it takes no more. */
export const LogAppendResponse = z.object({ size: z.number(), cut: z.boolean().optional() });

export const UploadParams = IdParams.extend({ filename: artifactFilename });
export const UploadHeaders = LeaseHeaders.extend({ "x-kiln-sha256": sha256 });

export const ResultBody = z.object({
  leaseToken: z.string(),
  ok: z.boolean(),
  cancelled: z.boolean().default(false),
  error: z.string().max(10_000).nullable().default(null),
  durationMs: z.number().min(0),
  steps: z.array(BuildStep).max(100).default([]),
  /** What was uploaded, by name and sha256 (each one already verified on upload). */
  artifacts: z.array(z.object({ filename: artifactFilename, sha256 })).max(10_000),
  /** "bubblewrap", or why the job ran without the sandbox. */
  sandbox: z.string().max(1000).optional(),
});
export type ResultBody = z.infer<typeof ResultBody>;
export const ResultResponse = z.object({ status: JobStatus, duplicate: z.boolean() });

// ---- tokens ----

export const TokenRole = z.enum(["viewer", "maintainer", "admin", "enrol"]);
export const TokenBody = z.object({ name: z.string().min(1).max(100), role: TokenRole });
export const TokenResponse = z.object({
  id: z.number(),
  name: z.string(),
  role: z.string(),
  token: z.string(),
});

export * from "./ui-schemas.js";
export * from "./repo-schemas.js";
