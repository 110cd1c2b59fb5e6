// What an agent uploaded for a job, as the artifact rows of its build. An agent is untrusted: its
// result may name only what it uploaded under this very lease; each RPM's header is read here,
// from the stored bytes, after its lead was checked (never what the agent says about them); only
// the build job hands in RPMs, and those must all be the package's own (src/core/own-outputs.ts).
import { mkdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { ResultBody } from "../api/schemas.js";
import { checkOutputs } from "../executor/build-outputs.js";
import type { Workspace } from "../context/workspace.js";
import { plainArtifact, rpmArtifact } from "../db/builds.js";
import type { NewArtifact } from "../db/schema.js";
import { uploadsOf } from "../db/uploads.js";
import { queryRpms } from "../rpm/rpm-query.js";
import { RefusedFileError } from "../util/safe-fs.js";

/** A result the server will not take: the job fails with this message. */
export class ResultRefusedError extends Error {}

export interface ResultJob {
  buildId: number;
  jobId: number;
  leaseToken: string;
  /** The package the build is of, and its version as the server read the spec. */
  pkg: string;
  evr: { version: string; release: string } | undefined;
  /** Whether this is the job that runs rpmbuild: only its RPMs are the build's. */
  isBuild: boolean;
}

/** The uploaded files as artifact rows; throws ResultRefusedError when the result is not the job's. */
export async function artifactRows(
  ws: Workspace,
  job: ResultJob,
  artifacts: ResultBody["artifacts"],
): Promise<NewArtifact[]> {
  const { buildId, jobId } = job;
  const uploaded = await uploadsOf(ws.db, jobId, job.leaseToken);
  for (const a of artifacts) {
    if (uploaded.get(a.filename) !== a.sha256) {
      throw new ResultRefusedError(
        `the result names ${a.filename} (sha256 ${a.sha256.slice(0, 12)}…), which was not uploaded under this lease`,
      );
    }
  }
  const rows: NewArtifact[] = [];
  const rpms = job.isBuild ? artifacts.filter((a) => a.filename.endsWith(".rpm")) : [];
  const dir = join(ws.data.root, "tmp", `result-${buildId}-${jobId}-${Date.now()}`);
  const plain = (a: { filename: string; sha256: string }, kind: "log" | "file"): NewArtifact =>
    plainArtifact({ buildId, jobId, kind, filename: a.filename, sha256: a.sha256, size: 0 });
  try {
    await mkdir(dir, { recursive: true });
    const paths: string[] = [];
    const names = new Map<string, string>();
    for (const a of rpms) {
      const p = join(dir, a.filename);
      await ws.store.materialize(a.sha256, p, { verify: false });
      paths.push(p);
      names.set(p, a.filename);
    }
    const shown = (p: string): string => names.get(p) ?? p;
    let headers;
    try {
      headers = await queryRpms(paths, shown);
    } catch (e) {
      if (e instanceof RefusedFileError) throw new ResultRefusedError(e.message);
      throw e;
    }
    if (headers.length > 0) {
      const foreign = checkOutputs(job.pkg, headers, shown, job.evr);
      if (foreign) throw new ResultRefusedError(foreign);
    }
    headers.forEach((h, i) => {
      const a = rpms[i]!;
      rows.push(rpmArtifact({ buildId, jobId, filename: a.filename, sha256: a.sha256, size: 0, header: h }));
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  for (const a of artifacts) {
    if (rpms.includes(a)) continue;
    rows.push(plain(a, a.filename.endsWith(".log") ? "log" : "file"));
  }
  for (const r of rows) r.size = (await stat(ws.store.path(r.sha256))).size;
  return rows;
}
