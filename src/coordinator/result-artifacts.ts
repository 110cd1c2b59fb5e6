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
import type { JobRow, NewArtifact } from "../db/schema.js";
import { uploadsOf } from "../db/uploads.js";
import { queryRpms } from "../rpm/rpm-query.js";
import { RefusedFileError } from "../util/safe-fs.js";

/** A result the server will not take: the job fails with this message. */
export class ResultRefusedError extends Error {}

/**
 * The uploaded files as artifact rows; throws ResultRefusedError when the result is not the job's.
 * `evr` is the build's as the server read the spec; only the job that runs rpmbuild (`isBuild`)
 * hands in the build's RPMs.
 */
export async function artifactRows(
  ws: Workspace,
  job: JobRow,
  evr: string | undefined,
  isBuild: boolean,
  artifacts: ResultBody["artifacts"],
): Promise<NewArtifact[]> {
  const buildId = job.build_id!;
  const jobId = job.id;
  const uploaded = await uploadsOf(ws.db, jobId, job.lease_token!);
  for (const a of artifacts) {
    if (uploaded.get(a.filename) !== a.sha256) {
      throw new ResultRefusedError(
        `the result names ${a.filename} (sha256 ${a.sha256.slice(0, 12)}…), which was not uploaded under this lease`,
      );
    }
  }
  const rows: NewArtifact[] = [];
  const rpms = isBuild ? artifacts.filter((a) => a.filename.endsWith(".rpm")) : [];
  const dir = join(ws.data.root, "tmp", `result-${buildId}-${jobId}-${Date.now()}`);
  try {
    await mkdir(dir, { recursive: true });
    const paths = rpms.map((a) => join(dir, a.filename));
    for (const [i, a] of rpms.entries()) await ws.store.materialize(a.sha256, paths[i]!, { verify: false });
    const shown = (p: string): string => rpms[paths.indexOf(p)]?.filename ?? p;
    let headers;
    try {
      headers = await queryRpms(paths, shown);
    } catch (e) {
      if (e instanceof RefusedFileError) throw new ResultRefusedError(e.message);
      throw e;
    }
    if (headers.length > 0) {
      const foreign = checkOutputs(
        job.package,
        headers,
        shown,
        evr === undefined ? undefined : versionRelease(evr),
      );
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
    const kind = a.filename.endsWith(".log") ? "log" : "file";
    rows.push(plainArtifact({ buildId, jobId, kind, filename: a.filename, sha256: a.sha256, size: 0 }));
  }
  for (const r of rows) r.size = (await stat(ws.store.path(r.sha256))).size;
  return rows;
}

/** "1.0-1.kiln" of a build's recorded EVR ("2:1.0-1.kiln" has an epoch first). */
function versionRelease(evr: string): { version: string; release: string } {
  const vr = evr.replace(/^\d+:/, "");
  const dash = vr.lastIndexOf("-");
  return { version: vr.slice(0, dash), release: vr.slice(dash + 1) };
}
