import type { JobRow } from "../db/schema.js";
import { jobDefinition } from "../db/json-columns.js";

/** A job's log name: the build job's is build.log (as a local build's), the others' stage-job.log. */
export function logNameOf(job: Pick<JobRow, "definition" | "stage_name" | "name">): string {
  const def = job.definition ? jobDefinition(job.definition) : undefined;
  if (!def || def.steps.some((s) => s.kind === "rpmbuild")) return "build.log";
  return `${job.stage_name}-${job.name}.log`;
}
