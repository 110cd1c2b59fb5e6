// Kiln's one status vocabulary: the states of a queue job (a package's run ends as its publish job
// does), of a build, of a request, of a package as the UI shows it, and what planning decides of a
// package before anything runs. The API's zod enums and the database's column types derive from
// these lists; which states count as what is said here too, for the scheduler, the CLI and the UI.

/**
 * queued: waits for its dependencies or an agent; leased: an agent builds it (or the server
 * publishes it); the rest are final. up-to-date: when its turn came, its inputs matched its last
 * green build. cut-off: built green, its output equivalent to the published build's, so not
 * published. blocked: something it needs cannot build. invalid: its own spec or dependencies are
 * wrong.
 */
export const JOB_STATUSES = [
  "queued",
  "leased",
  "green",
  "cut-off",
  "up-to-date",
  "failed",
  "blocked",
  "invalid",
  "cancelled",
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const BUILD_STATUSES = ["running", "green", "failed", "cancelled"] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];

export const REQUEST_STATUSES = ["active", "done", "cancelled"] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** A package as the UI shows it: its latest build's state (cut-off: green, with an equal's output). */
export const PACKAGE_STATUSES = [
  "never built",
  "running",
  "green",
  "cut-off",
  "failed",
  "cancelled",
  "invalid",
] as const;
export type PackageStatus = (typeof PACKAGE_STATUSES)[number];

/** What planning decides of a package in scope, before anything runs (src/planner/plan-run.ts). */
export type PlanState = "pending" | "up-to-date" | "blocked" | "invalid";

/** A job whose dependents may start: its output is published, or nothing new had to be. */
export const DONE_STATUSES: ReadonlySet<string> = new Set<JobStatus>(["green", "cut-off", "up-to-date"]);
