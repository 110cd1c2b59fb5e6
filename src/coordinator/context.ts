// What the coordinator's parts share: the workspace and its database, the set as loaded last, the
// publisher, and the few things every state change ends with (the active cache read again, a
// "change" event). Each part takes this context, or the part of it it needs.
import type { Kysely } from "kysely";
import type { LoadedGraph } from "../planner/load-graph.js";
import type { Publisher } from "../repos/publisher.js";
import type { Workspace } from "../context/workspace.js";
import type { Labels } from "../core/labels.js";
import type { SandboxMode } from "../core/sandbox-policy.js";
import type { DialectKind } from "../db/dialect.js";
import type { Database, JobRow } from "../db/schema.js";

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
  /** The repository builds publish to (the first of kiln.yaml's). */
  readonly repo: string;
  /** Whether the host provides this (kiln.yaml host.provides). */
  isHost(name: string): boolean;
  /** The sandbox mode the farm's jobs run in now. */
  sandboxMode(): SandboxMode;
  /** A line in the server's log. */
  say(line: string): void;
  /** The packages with a run under way, read again (and parked publications reconsidered). */
  refreshActive(): Promise<void>;
  /** Wakes waiting leases and followers. */
  changed(): void;
  /** Runs the server's own ready jobs (publish). */
  kickServerJobs(): void;
}

/** A job's mode: "off" when an admin asked for it, else the farm's as it is now (never looser). */
export function modeOfJob(
  ctx: Pick<CoordinatorContext, "sandboxMode">,
  job: Pick<JobRow, "sandbox">,
): SandboxMode {
  return job.sandbox === "off" ? "off" : ctx.sandboxMode();
}

/** What a result is answered with. */
export interface ResultOutcome {
  status: JobRow["status"];
  duplicate: boolean;
}
