// What a step of a pipeline job is (steps/index.ts registers one per step kind) and what the steps
// of one job share: the job's input, its directories and where they appear inside the sandbox, its
// log, the result being filled in, and what earlier steps did. A step is bounded by its timeout
// either way it runs: a race for Kiln's own work, the sandboxed exec's timeout for a command.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { StepDef } from "../core/pipeline.js";
import type { CappedLog } from "../util/capped-log.js";
import { ExecError } from "../util/exec.js";
import type { RunJobInput, RunJobResult } from "./run-job.js";
import { sandboxedExec } from "./sandboxed-exec.js";
import { StepError } from "./step-error.js";

/** A step's work; a StepError says in one line why it failed (the log has the rest). */
export type Step = (ctx: JobContext, def: StepDef) => Promise<void>;

/** Where things appear inside the sandbox. */
export const IN = { root: "/kiln/root", top: "/kiln/build", work: "/kiln/work", inputs: "/kiln/inputs" };
type Dir = keyof typeof IN;

/** The job's directories and what its steps have done so far. */
export class JobContext {
  readonly root: string;
  readonly top: string;
  readonly work: string;
  readonly inputs: string;
  readonly say = (line: string): void => this.log.write(`kiln: ${line}\n`);
  /** Whether rpmbuild ran in this job, and the binary RPMs it made. */
  built = false;
  rpmFiles: string[] = [];

  constructor(
    readonly input: RunJobInput,
    readonly log: CappedLog,
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

  /** The job's directories as its commands see them: inside the sandbox, or here. */
  get seen(): typeof IN {
    return this.sandboxed ? IN : { root: this.root, top: this.top, work: this.work, inputs: this.inputs };
  }

  /** HOME for a step's command: /tmp inside the sandbox, else the job's home/ (made here). */
  async home(): Promise<string> {
    if (this.sandboxed) return "/tmp";
    const home = join(this.input.jobDir, "home");
    await mkdir(home, { recursive: true });
    return home;
  }

  /** The job's abort signal joined with the step's timeout. */
  stepSignal(step: StepDef): AbortSignal {
    const t = AbortSignal.timeout(step.timeoutSec * 1000);
    return this.input.signal ? AbortSignal.any([this.input.signal, t]) : t;
  }

  /** Runs the step's command into the log, said as `shown`; in the sandbox it sees only the dirs given. */
  async exec(
    step: StepDef,
    shown: string,
    c: { argv: string[]; env: Record<string, string>; cwd: Dir; readOnly: Dir[]; readWrite: Dir },
  ): Promise<void> {
    const s = this.sandboxed;
    this.say(`${s ? "sandbox (bubblewrap, no network)" : this.result.sandbox}: ${shown}`);
    // Bind sources must exist, whether or not this job built or has a root.
    if (s) for (const d of [...c.readOnly, c.readWrite]) await mkdir(this[d], { recursive: true });
    const bind = (d: Dir): { src: string; dest: string } => ({ src: this[d], dest: IN[d] });
    const failed = await sandboxedExec({
      argv: c.argv,
      env: c.env,
      cwd: this.seen[c.cwd],
      sandbox: s ? { readOnly: c.readOnly.map(bind), readWrite: [bind(c.readWrite)] } : undefined,
      log: this.log,
      signal: this.input.signal,
      timeoutSec: step.timeoutSec,
    });
    if (!failed) return;
    if (failed.cancelled) throw new StepError("cancelled");
    if (failed.timedOut) throw new StepError(`${step.name} timed out after ${step.timeoutSec} s`);
    const e = failed.error;
    if (e instanceof ExecError)
      throw new StepError(`${step.name} failed (${e.signalName ?? `exit status ${String(e.code)}`})`);
    throw e;
  }
}

/** A step doing kiln's own work, given up (a StepError) when the step's timeout passes first. */
export function timedStep(work: (ctx: JobContext) => Promise<void>): Step {
  return async (ctx, def) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StepError(`${def.name} timed out after ${def.timeoutSec} s`)),
        def.timeoutSec * 1000,
      );
    });
    await Promise.race([work(ctx), timeout]).finally(() => clearTimeout(timer));
  };
}
