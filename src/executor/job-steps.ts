// The steps of one pipeline job, in its workspace: sources, build-dependencies, rpmbuild, check and
// run. Whatever the build or the maintainer's command runs goes through the sandbox when the job
// is sandboxed (the build user owns only the directories it may write); what it leaves behind is
// read as untrusted (build-outputs.ts).
import { mkdir } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import type { StepDef } from "../core/pipeline.js";
import { queryRpms } from "../rpm/rpm-query.js";
import { buildEnv, rpmbuildArgv } from "../rpm/rpmbuild.js";
import { runRpmlint } from "../rpm/rpmlint.js";
import { bwrapArgv, grantToSandbox } from "../sandbox/bubblewrap.js";
import type { CappedLog } from "../util/capped-log.js";
import { exec, ExecError } from "../util/exec.js";
import { checkOutputs, declaredArtifacts, listOutputRpms } from "./build-outputs.js";
import { findPathLeaks } from "./leak-check.js";
import { StepError } from "./step-error.js";
import type { RunJobInput, RunJobResult } from "./run-job.js";

/** Where things appear inside the sandbox. */
export const IN = { root: "/kiln/root", top: "/kiln/build", work: "/kiln/work", inputs: "/kiln/inputs" };

/** The job's directories and what its steps have done so far. */
export class JobSteps {
  readonly root: string;
  readonly top: string;
  readonly work: string;
  readonly inputs: string;
  private built = false;
  private rpmFiles: string[] = [];

  constructor(
    private readonly input: RunJobInput,
    private readonly log: CappedLog,
    private readonly say: (line: string) => void,
    private readonly result: RunJobResult,
  ) {
    this.root = join(input.jobDir, "root");
    this.top = join(input.jobDir, "top");
    this.work = join(input.jobDir, "work");
    this.inputs = join(input.jobDir, "inputs");
  }

  private get specName(): string {
    return `${this.input.pkg.name}.spec`;
  }

  private get sandboxed(): boolean {
    return this.input.sandbox;
  }

  async run(step: StepDef): Promise<void> {
    switch (step.kind) {
      case "sources":
        return this.withTimeout(step, this.sources());
      case "build-dependencies":
        return this.withTimeout(step, this.buildDependencies());
      case "rpmbuild":
        return this.rpmbuild(step);
      case "check":
        return this.check(step);
      case "run":
        return this.runCommand(step);
      case "publish":
        throw new StepError("publish runs on the server, not in a job");
    }
  }

