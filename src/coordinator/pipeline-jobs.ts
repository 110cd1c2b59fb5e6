// A planned request as rows of the queue: for every package to build, one job per job of its
// pipeline. The first stage waits for the packages it needs to be published (in this request, or
// by an earlier one still under way); each later stage waits for the whole stage before it. A
// package that cannot build gets its jobs already ended (blocked, or failed with its errors).
import type { Pipeline } from "../core/pipeline.js";
import type { NewJob } from "../db/requests.js";
import type { RunPlan } from "../planner/plan-run.js";

export interface PipelineJobsInput {
  plan: Pick<RunPlan, "names" | "state" | "reason" | "blockedBy">;
  pipelineOf: (pkg: string) => Pipeline;
  /** What each package needs before it builds (the build order's edges). */
  order: ReadonlyMap<string, ReadonlySet<string>>;
  /** Packages this request builds (not those under way in an earlier one). */
  building: ReadonlySet<string>;
  /** Packages under way in earlier requests: the job that publishes each. */
  active: ReadonlyMap<string, { id: number }>;
  /** Longest chain of work below each package (ms): its jobs' priority. */
  chain: ReadonlyMap<string, number>;
  /** Errors of invalid packages, in words. */
  errors: ReadonlyMap<string, string[]>;
  labels: Record<string, string>;
}

/** The key of a pipeline job within a request. */
const keyOf = (pkg: string, stage: number, job: number): string => `${pkg}/${stage}/${job}`;

export function pipelineJobs(i: PipelineJobsInput): NewJob[] {
  const jobs: NewJob[] = [];
  /** The job that publishes a package: the last stage's only job. */
  const publishKey = (name: string): string => keyOf(name, i.pipelineOf(name).stages.length - 1, 0);
  for (const name of i.plan.names) {
    const s = i.plan.state.get(name);
    if (s !== "pending" && s !== "blocked" && s !== "invalid") continue;
    if (s === "pending" && !i.building.has(name)) continue;
    const needs = [...(i.order.get(name) ?? [])].filter((d) => d !== name);
    const pipeline = i.pipelineOf(name);
    const final: NewJob["final"] =
      s === "blocked"
        ? { status: "blocked", error: `needs ${i.plan.blockedBy.get(name)!.join(", ")}, which cannot build` }
        : s === "invalid"
          ? {
              status: "invalid",
              error: (i.errors.get(name) ?? []).join("\n") || "its spec or dependencies are wrong",
            }
          : undefined;
    pipeline.stages.forEach((stage, si) =>
      stage.jobs.forEach((job, ji) => {
        jobs.push({
          key: keyOf(name, si, ji),
          package: name,
          reason: final ? "requested" : (i.plan.reason.get(name) ?? "requested"),
          labels: { ...i.labels, ...job.labels },
          priority: final ? 0 : (i.chain.get(name) ?? 0),
          stage: si,
          stageName: stage.name,
          name: job.name,
          definition: JSON.stringify(job),
          ...(stage.approval ? { approval: stage.approval } : {}),
          runsOn: job.steps[0]!.kind === "publish" ? "server" : "agent",
          needs: final
            ? []
            : si === 0
              ? needs.filter((d) => i.building.has(d)).map(publishKey)
              : pipeline.stages[si - 1]!.jobs.map((_, k) => keyOf(name, si - 1, k)),
          needsJobs:
            final || si > 0 ? [] : needs.filter((d) => i.active.has(d)).map((d) => i.active.get(d)!.id),
          ...(final ? { final } : {}),
        });
      }),
    );
  }
  return jobs;
}
