// Runs one job of a package's pipeline: its steps in order, in one workspace, each step found by its
// kind in steps/index.ts. Used by `kiln build` in process and by agents; everything it writes is
// below jobDir, and nothing a build left there is read through a link (docs/SECURITY.md).
import { mkdir, rm } from "node:fs/promises";
import { join, relative } from "node:path";
import type { BuildStep } from "../api/schemas.js";
import type { BuildRootCache, PreparedRoot, RootPackage } from "../buildroot/buildroot-cache.js";
import type { JobDef } from "../core/pipeline.js";
import type { RpmHeader } from "../rpm/rpm-query.js";
import { CappedLog } from "../util/capped-log.js";
import { ExecError } from "../util/exec.js";
import { declaredArtifacts } from "./build-outputs.js";
import { JobContext } from "./step.js";
import { StepError } from "./step-error.js";
import { stepFor } from "./steps/index.js";

export interface RunJobInput {
  pkg: { name: string; specFile: string };
  job: JobDef;
  /** The job's own directory: root/, top/ (the rpmbuild tree), inputs/, work/ and its log. */
  jobDir: string;
  /** The log's file name inside jobDir. */
  logName: string;
  dist: string;
  /** The dependency RPMs the build root holds (build-dependencies step). */
  rootPackages: RootPackage[];
  roots: BuildRootCache;
  /** Whether the steps run in the sandbox (decided by the caller: src/core/sandbox-policy.ts). */
  sandbox: boolean;
  /** Why they do not, when they do not: said in the log ("no sandbox: …"). */
  sandboxNote?: string;
  rpmlint: "report" | "errors" | "off";
  maxLogBytes: number;
  /** Puts the spec into specsDir and the sources into sourcesDir (copied, or fetched). */
  fetchSources: (specsDir: string, sourcesDir: string) => Promise<void>;
  /** Puts what earlier stages handed on into inputsDir: RPMs into rpms/, other files into files/. */
  fetchInputs?: (inputsDir: string) => Promise<void>;
  /** Runs before the build root is prepared (an agent fetches the root's RPMs it lacks). */
  beforeRoot?: () => Promise<void>;
  signal?: AbortSignal;
}

export interface RunJobResult {
  ok: boolean;
  /** One line: what went wrong. The log has the rest. */
  error?: string;
  logPath: string;
  rpms: RpmHeader[];
  srpm?: RpmHeader;
  root?: PreparedRoot;
  /** Files the job declares as artifacts, found in its workspace, by the names they are kept under. */
  files: { path: string; name: string }[];
  /** What each step did (the API's BuildStep: agents report them as they are). */
  steps: BuildStep[];
  /** "bubblewrap", or why the job ran without the sandbox ("no sandbox: …"). */
  sandbox: string;
}

export async function runJob(input: RunJobInput): Promise<RunJobResult> {
  const { jobDir } = input;
  await mkdir(jobDir, { recursive: true });
  const logPath = join(jobDir, input.logName);
  const log = new CappedLog(logPath, input.maxLogBytes);
  const sandbox = input.sandbox ? "bubblewrap" : (input.sandboxNote ?? "no sandbox");
  const result: RunJobResult = { ok: false, logPath, rpms: [], files: [], steps: [], sandbox };
  const ctx = new JobContext(input, log, result);
  const say = ctx.say;
  say(`${input.pkg.name}: job ${input.job.name}, steps ${input.job.steps.map((s) => s.name).join(", ")}`);
  if (!input.sandbox) say(`${sandbox}: this job's steps run WITHOUT the sandbox`);
  let i = 0;
  try {
    if (input.fetchInputs) {
      const t0 = performance.now();
      for (const d of ["rpms", "files"]) await mkdir(join(ctx.inputs, d), { recursive: true });
      await input.fetchInputs(ctx.inputs);
      result.steps.push({ name: "inputs", status: "ok", ms: Math.round(performance.now() - t0) });
      say(`inputs from earlier stages in ${relative(jobDir, ctx.inputs)}/`);
    }
    for (; i < input.job.steps.length; i++) {
      const step = input.job.steps[i]!;
      if (input.signal?.aborted) throw new StepError("cancelled");
      say(`step ${step.name}`);
      const t0 = performance.now();
      try {
        await stepFor(step.kind)(ctx, step);
      } catch (e) {
        result.steps.push({ name: step.name, status: "failed", ms: Math.round(performance.now() - t0) });
        throw e;
      }
      result.steps.push({ name: step.name, status: "ok", ms: Math.round(performance.now() - t0) });
    }
    result.files = await declaredArtifacts(ctx.work, input.job.artifacts);
    if (result.files.length > 0) say(`artifacts: ${result.files.map((f) => f.name).join(", ")}`);
    result.ok = true;
  } catch (e) {
    if (input.signal?.aborted) result.error = "cancelled";
    result.error ??=
      e instanceof StepError
        ? e.message
        : e instanceof ExecError
          ? `${e.command[0]} failed`
          : (e as Error).message.split("\n")[0];
    if (!(e instanceof StepError)) say(`error: ${(e as Error).message}`);
    for (const s of input.job.steps.slice(i + 1))
      result.steps.push({ name: s.name, status: "skipped", ms: 0 });
  } finally {
    // The build job's log reads as a build's; the others' say which job they were.
    const what = input.job.steps.some((s) => s.kind === "rpmbuild") ? "build" : `job ${input.job.name}`;
    say(result.ok ? `${what} succeeded` : `${what} failed: ${result.error ?? "unknown error"}`);
    await log.end();
  }
  if (result.ok) {
    // The root is a clone of a cached one: nothing in it to keep. A failed job keeps it, and its
    // rpmbuild tree, for looking into.
    await rm(join(jobDir, "root"), { recursive: true, force: true });
  }
  return result;
}
