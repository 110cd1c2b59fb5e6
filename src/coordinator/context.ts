// What the coordinator's parts share (the Coordinator itself): each part takes this context, or
// the part of it it needs.
import type { EventEmitter } from "node:events";
import type { Kysely } from "kysely";
import type { z } from "zod";
import type { ResultResponse } from "../api/schemas.js";
import type { LoadedGraph } from "../planner/load-graph.js";
import type { Publisher } from "../repos/publisher.js";
import type { Repositories } from "../repos/repositories.js";
import type { Workspace } from "../context/workspace.js";
import type { Labels } from "../core/labels.js";
import type { SandboxMode } from "../core/sandbox-policy.js";
import type { DialectKind } from "../db/dialect.js";
import { getJob } from "../db/jobs.js";
import type { Database, JobRow } from "../db/schema.js";
import { NotFoundError } from "../util/errors.js";

export interface CoordinatorOptions {
  /** An agent that has not renewed a lease for this long loses it, and the job is requeued. */
  leaseMs: number;
  /** Labels every job asks of an agent (kiln.yaml build.labels, else the server's own arch and os). */
  jobLabels: Labels;
  log?: (line: string) => void;
  /** A repository snapshot was written (`kiln build` says so). */
  onSnapshot?: (e: { repo: string; snapshot: number; packages: number }) => void;
}

export interface CoordinatorContext {
  readonly ws: Workspace;
  readonly db: Kysely<Database>;
  readonly kind: DialectKind;
  readonly opts: CoordinatorOptions;
  /** The set as loaded last. */
  readonly graph: LoadedGraph;
  readonly publisher: Publisher;
  readonly repositories: Repositories;
  /** The repository builds publish to (the first of kiln.yaml's). */
  readonly repo: string;
  /** "change" when a job changes state (wakes waiting leases and followers); "log:ID" when a log grows. */
  readonly events: EventEmitter;
  /** Set once the coordinator stops handing out jobs. */
  readonly closing: boolean;
  /** Whether the host provides this (kiln.yaml host.provides). */
  isHost(name: string): boolean;
  /** The sandbox mode the farm's jobs run in: its policy, tightened by kiln.yaml's build.sandbox. */
  sandboxMode(): SandboxMode;
  /** A line in the server's log. */
  log(line: string): void;
  /** The packages with a run under way, read again (and parked publications reconsidered). */
  refreshActive(): Promise<void>;
  /** Wakes waiting leases and followers. */
  changed(): void;
  /** Runs the server's own ready jobs (publish) until there are none; one loop at a time per process. */
  kickServerJobs(): void;
}

/** A job's mode: "off" when an admin asked for it, else the farm's as it is now (never looser). */
export function modeOfJob(
  ctx: Pick<CoordinatorContext, "sandboxMode">,
  job: Pick<JobRow, "sandbox">,
): SandboxMode {
  return job.sandbox === "off" ? "off" : ctx.sandboxMode();
}

export async function jobOrNotFound(db: Kysely<Database>, jobId: number): Promise<JobRow> {
  const job = await getJob(db, jobId);
  if (!job) throw new NotFoundError("NOT_FOUND", `no job ${jobId}`);
  return job;
}

/** Resolves on the coordinator's next change, or after `ms`. */
export function changeOrTimeout(events: EventEmitter, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(t);
      events.off("change", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    events.once("change", done);
  });
}

export type ResultOutcome = z.infer<typeof ResultResponse>;
