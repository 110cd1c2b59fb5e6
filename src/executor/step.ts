// What a step of a pipeline job is (steps/index.ts registers one per step kind) and what the steps
// of one job share: the job's input, its directories and where they appear inside the sandbox, its
// log, the result being filled in, and what earlier steps did. A step is bounded by its timeout
// either way it runs: a race for Kiln's own work, the sandboxed exec's timeout for a command.
import { join } from "node:path";
import type { StepDef } from "../core/pipeline.js";
import type { CappedLog } from "../util/capped-log.js";
import { ExecError } from "../util/exec.js";
import type { RunJobInput, RunJobResult } from "./run-job.js";
import { sandboxedExec, type SandboxedCommand } from "./sandboxed-exec.js";
import { StepError } from "./step-error.js";

export interface Step<K extends StepDef["kind"] = StepDef["kind"]> {
  kind: K;
  /** Does the step's work; a StepError says in one line why it failed (the log has the rest). */
  run(ctx: JobContext, def: StepDef): Promise<void>;
}

/** Where things appear inside the sandbox. */
export const IN = { root: "/kiln/root", top: "/kiln/build", work: "/kiln/work", inputs: "/kiln/inputs" };

/** The job's directories and what its steps have done so far. */
export class JobContext {
  readonly root: string;
  readonly top: string;
  readonly work: string;
  readonly inputs: string;
  /** Whether rpmbuild ran in this job, and the binary RPMs it made. */
  built = false;
  rpmFiles: string[] = [];

  constructor(
    readonly input: RunJobInput,
    readonly log: CappedLog,
    readonly say: (line: string) => void,
    readonly result: RunJobResult,
  ) {
    this.root = join(input.jobDir, "root");
    this.top = join(input.jobDir, "top");
    this.work = join(input.jobDir, "work");
    this.inputs = join(input.jobDir, "inputs");
  }

  get specName(): string {
    return `${this.input.pkg.name}.spec`;
  }

  get sandboxed(): boolean {
    return this.input.sandbox;
  }

  get hasRoot(): boolean {
    return this.result.root !== undefined;
  }

  /** The job's abort signal joined with the step's timeout. */
  stepSignal(step: StepDef): AbortSignal {
    const t = AbortSignal.timeout(step.timeoutSec * 1000);
    return this.input.signal ? AbortSignal.any([this.input.signal, t]) : t;
  }

  /** Runs a step's command (sandboxedExec) into the log; `what` names it when it fails. */
  async exec(
    step: StepDef,
    what: string,
    command: Omit<SandboxedCommand, "log" | "signal" | "timeoutSec">,
  ): Promise<void> {
    const failed = await sandboxedExec({
      ...command,
      log: this.log,
      signal: this.input.signal,
      timeoutSec: step.timeoutSec,
    });
    if (!failed) return;
    if (failed.cancelled) throw new StepError("cancelled");
    if (failed.timedOut) throw new StepError(`${step.name} timed out after ${step.timeoutSec} s`);
    const e = failed.error;
    if (e instanceof ExecError)
      throw new StepError(`${what} failed (${e.signalName ?? `exit status ${String(e.code)}`})`);
    throw e;
  }
}

/** A step doing kiln's own work, given up (a StepError) when the step's timeout passes first. */
export function timedStep<K extends StepDef["kind"]>(
  kind: K,
  work: (ctx: JobContext) => Promise<void>,
): Step<K> {
  return { kind, run: (ctx, def) => withTimeout(def, work(ctx)) };
}

async function withTimeout(step: StepDef, p: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new StepError(`${step.name} timed out after ${step.timeoutSec} s`)),
          step.timeoutSec * 1000,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