  private async withTimeout(step: StepDef, p: Promise<void>): Promise<void> {
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

  /** The job's abort signal joined with the step's timeout. */
  private stepSignal(step: StepDef): AbortSignal {
    const t = AbortSignal.timeout(step.timeoutSec * 1000);
    return this.input.signal ? AbortSignal.any([this.input.signal, t]) : t;
  }

  private async sources(): Promise<void> {
    for (const d of ["SPECS", "SOURCES"]) await mkdir(join(this.top, d), { recursive: true });
    await this.input.fetchSources(join(this.top, "SPECS"), join(this.top, "SOURCES"));
    this.say(`spec and sources in ${relative(this.input.jobDir, this.top)}/`);
  }

  private async buildDependencies(): Promise<void> {
    await this.input.beforeRoot?.();
    this.result.root = await this.input.roots.prepare(this.input.rootPackages, this.root, this.say);
    const r = this.result.root;
    this.say(
      `build root ${r.key.slice(0, 12)}: ${r.cached ? "cloned from cache" : `installed in ${Math.round(r.installMs)} ms, then cloned`} in ${Math.round(r.cloneMs)} ms`,
    );
  }

  private get hasRoot(): boolean {
    return this.result.root !== undefined;
  }

  private async rpmbuild(step: StepDef): Promise<void> {
    const sandbox = this.sandboxed;
    for (const d of ["BUILD", "BUILDROOT", "RPMS", "SRPMS"])
      await mkdir(join(this.top, d), { recursive: true });
    const seenRoot = sandbox ? IN.root : this.root;
    const seenTop = sandbox ? IN.top : this.top;
    const argv = rpmbuildArgv({
      topdir: seenTop,
      tmpdir: sandbox ? "/tmp" : join(this.input.jobDir, "tmp"),
      specFile: `${seenTop}/SPECS/${this.specName}`,
      dist: this.input.dist,
    });
    const env = { ...buildEnv(seenRoot, sandbox ? "/tmp" : join(this.input.jobDir, "home")), ...step.env };
    let command = argv;
    if (sandbox) {
      await mkdir(this.root, { recursive: true });
      // The rpmbuild tree is the only place the build may write.
      await grantToSandbox(this.top);
      command = bwrapArgv(
        {
          readOnly: [{ src: this.root, dest: IN.root }],
          readWrite: [{ src: this.top, dest: IN.top }],
          env,
          cwd: IN.top,
        },
        argv,
      );
    } else {
      await mkdir(env.HOME!, { recursive: true });
      await mkdir(join(this.input.jobDir, "tmp"), { recursive: true });
      env.TMPDIR = join(this.input.jobDir, "tmp");
    }
    this.say(`${sandbox ? "sandbox (bubblewrap, no network)" : this.result.sandbox}: ${argv.join(" ")}`);
    const t0 = performance.now();
    await this.exec(
      step,
      command,
      sandbox ? "/" : this.top,
      sandbox ? { PATH: process.env.PATH ?? "/usr/bin:/bin" } : env,
      "rpmbuild",
    );
    this.say(`rpmbuild finished in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    // What the build left in RPMS/ and SRPMS/ is untrusted: no links, only RPMs, all its own.
    const shown = (f: string): string => relative(this.top, f);
    this.rpmFiles = await listOutputRpms(this.top, "RPMS");
    const srpmFiles = await listOutputRpms(this.top, "SRPMS");
    if (this.rpmFiles.length === 0) throw new StepError("rpmbuild produced no binary RPMs");
    const headers = await queryRpms([...this.rpmFiles, ...srpmFiles], shown);
    const foreign = checkOutputs(this.input.pkg.name, headers, shown);
    if (foreign) throw new StepError(foreign);
    this.result.rpms = headers.filter((h) => !h.source);
    this.result.srpm = headers.find((h) => h.source);
    for (const h of headers) this.say(`produced ${shown(h.file)}`);
    this.built = true;
  }

  private async check(step: StepDef): Promise<void> {
    if (!this.built) throw new StepError("check needs rpmbuild earlier in the same job");
    // The build root's path, as the build saw it and as it is on this machine.
    const prefixes = [...new Set([this.sandboxed ? IN.root : this.root, this.root])];
    const t1 = performance.now();
    const leaks = await findPathLeaks(this.rpmFiles, prefixes, this.input.jobDir, this.sandboxed);
    this.say(
      `checked ${this.rpmFiles.length} RPM(s) for the build root's path in ${Math.round(performance.now() - t1)} ms`,
    );
    if (leaks.length > 0) {
      for (const l of leaks)
        this.say(
          `${relative(this.top, l.rpm)} contains the build root path ${prefixes.join(" or ")} in: ${l.files.join(", ")}`,
        );
      const named = leaks.flatMap((l) => l.files.map((f) => `${basename(l.rpm)}:${f}`));
      throw new StepError(
        `the build root's path is in ${named.length} shipped file(s): ${named.slice(0, 5).join(", ")}${named.length > 5 ? ", …" : ""}`,
      );
    }
    if (this.input.rpmlint === "off") return;
    const lint = await runRpmlint(this.rpmFiles, {
      rcFile: join(this.top, "SOURCES", `${this.input.pkg.name}.rpmlintrc`),
      home: join(this.input.jobDir, "home"),
      log: this.log,
      sandbox: this.sandboxed,
      signal: this.stepSignal(step),
    });
    this.say(`rpmlint: ${lint.errors} error(s), ${lint.warnings} warning(s)`);
    if (this.input.rpmlint === "errors" && lint.errors > 0) {
      throw new StepError(`rpmlint found ${lint.errors} error(s) (build.rpmlint: errors in kiln.yaml)`);
    }
  }

  /** A run step: `sh -c COMMAND` in the workspace, sandboxed where builds are. */
  private async runCommand(step: StepDef): Promise<void> {
    await mkdir(this.work, { recursive: true });
    await mkdir(join(this.inputs, "rpms"), { recursive: true });
    await mkdir(join(this.inputs, "files"), { recursive: true });
    const sandbox = this.sandboxed;
    const at = sandbox ? IN : { root: this.root, top: this.top, work: this.work, inputs: this.inputs };
    const env: Record<string, string> = {
      ...(this.hasRoot
        ? buildEnv(at.root, sandbox ? "/tmp" : join(this.input.jobDir, "home"))
        : {
            PATH: "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
            HOME: sandbox ? "/tmp" : join(this.input.jobDir, "home"),
            LANG: "C.UTF-8",
            TZ: "UTC",
          }),
      KILN_PACKAGE: this.input.pkg.name,
      KILN_JOB: this.input.job.name,
      KILN_WORKSPACE: at.work,
      KILN_SPEC: `${at.top}/SPECS/${this.specName}`,
      KILN_SOURCES: `${at.top}/SOURCES`,
      // The package's RPMs: built in this job, or handed on by an earlier stage.
      KILN_RPMS: this.built ? `${at.top}/RPMS` : `${at.inputs}/rpms`,
      KILN_INPUTS: `${at.inputs}/files`,
      ...step.env,
    };
    if (this.hasRoot) env.KILN_BUILDROOT = at.root;
    let command = ["sh", "-c", step.command!];
    if (sandbox) {
      await mkdir(this.top, { recursive: true });
      await mkdir(this.root, { recursive: true });
      await grantToSandbox(this.work);
      command = bwrapArgv(
        {
          readOnly: [
            { src: this.root, dest: IN.root },
            { src: this.top, dest: IN.top },
            { src: this.inputs, dest: IN.inputs },
          ],
          readWrite: [{ src: this.work, dest: IN.work }],
          env,
          cwd: IN.work,
        },
        command,
      );
    } else await mkdir(env.HOME!, { recursive: true });
    this.say(
      `${sandbox ? "sandbox (bubblewrap, no network)" : this.result.sandbox}: sh -c ${JSON.stringify(step.command)}`,
    );
    await this.exec(
      step,
      command,
      sandbox ? "/" : this.work,
      sandbox ? { PATH: process.env.PATH ?? "/usr/bin:/bin" } : env,
      step.name,
    );
  }

  private async exec(
    step: StepDef,
    command: string[],
    cwd: string,
    env: Record<string, string>,
    what: string,
  ): Promise<void> {
    const signal = this.stepSignal(step);
    try {
      await exec(command, { cwd, env, log: this.log, signal });
    } catch (e) {
      if (this.input.signal?.aborted) throw new StepError("cancelled");
      if (signal.aborted) throw new StepError(`${step.name} timed out after ${step.timeoutSec} s`);
      if (e instanceof ExecError)
        throw new StepError(`${what} failed (${e.signalName ?? `exit status ${String(e.code)}`})`);
      throw e;
    }
  }

  /** The job's declared artifacts (see declaredArtifacts). */
  async collectArtifacts(): Promise<{ path: string; name: string }[]> {
    const out = await declaredArtifacts(this.work, this.input.job.artifacts);
    if (out.length > 0) this.say(`artifacts: ${out.map((f) => f.name).join(", ")}`);
    return out;
  }
}
