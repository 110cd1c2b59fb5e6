// Builds one source package: a build root with its dependencies (cloned from the cache), its spec
// and sources in a private rpmbuild tree, rpmbuild inside the sandbox (network off, only its own
// directories writable), then checks of what it produced. Everything it writes is below buildDir.
import { createWriteStream, type WriteStream } from "node:fs";
import { copyFile, mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { BuildRootCache, PreparedRoot, RootPackage } from "../buildroot/buildroot-cache.js";
import type { SourcePackage } from "../core/package.js";
import { queryRpms, type RpmHeader } from "../rpm/rpm-query.js";
import { buildEnv, rpmbuildArgv } from "../rpm/rpmbuild.js";
import { bwrapArgv } from "../sandbox/bubblewrap.js";
import { exec, ExecError } from "../util/exec.js";
import { findPathLeaks } from "./leak-check.js";

export interface ExecuteBuildInput {
  /** The package: its spec and sources are copied from <setDir>/packages/<name>/. */
  pkg: Pick<SourcePackage, "name" | "specFile"> & { sources: readonly { name: string }[] };
  setDir: string;
  dist: string;
  /** The dependency RPMs the build root must hold. */
  rootPackages: RootPackage[];
  roots: BuildRootCache;
  buildDir: string;
  sandbox: boolean;
  signal?: AbortSignal;
}

export interface ExecuteBuildResult {
  ok: boolean;
  /** One line: what went wrong. The log has the rest. */
  error?: string;
  logPath: string;
  rpms: RpmHeader[];
  srpm?: RpmHeader;
  root?: PreparedRoot;
  /** What it did, step by step, with each step's time. */
  steps: BuildStep[];
}

export interface BuildStep {
  name: string;
  status: "ok" | "failed" | "skipped";
  ms: number;
}

/** Where the build root and the rpmbuild tree appear inside the sandbox. */
const SANDBOX_ROOT = "/kiln/root";
const SANDBOX_TOP = "/kiln/build";

export async function executeBuild(input: ExecuteBuildInput): Promise<ExecuteBuildResult> {
  const { buildDir } = input;
  await mkdir(buildDir, { recursive: true });
  const logPath = join(buildDir, "build.log");
  const log = createWriteStream(logPath);
  const say = (line: string): void => {
    log.write(`kiln: ${line}\n`);
  };
  const result: ExecuteBuildResult = { ok: false, logPath, rpms: [], steps: [] };
  try {
    await run(input, log, say, result);
  } catch (e) {
    result.ok = false;
    result.error ??= e instanceof ExecError ? `${e.command[0]} failed` : (e as Error).message.split("\n")[0];
    say(`error: ${(e as Error).message}`);
  } finally {
    say(result.ok ? "build succeeded" : `build failed: ${result.error ?? "unknown error"}`);
    await new Promise<void>((r) => log.end(r));
  }
  if (result.ok) {
    // The root is a clone of a cached one: nothing in it to keep. A failed build keeps it, and its
    // rpmbuild tree, for looking into.
    await rm(join(buildDir, "root"), { recursive: true, force: true });
  }
  return result;
}

async function run(
  input: ExecuteBuildInput,
  log: WriteStream,
  say: (line: string) => void,
  result: ExecuteBuildResult,
): Promise<void> {
  const { pkg, buildDir } = input;
  const rootDir = join(buildDir, "root");
  const top = join(buildDir, "top");
  say(`building ${pkg.name} from ${pkg.specFile}`);
  let t = performance.now();
  /** Ends the current step (the next one starts now). */
  const step = (name: string, status: BuildStep["status"] = "ok"): void => {
    const now = performance.now();
    result.steps.push({ name, status, ms: Math.round(now - t) });
    t = now;
  };
  let current = "build root";

  try {
    await runSteps();
  } catch (e) {
    step(current, "failed");
    throw e;
  }

  async function runSteps(): Promise<void> {
    result.root = await input.roots.prepare(input.rootPackages, rootDir, say);
    const r = result.root;
    say(
      `build root ${r.key.slice(0, 12)}: ${r.cached ? "cloned from cache" : `installed in ${Math.round(r.installMs)} ms, then cloned`} in ${Math.round(r.cloneMs)} ms`,
    );

    for (const d of ["SPECS", "SOURCES", "BUILD", "BUILDROOT", "RPMS", "SRPMS"]) {
      await mkdir(join(top, d), { recursive: true });
    }
    const pkgDir = join(input.setDir, "packages", pkg.name);
    const specName = `${pkg.name}.spec`;
    await copyFile(join(pkgDir, specName), join(top, "SPECS", specName));
    for (const s of pkg.sources) await copyFile(join(pkgDir, s.name), join(top, "SOURCES", s.name));
    step("build root");
    current = "rpmbuild";

    const seenRoot = input.sandbox ? SANDBOX_ROOT : rootDir;
    const seenTop = input.sandbox ? SANDBOX_TOP : top;
    const argv = rpmbuildArgv({
      topdir: seenTop,
      tmpdir: input.sandbox ? "/tmp" : join(buildDir, "tmp"),
      specFile: `${seenTop}/SPECS/${specName}`,
      dist: input.dist,
    });
    const env = buildEnv(seenRoot, input.sandbox ? "/tmp" : join(buildDir, "home"));
    let command = argv;
    if (input.sandbox) {
      command = bwrapArgv(
        {
          readOnly: [{ src: rootDir, dest: SANDBOX_ROOT }],
          readWrite: [{ src: top, dest: SANDBOX_TOP }],
          env,
          cwd: SANDBOX_TOP,
        },
        argv,
      );
    } else {
      await mkdir(env.HOME!, { recursive: true });
      await mkdir(join(buildDir, "tmp"), { recursive: true });
      env.TMPDIR = join(buildDir, "tmp");
    }
    say(`${input.sandbox ? "sandbox (bubblewrap, no network)" : "no sandbox"}: ${argv.join(" ")}`);
    const t0 = performance.now();
    try {
      await exec(command, {
        cwd: input.sandbox ? "/" : top,
        env: input.sandbox ? { PATH: process.env.PATH ?? "/usr/bin:/bin" } : env,
        log,
        ...(input.signal ? { signal: input.signal } : {}),
      });
    } catch (e) {
      if (input.signal?.aborted) result.error = "cancelled";
      else if (e instanceof ExecError)
        result.error = `rpmbuild failed (${e.signalName ?? `exit status ${String(e.code)}`})`;
      throw e;
    }
    say(`rpmbuild finished in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    step("rpmbuild");
    current = "check";

    const rpmFiles = await listRpms(join(top, "RPMS"));
    const srpmFiles = await listRpms(join(top, "SRPMS"));
    if (rpmFiles.length === 0) throw new Error("rpmbuild produced no binary RPMs");
    // The build root's path, as the build saw it and as it is on this machine.
    const prefixes = [...new Set([seenRoot, rootDir])];
    const t1 = performance.now();
    const [headers, leaks] = await Promise.all([
      queryRpms([...rpmFiles, ...srpmFiles]),
      findPathLeaks(rpmFiles, prefixes, buildDir),
    ]);
    result.rpms = headers.filter((h) => !h.source);
    result.srpm = headers.find((h) => h.source);
    for (const h of headers) say(`produced ${h.file.slice(top.length + 1)}`);
    say(
      `read the headers and checked ${rpmFiles.length} RPM(s) for the build root's path in ${Math.round(performance.now() - t1)} ms`,
    );
    if (leaks.length > 0) {
      for (const l of leaks)
        say(
          `${l.rpm.slice(top.length + 1)} contains the build root path ${prefixes.join(" or ")} in: ${l.files.join(", ")}`,
        );
      const named = leaks.flatMap((l) => l.files.map((f) => `${basename(l.rpm)}:${f}`));
      result.error = `the build root's path is in ${named.length} shipped file(s): ${named.slice(0, 5).join(", ")}${named.length > 5 ? ", …" : ""}`;
      throw new Error(result.error);
    }
    step("check");
    result.ok = true;
  }
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf("/") + 1);
}

async function listRpms(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith(".rpm")) out.push(join(e.parentPath, e.name));
  }
  return out.sort();
}
