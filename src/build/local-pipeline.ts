// A package's pipeline run in this process (`kiln build`): its stages in order, the jobs of a
// stage side by side, each job's steps by runJob. What the jobs make is stored as the build's
// artifacts; later stages get the package's RPMs and the files earlier jobs declared. The publish
// stage is the caller's (it publishes, or cuts off).
import { existsSync, lstatSync } from "node:fs";
import { copyFile, link, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { landmarks, type Pipeline } from "../core/pipeline.js";
import { insertArtifacts, plainArtifact } from "../db/builds.js";
import type { RpmHeader } from "../rpm/rpm-query.js";
import type { RootPackage } from "../buildroot/buildroot-cache.js";
import { runJob, type BuildStep, type RunJobResult } from "./run-job.js";
import { copyRegular } from "../util/safe-fs.js";
import { storeArtifacts } from "./store-artifacts.js";
import type { Workspace } from "../context/workspace.js";

export interface LocalPipelineResult {
  ok: boolean;
  error?: string;
  /** The log of the job that failed (or of the build job). */
  logPath: string;
  rpms: RpmHeader[];
  /** A stage that needs approval, not given: the run stopped before it. */
  awaiting?: string;
  /** Every job's directory (the build job's is the build's own). */
  jobDirs: string[];
  steps: BuildStep[];
}

export interface JobEvent {
  stage: string;
  job: string;
  ok: boolean;
  ms: number;
  error?: string;
}

/** The directory and log of each job: the build job keeps builds/<id>/ and build.log. */
export function jobPlace(
  buildDir: string,
  stage: string,
  job: string,
  isBuild: boolean,
): { dir: string; log: string } {
  return isBuild
    ? { dir: buildDir, log: "build.log" }
    : { dir: join(buildDir, `${stage}-${job}`), log: `${stage}-${job}.log` };
}

export async function runLocalPipeline(
  ws: Workspace,
  o: {
    pkg: { name: string; specFile: string; sources: readonly { name: string }[] };
    pipeline: Pipeline;
    buildId: number;
    buildDir: string;
    rootPackages: RootPackage[];
    approve: boolean;
    signal?: AbortSignal;
    onJob?: (e: JobEvent) => void;
  },
): Promise<LocalPipelineResult> {
  const { build } = landmarks(o.pipeline);
  const pkgDir = join(ws.setDir, "packages", o.pkg.name);
  const out: LocalPipelineResult = {
    ok: false,
    logPath: join(o.buildDir, "build.log"),
    rpms: [],
    steps: [],
    jobDirs: [],
  };
  let rpmFiles: string[] = [];
  const files = new Map<string, string>();
  for (const [si, stage] of o.pipeline.stages.entries()) {
    if (stage.approval && !o.approve) {
      out.awaiting = stage.name;
      out.ok = true;
      return out;
    }
    if (stage.jobs[0]!.steps[0]!.kind === "publish") break;
    const results = await Promise.all(
      stage.jobs.map(async (job, ji): Promise<[RunJobResult, boolean]> => {
        const isBuild = si === build.stage && ji === build.job;
        const place = jobPlace(o.buildDir, stage.name, job.name, isBuild);
        out.jobDirs.push(place.dir);
        const t0 = performance.now();
        const r = await runJob({
          pkg: o.pkg,
          job,
          jobDir: place.dir,
          logName: place.log,
          dist: ws.config.dist,
          rootPackages: o.rootPackages,
          roots: ws.roots,
          sandbox: ws.sandbox,
          ...(ws.sandboxNote !== undefined ? { sandboxNote: ws.sandboxNote } : {}),
          rpmlint: ws.config.build.rpmlint,
          maxLogBytes: ws.maxLogBytes,
          // Copied from the set as regular files only: a link in the set is refused, not followed.
          fetchSources: async (specs, sources) => {
            const copy = (name: string, to: string): Promise<void> =>
              copyRegular(join(pkgDir, name), join(to, name), { shown: `packages/${o.pkg.name}/${name}` });
            await copy(`${o.pkg.name}.spec`, specs);
            for (const s of o.pkg.sources) await copy(s.name, sources);
            const rc = `${o.pkg.name}.rpmlintrc`;
            if (existsSync(join(pkgDir, rc)) || isLink(join(pkgDir, rc))) await copy(rc, sources);
          },
          ...(si > build.stage
            ? {
                fetchInputs: async (inputs: string) => {
                  for (const f of rpmFiles)
                    await linkOrCopy(f, join(inputs, "rpms", f.slice(f.lastIndexOf("/") + 1)));
                  for (const [name, path] of files) await linkOrCopy(path, join(inputs, "files", name));
                },
              }
            : {}),
          ...(o.signal ? { signal: o.signal } : {}),
        });
        o.onJob?.({
          stage: stage.name,
          job: job.name,
          ok: r.ok,
          ms: performance.now() - t0,
          ...(r.error ? { error: r.error } : {}),
        });
        return [r, isBuild];
      }),
    );
    let failed: { r: RunJobResult; where: string } | undefined;
    for (const [ji, [r, isBuild]] of results.entries()) {
      const where = `${stage.name}/${stage.jobs[ji]!.name}`;
      out.steps.push(...r.steps.map((s) => (isBuild ? s : { ...s, name: `${where}: ${s.name}` })));
      if (isBuild) {
        const stored = await storeArtifacts(ws, o.buildId, r.rpms, r.srpm, r.logPath);
        if (r.ok && !stored) r.error = "rpmbuild produced no binary RPMs";
        out.rpms = r.rpms;
        rpmFiles = r.rpms.map((h) => h.file);
      } else {
        await storeFile(ws, o.buildId, r.logPath, `${stage.name}-${stage.jobs[ji]!.name}.log`, "log");
      }
      for (const f of r.files) {
        files.set(f.name, f.path);
        await storeFile(ws, o.buildId, f.path, f.name, "file");
      }
      if ((!r.ok || r.error) && !failed) failed = { r, where };
    }
    if (failed) {
      out.error =
        stage.jobs.length > 1 || si !== build.stage ? `${failed.where}: ${failed.r.error}` : failed.r.error!;
      out.logPath = failed.r.logPath;
      return out;
    }
  }
  out.ok = true;
  return out;
}

async function storeFile(
  ws: Workspace,
  buildId: number,
  path: string,
  filename: string,
  kind: "log" | "file",
): Promise<void> {
  const stored = await ws.store.put(path).catch(() => undefined);
  if (!stored) return;
  await insertArtifacts(ws.db, [
    plainArtifact({ buildId, kind, filename, sha256: stored.sha256, size: stored.size }),
  ]);
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  await mkdir(join(to, ".."), { recursive: true });
  await link(from, to).catch(() => copyFile(from, to));
}

function isLink(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
}
