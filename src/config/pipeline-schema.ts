// The `pipeline:` of kiln.yaml and of packages/<name>/kiln.yaml, as schemas. Steps are checked by
// hand so that a misspelt step says which steps there are; the rules across stages and jobs are
// src/core/pipeline.ts's (checkPipeline), reported at the line they concern.
import { z } from "zod";
import {
  BUILTIN_STEPS,
  type BuiltinStep,
  type PackagePipelineInput,
  type PipelineInput,
  type StepInput,
} from "../core/pipeline.js";

const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "a stage or job name is letters, digits and . _ - (no / or spaces)");
const env = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable's name is letters, digits and _"),
  z.string(),
);
/** What an agent must have to take a job: label name → value. */
export const labelsSchema = z.record(
  z.string().regex(/^[A-Za-z0-9_.-]+$/, "a label name is letters, digits, . _ -"),
  z.string().min(1),
);
const timeout = z.number().positive("a timeout is a number of seconds above 0");
const builtinOptions = z.strictObject({ timeout: timeout.optional(), env: env.optional() });
const runStep = z.strictObject({
  run: z.string().min(1, "a run step needs a command"),
  name: z.string().min(1).optional(),
  timeout: timeout.optional(),
  env: env.optional(),
});

/** Hands a nested schema's issues on, under `path`. */
function passOn(ctx: z.RefinementCtx, issues: z.core.$ZodIssue[], path: PropertyKey[] = []): typeof z.NEVER {
  for (const i of issues) ctx.addIssue({ ...i, path: [...path, ...i.path] } as never);
  return z.NEVER;
}

const STEP_HELP = `a step is one of ${BUILTIN_STEPS.join(", ")} (or {NAME: {timeout, env}}), or {run: COMMAND, name, timeout, env}`;

const step = z.unknown().transform((v, ctx): StepInput => {
  if (typeof v === "string") {
    if ((BUILTIN_STEPS as readonly string[]).includes(v)) return v as BuiltinStep;
    ctx.addIssue({ code: "custom", message: `unknown step "${v}": ${STEP_HELP}` });
    return z.NEVER;
  }
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    if ("run" in v) {
      const r = runStep.safeParse(v);
      return r.success ? r.data : passOn(ctx, r.error.issues);
    }
    const keys = Object.keys(v);
    if (keys.length === 1 && (BUILTIN_STEPS as readonly string[]).includes(keys[0]!)) {
      const r = builtinOptions.safeParse((v as Record<string, unknown>)[keys[0]!] ?? {});
      return r.success ? ({ [keys[0]!]: r.data } as StepInput) : passOn(ctx, r.error.issues, [keys[0]!]);
    }
  }
  ctx.addIssue({ code: "custom", message: STEP_HELP });
  return z.NEVER;
});

const artifact = z
  .string()
  .min(1)
  .refine(
    (p) => !p.startsWith("/") && !p.split("/").includes(".."),
    "an artifact is a path inside the job's workspace",
  );

const job = z.strictObject({
  name,
  steps: z.array(step).min(1, "a job has at least one step"),
  labels: labelsSchema.optional(),
  artifacts: z.array(artifact).optional(),
});

const stage = z.strictObject({
  name,
  approval: z.literal("manual", { error: 'approval is "manual" (or leave it out)' }).optional(),
  jobs: z.array(job).min(1, "a stage has at least one job"),
});

export const pipelineSchema = z.strictObject({
  stages: z.array(stage).min(1, "a pipeline has at least one stage"),
}) satisfies z.ZodType<PipelineInput, unknown>;

const extendSchema = z.strictObject({
  extends: z.literal("set", { error: "extends: set (the set's pipeline) is the only one there is" }),
  insert: z
    .array(
      z.union(
        [
          z.strictObject({ after: name, stages: z.array(stage).min(1) }),
          z.strictObject({ before: name, stages: z.array(stage).min(1) }),
        ],
        { error: "an insert has after: STAGE or before: STAGE, and stages" },
      ),
    )
    .optional(),
  add: z
    .array(
      z.strictObject({
        job: z.string().regex(/^[^/]+\/[^/]+$/, 'name the job "stage/job"'),
        steps: z.array(step).min(1),
      }),
    )
    .optional(),
});

/** A package's `pipeline:`: stages of its own (replacing the set's), or `extends: set` with additions. */
export const packagePipelineSchema = z.unknown().transform((v, ctx): PackagePipelineInput => {
  const schema = v !== null && typeof v === "object" && "extends" in v ? extendSchema : pipelineSchema;
  const r = schema.safeParse(v);
  return r.success ? (r.data as PackagePipelineInput) : passOn(ctx, r.error.issues);
});
