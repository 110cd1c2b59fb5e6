// The database's JSON columns, each read through its schema: what a row holds is checked once,
// here, on the way out of the database, and typed from then on (never `JSON.parse(x) as T`). A
// column that does not match its schema is a damaged database, said with the column's name.
import { z } from "zod";
import {
  BuildStep,
  BuildTrigger,
  JobDefView,
  OutputChange,
  RequestCause,
  SandboxReport,
} from "../api/schemas.js";
import { WatchSeen } from "../api/watch-schemas.js";
import { DiskReport } from "../api/health-schemas.js";
import type { JobDef } from "../core/pipeline.js";

/** Each JSON column's schema, by what it holds. */
const COLUMNS = {
  /** requests.targets, forced, up_to_date; builds.stages; artifacts.provides, requires, files; … */
  strings: z.array(z.string()),
  /** jobs.labels, agents.labels. */
  labels: z.record(z.string(), z.string()),
  /** jobs.steps, builds.steps. */
  steps: z.array(BuildStep),
  /** jobs.definition: the pipeline job to run. */
  definition: JobDefView,
  /** requests.cause. */
  cause: RequestCause,
  /** builds.trigger. */
  trigger: BuildTrigger,
  /** builds.inputs. */
  inputs: z.object({
    recipe: z.number(),
    dist: z.string(),
    spec: z.string(),
    sources: z.record(z.string(), z.string()),
    root: z.array(z.string()),
  }),
  /** builds.output_change. */
  outputChange: OutputChange,
  /** agents.sandbox: the policy an agent last said it has. */
  agentSandbox: SandboxReport,
  /** watches.seen. */
  watchSeen: WatchSeen,
  /** agents.disk: its work directory's free space, as its last heartbeat said. */
  agentDisk: DiskReport,
} as const;

type Columns = typeof COLUMNS;

/** A JSON column's text as what it holds, checked by its schema. */
export function fromJson<K extends keyof Columns>(
  kind: K,
  text: string,
  column: string = kind,
): z.output<Columns[K]> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`the database's ${column} column holds no valid JSON: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const r = COLUMNS[kind].safeParse(value);
  if (!r.success) {
    throw new Error(
      `the database's ${column} column does not hold what it should: ${r.error.issues[0]?.message ?? ""}`,
    );
  }
  return r.data as z.output<Columns[K]>;
}

/** The same for a nullable column: null stays null. */
export function fromJsonOrNull<K extends keyof Columns>(
  kind: K,
  text: string | null | undefined,
  column: string = kind,
): z.output<Columns[K]> | null {
  return text === null || text === undefined ? null : fromJson(kind, text, column);
}

/** A job's pipeline definition, with the core's type. */
export function jobDefinition(text: string): JobDef {
  return fromJson("definition", text, "jobs.definition");
}
