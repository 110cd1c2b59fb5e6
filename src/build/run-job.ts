// Runs one job of a package's pipeline: its steps in order, in one workspace. The built-in steps
// build the package (its spec and sources, a build root with its dependencies cloned from the
// cache, rpmbuild inside the sandbox, checks of what it made); run steps are the maintainer's
// commands, sandboxed too. Used by `kiln build` in process and by agents; everything it writes is
// below jobDir.
import { createWriteStream, type WriteStream } from "node:fs";
import { glob, mkdir, readdir, rm, stat } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import type { BuildRootCache, PreparedRoot, RootPackage } from "../buildroot/buildroot-cache.js";
import type { JobDef, StepDef } from "../core/pipeline.js";
import { queryRpms, type RpmHeader } from "../rpm/rpm-query.js";
import { buildEnv, rpmbuildArgv } from "../rpm/rpmbuild.js";
import { runRpmlint } from "../rpm/rpmlint.js";
import { bwrapArgv } from "../sandbox/bubblewrap.js";
import { exec, ExecError } from "../util/exec.js";
import { findPathLeaks } from "./leak-check.js";

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
  sandbox: boolean;
  rpmlint: "report" | "errors" | "off";
  /** Puts the spec into specsDir and the sources into sourcesDir (copied, or fetched). */
  fetchSources: (specsDir: string, sourcesDir: string) => Promise<void>;
  /** Puts what earlier stages handed on into inputsDir: RPMs into rpms/, other files into files/. */
  fetchInputs?: (inputsDir: string) => Promise<void>;
  /** Runs before the build root is prepared (an agent fetches the root's RPMs it lacks). */
  beforeRoot?: () => Promise<void>;
  signal?: AbortSignal;
}

export interface BuildStep {
  name: string;
  status: "ok" | "failed" | "skipped";
  ms: number;
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
  steps: BuildStep[];
}

/** Where things appear inside the sandbox. */
const IN = { root: "/kiln/root", top: "/kiln/build", work: "/kiln/work", inputs: "/kiln/inputs" };

class StepError extends Error {}

export async function runJob(input: RunJobInput): Promise<RunJobResult> {
  const { jobDir } = input;
  await mkdir(jobDir, { recursive: true });
  const logPath = join(jobDir, input.logName);
  const log = createWriteStream(logPath);
  const say = (line: string): void => {
    log.write(`kiln: ${line}\n`);
  };
  const result: RunJobResult = { ok: false, logPath, rpms: [], files: [], steps: [] };
  const ws = new Workspace(input, log, say, result);
  say(`${input.pkg.name}: job ${input.job.name}, steps ${input.job.steps.map((s) => s.name).join(", ")}`);
  let i = 0;
  try {
    if (input.fetchInputs) {
      const t0 = performance.now();
      for (const d of ["rpms", "files"]) await mkdir(join(ws.inputs, d), { recursive: true });
      await input.fetchInputs(ws.inputs);
      result.steps.push({ name: "inputs", status: "ok", ms: Math.round(performance.now() - t0) });
      say(`inputs from earlier stages in ${relative(jobDir, ws.inputs)}/`);
    }
    for (; i < input.job.steps.length; i++) {
      const step = input.job.steps[i]!;
      if (input.signal?.aborted) throw new StepError("cancelled");
      say(`step ${step.name}`);
      const t0 = performance.now();
      try {
        await ws.run(step);
      } catch (e) {
        result.steps.push({ name: step.name, status: "failed", ms: Math.round(performance.now() - t0) });
        throw e;
      }
      result.steps.push({ name: step.name, status: "ok", ms: Math.round(performance.now() - t0) });
    }
    result.files = await ws.collectArtifacts();
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
    await new Promise<void>((r) => log.end(r));
  }
  if (result.ok) {
    // The root is a clone of a cached one: nothing in it to keep. A failed job keeps it, and its
    // rpmbuild tree, for looking into.
    await rm(join(jobDir, "root"), { recursive: true, force: true });
  }
  return result;
}

/** The job's directories and what its steps have done so far. */
class Workspace {
  readonly root: string;
  readonly top: string;
  readonly work: string;
  readonly inputs: string;
  private built = false;
  private rpmFiles: string[] = [];

  constructor(
    private readonly input: RunJobInput,
    private readonly log: WriteStream,
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
    const sandbox = this.input.sandbox;
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
    this.say(`${sandbox ? "sandbox (bubblewrap, no network)" : "no sandbox"}: ${argv.join(" ")}`);
    const t0 = performance.now();
    await this.exec(
      step,
      command,
      sandbox ? "/" : this.top,
      sandbox ? { PATH: process.env.PATH ?? "/usr/bin:/bin" } : env,
      "rpmbuild",
    );
    this.say(`rpmbuild finished in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    this.rpmFiles = await listRpms(join(this.top, "RPMS"));
    const srpmFiles = await listRpms(join(this.top, "SRPMS"));
    if (this.rpmFiles.length === 0) throw new StepError("rpmbuild produced no binary RPMs");
    const headers = await queryRpms([...this.rpmFiles, ...srpmFiles]);
    this.result.rpms = headers.filter((h) => !h.source);
    this.result.srpm = headers.find((h) => h.source);
    for (const h of headers) this.say(`produced ${relative(this.top, h.file)}`);
    this.built = true;
  }

  private async check(step: StepDef): Promise<void> {
    if (!this.built) throw new StepError("check needs rpmbuild earlier in the same job");
    // The build root's path, as the build saw it and as it is on this machine.
    const prefixes = [...new Set([this.input.sandbox ? IN.root : this.root, this.root])];
    const t1 = performance.now();
    const leaks = await findPathLeaks(this.rpmFiles, prefixes, this.input.jobDir);
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
    const sandbox = this.input.sandbox;
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
      command = bwrapArgv(
        {
          readOnly: [
            ...(this.hasRoot ? [{ src: this.root, dest: IN.root }] : []),
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
      `${sandbox ? "sandbox (bubblewrap, no network)" : "no sandbox"}: sh -c ${JSON.stringify(step.command)}`,
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

  /** The job's declared artifacts: each glob must match, and no two files may share a name. */
  async collectArtifacts(): Promise<{ path: string; name: string }[]> {
    const out: { path: string; name: string }[] = [];
    const names = new Set<string>();
    for (const pattern of this.input.job.artifacts) {
      const found: string[] = [];
      for await (const rel of glob(pattern, { cwd: this.work })) found.push(rel);
      const files: string[] = [];
      for (const rel of found.sort()) {
        const path = join(this.work, rel);
        if ((await stat(path).catch(() => undefined))?.isFile()) files.push(path);
      }
      if (files.length === 0) throw new StepError(`artifact ${pattern} matched no file in the workspace`);
      for (const path of files) {
        const name = basename(path);
        if (names.has(name)) throw new StepError(`two artifacts are named ${name}: give them distinct names`);
        names.add(name);
        out.push({ path, name });
      }
    }
    if (out.length > 0) this.say(`artifacts: ${out.map((f) => f.name).join(", ")}`);
    return out;
  }
}

async function listRpms(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith(".rpm")) out.push(join(e.parentPath, e.name));
  }
  return out.sort();
}
