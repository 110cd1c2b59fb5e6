// Build pipelines as code: a package's build is stages → jobs → steps. Stages run in order; the
// jobs of a stage run in parallel, on any agents; the steps of a job run in order in one
// workspace. The built-in package steps do what `kiln build` always did; `run` steps are the
// maintainer's own commands. Pure: the model, the default pipeline, how a package's kiln.yaml
// extends or replaces the set's, and the rules a pipeline must keep (with the path of what breaks
// them, for errors at file:line:column).

export const BUILTIN_STEPS = ["sources", "build-dependencies", "rpmbuild", "check", "publish"] as const;
export type BuiltinStep = (typeof BUILTIN_STEPS)[number];

/** Default step timeouts, in seconds. */
export const DEFAULT_TIMEOUT: Record<BuiltinStep | "run", number> = {
  sources: 600,
  "build-dependencies": 1800,
  rpmbuild: 4 * 3600,
  check: 1800,
  publish: 600,
  run: 3600,
};

export interface StepDef {
  kind: BuiltinStep | "run";
  /** What the step is called in logs and views ("rpmbuild", "run: make test" or its given name). */
  name: string;
  /** A run step's shell command (sh -c). */
  command?: string;
  timeoutSec: number;
  /** Added to the step's environment (run steps, and rpmbuild's). */
  env: Record<string, string>;
}

export interface JobDef {
  name: string;
  steps: StepDef[];
  /** Labels an agent must have, beside the set's. */
  labels: Record<string, string>;
  /** Files of its workspace (globs) handed to the jobs of later stages. */
  artifacts: string[];
}

export interface StageDef {
  name: string;
  /** manual: waits for a maintainer's approval (kiln approve) before its jobs run. */
  approval?: "manual";
  jobs: JobDef[];
}

export interface Pipeline {
  stages: StageDef[];
}

type StepOptions = { timeout?: number; env?: Record<string, string> };
type RunStepInput = StepOptions & { run: string; name?: string };

/** What the configuration files say, before defaults are filled in. */
export type StepInput = BuiltinStep | { [K in BuiltinStep]?: StepOptions } | RunStepInput;
type JobInput = Pick<JobDef, "name"> & Partial<Pick<JobDef, "labels" | "artifacts">> & { steps: StepInput[] };
type StageInput = Omit<StageDef, "jobs"> & { jobs: JobInput[] };

export interface PipelineInput {
  stages: StageInput[];
}

/** A package's own pipeline: its stages replace the set's, or `extends: set` adds to it. */
export type PackagePipelineInput =
  | PipelineInput
  | {
      extends: "set";
      /** Stages inserted before or after a stage of the set's pipeline. */
      insert?: ({ stages: StageInput[] } & ({ after: string } | { before: string }))[];
      /** Steps appended to a job of the set's pipeline, named "stage/job". */
      add?: { job: string; steps: StepInput[] }[];
    };

export const DEFAULT_PIPELINE_INPUT: PipelineInput = {
  stages: [
    { name: "build", jobs: [{ name: "rpm", steps: ["sources", "build-dependencies", "rpmbuild", "check"] }] },
    { name: "publish", jobs: [{ name: "publish", steps: ["publish"] }] },
  ],
};

type At = { stage: number; job: number };

/** A rule broken, at a path into the configuration (keys and array indexes). */
export interface PipelineProblem {
  path: (string | number)[];
  message: string;
}

export class PipelineError extends Error {
  constructor(readonly problem: PipelineProblem) {
    super(problem.message);
  }
}

export function normalizeStep(s: StepInput): StepDef {
  if (typeof s === "string") return { kind: s, name: s, timeoutSec: DEFAULT_TIMEOUT[s], env: {} };
  if ("run" in s) {
    const r = s as RunStepInput;
    const oneLine = r.run.split("\n")[0]!.trim();
    return {
      kind: "run",
      name: r.name ?? `run: ${oneLine.length > 40 ? `${oneLine.slice(0, 39)}…` : oneLine}`,
      command: r.run,
      timeoutSec: r.timeout ?? DEFAULT_TIMEOUT.run,
      env: r.env ?? {},
    };
  }
  const [kind, o] = Object.entries(s)[0] as [BuiltinStep, StepOptions];
  return { kind, name: kind, timeoutSec: o?.timeout ?? DEFAULT_TIMEOUT[kind], env: o?.env ?? {} };
}

export function normalizePipeline(p: PipelineInput): Pipeline {
  return {
    stages: p.stages.map((st) => ({
      name: st.name,
      ...(st.approval ? { approval: st.approval } : {}),
      jobs: st.jobs.map((j) => ({
        name: j.name,
        steps: j.steps.map(normalizeStep),
        labels: j.labels ?? {},
        artifacts: j.artifacts ?? [],
      })),
    })),
  };
}

/**
 * A package's pipeline from the set's and the package's own: replaced, or extended by inserted
 * stages and added steps. Throws PipelineError at the path (in the package's file) of a reference
 * to a stage or job the set's pipeline does not have.
 */
