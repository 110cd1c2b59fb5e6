// The steps a pipeline job can run, one per step kind of src/core/pipeline.ts, registered here and
// only here (runJob looks each step up by its kind). Publishing is a step of the pipeline too, but
// the server runs it, never a job.
import type { StepDef } from "../../core/pipeline.js";
import type { Step } from "../step.js";
import { StepError } from "../step-error.js";
import { buildDependencies } from "./build-dependencies.js";
import { check } from "./check.js";
import { rpmbuild } from "./rpmbuild.js";
import { run } from "./run.js";
import { sources } from "./sources.js";

const STEPS: Record<StepDef["kind"], Step | null> = {
  sources,
  "build-dependencies": buildDependencies,
  rpmbuild,
  check,
  run,
  publish: null,
};

export function stepFor(kind: StepDef["kind"]): Step {
  const step = STEPS[kind];
  if (!step) throw new StepError(`${kind} runs on the server, not in a job`);
  return step;
}
