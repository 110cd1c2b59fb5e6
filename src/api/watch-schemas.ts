// Release watches in the API: each watched package, when it was last looked at, what was seen and
// the last error in words (GET /api/v1/watches; POST /api/v1/watches/check looks now).
import { z } from "zod";
import { UPDATE_STATES } from "../core/update-thread.js";

export const WatchSkipped = z.object({ raw: z.string(), why: z.string() });

/** watches.seen: what the last good look saw. */
export const WatchSeen = z.object({
  releases: z.number(),
  skipped: z.array(WatchSkipped),
  requests: z.number(),
  fromCache: z.number(),
});
export type WatchSeen = z.infer<typeof WatchSeen>;

export const WatchView = z.object({
  package: z.string(),
  /** What it watches, in words ("pypi requests"). */
  source: z.string(),
  checkedAt: z.string().nullable(),
  nextAt: z.string(),
  outcome: z.enum(["newer", "current", "error"]).nullable(),
  /** The spec's Version at the last look. */
  current: z.string().nullable(),
  /** The newest version the watch's rules accept, and as the upstream wrote it. */
  newest: z.string().nullable(),
  newestRaw: z.string().nullable(),
  note: z.string().nullable(),
  error: z.string().nullable(),
  errorSince: z.string().nullable(),
  failures: z.number(),
  releases: z.number().nullable(),
  skipped: z.array(WatchSkipped),
  /** Requests the last look sent, and how many were answered "not modified" (from the cache). */
  requests: z.number().nullable(),
  fromCache: z.number().nullable(),
});
export type WatchView = z.infer<typeof WatchView>;

export const WatchList = z.object({ watches: z.array(WatchView) });

export const WatchCheckBody = z.object({
  /** Packages to look at now; none: every watched package. */
  packages: z.array(z.string().min(1).max(200)).max(10000).default([]),
});

export const UpdateEventView = z.object({
  at: z.string(),
  state: z.enum(UPDATE_STATES),
  note: z.string(),
  request: z.number().nullable(),
});

/** An update thread: one new upstream version of one package, with its timeline. */
export const UpdateView = z.object({
  id: z.number(),
  package: z.string(),
  /** The upstream's version (prefix stripped), as it wrote it, and as the spec's Version. */
  version: z.string(),
  raw: z.string(),
  rpmVersion: z.string(),
  fromVersion: z.string(),
  state: z.enum(UPDATE_STATES),
  open: z.boolean(),
  note: z.string(),
  openedAt: z.string(),
  updatedAt: z.string(),
  branch: z.string().nullable(),
  commit: z.string().nullable(),
  /** The set is not in git: the change was kept as a patch beside the thread. */
  patch: z.boolean(),
  tarballUrl: z.string().nullable(),
  tarballSha256: z.string().nullable(),
  request: z.number().nullable(),
  events: z.array(UpdateEventView),
});
export type UpdateView = z.infer<typeof UpdateView>;

export const UpdateList = z.object({ updates: z.array(UpdateView) });

export const UpdateListQuery = z.object({
  package: z.string().min(1).max(200).optional(),
  /** Only threads still under way. */
  open: z.enum(["true", "false"]).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const RejectBody = z.object({ reason: z.string().max(2000).optional() });

/** One package of a thread's candidate build: where it got to, with its build (its log) in the candidate. */
export const CandidateBuild = z.object({
  package: z.string(),
  state: z.enum(["building", "green", "cut-off", "failed", "blocked", "invalid", "up-to-date", "cancelled"]),
  /** The build's id in the candidate's own data directory (its log: …/candidate/builds/ID/log). */
  build: z.number().nullable(),
  /** Why it builds, or why it failed or was blocked, in words. */
  note: z.string().nullable(),
  ms: z.number().nullable(),
  /** Whether its log can be read. */
  log: z.boolean(),
});
export type CandidateBuild = z.infer<typeof CandidateBuild>;

/** A thread's candidate: what its build did, package by package, and whether the install test left a log. */
export const CandidateView = z.object({
  builds: z.array(CandidateBuild),
  /** Packages taken from the farm's first repository rather than built. */
  taken: z.array(z.string()),
  installLog: z.boolean(),
});
export type CandidateView = z.infer<typeof CandidateView>;

export const CandidateLogParams = z.object({
  id: z.coerce.number().int().min(1),
  build: z.coerce.number().int().min(1),
});