export function resolvePackagePipeline(
  set: PipelineInput,
  own: PackagePipelineInput | undefined,
): PipelineInput {
  if (!own) return set;
  if (!("extends" in own)) return own;
  const stages = set.stages.map((s) => ({ ...s, jobs: s.jobs.map((j) => ({ ...j, steps: [...j.steps] })) }));
  own.insert?.forEach((ins, i) => {
    const anchor = "after" in ins ? ins.after : ins.before;
    const at = stages.findIndex((s) => s.name === anchor);
    if (at < 0) {
      throw new PipelineError({
        path: ["pipeline", "insert", i, "after" in ins ? "after" : "before"],
        message: `no stage named "${anchor}" in the set's pipeline (it has ${stages.map((s) => s.name).join(", ")})`,
      });
    }
    stages.splice("after" in ins ? at + 1 : at, 0, ...ins.stages);
  });
  own.add?.forEach((a, i) => {
    const [stageName, jobName] = a.job.split("/");
    const job = stages.find((s) => s.name === stageName)?.jobs.find((j) => j.name === jobName);
    if (!job) {
      throw new PipelineError({
        path: ["pipeline", "add", i, "job"],
        message: `no job "${a.job}" in the set's pipeline (name it "stage/job": ${stages
          .flatMap((s) => s.jobs.map((j) => `${s.name}/${j.name}`))
          .join(", ")})`,
      });
    }
    job.steps.push(...a.steps);
  });
  return { stages };
}

/** The first rule the pipeline breaks, at a path relative to it (prefix where it is in its file). */
export function checkPipeline(p: PipelineInput): PipelineProblem | undefined {
  const stageNames = new Set<string>();
  let build: At | undefined;
  let publish: At | undefined;
  for (const [si, st] of p.stages.entries()) {
    if (stageNames.has(st.name))
      return { path: ["stages", si, "name"], message: `a second stage named "${st.name}"` };
    stageNames.add(st.name);
    const jobNames = new Set<string>();
    for (const [ji, job] of st.jobs.entries()) {
      const at = ["stages", si, "jobs", ji];
      if (jobNames.has(job.name))
        return { path: [...at, "name"], message: `a second job named "${job.name}" in stage "${st.name}"` };
      jobNames.add(job.name);
      const steps = job.steps.map(normalizeStep);
      const index = (k: StepDef["kind"]): number => steps.findIndex((s) => s.kind === k);
      for (const [ki, step] of steps.entries()) {
        const here = [...at, "steps", ki];
        if (step.kind === "rpmbuild") {
          if (build)
            return {
              path: here,
              message: `rpmbuild runs once per pipeline; it is already in ${p.stages[build.stage]!.name}/${p.stages[build.stage]!.jobs[build.job]!.name}`,
            };
          build = { stage: si, job: ji };
          for (const need of ["sources", "build-dependencies"] as const) {
            const n = index(need);
            if (n < 0 || n > ki)
              return { path: here, message: `rpmbuild needs the ${need} step before it, in the same job` };
          }
        }
        if (step.kind === "check") {
          const r = index("rpmbuild");
          if (r < 0 || r > ki)
            return {
              path: here,
              message: "check looks at what rpmbuild made: put it after rpmbuild, in the same job",
            };
        }
        if (step.kind === "publish") {
          if (publish) return { path: here, message: "publish runs once per pipeline" };
          if (steps.length > 1)
            return { path: here, message: "publish runs on the server: it is the only step of its job" };
          publish = { stage: si, job: ji };
        }
        if (step.timeoutSec <= 0) return { path: here, message: "a timeout is a number of seconds above 0" };
      }
    }
  }
  if (!build)
    return { path: ["stages"], message: "no job runs rpmbuild: a package pipeline builds the package" };
  if (!publish)
    return { path: ["stages"], message: "no job publishes: a package pipeline ends with a publish step" };
  if (publish.stage <= build.stage)
    return {
      path: ["stages", publish.stage, "jobs", publish.job, "steps", 0],
      message: `publish must come in a stage after the one that runs rpmbuild ("${p.stages[build.stage]!.name}")`,
    };
  // What depends on a package waits for its publication, and a package is done when published.
  if (p.stages[publish.stage]!.jobs.length > 1) {
    const other = p.stages[publish.stage]!.jobs.findIndex((_, ji) => ji !== publish!.job);
    return {
      path: ["stages", publish.stage, "jobs", other, "name"],
      message: `publish ends the pipeline alone: move job "${p.stages[publish.stage]!.jobs[other]!.name}" to an earlier stage`,
    };
  }
  if (publish.stage !== p.stages.length - 1)
    return {
      path: ["stages", publish.stage + 1, "name"],
      message: `publish ends the pipeline: stage "${p.stages[publish.stage + 1]!.name}" comes after it`,
    };
  return undefined;
}
