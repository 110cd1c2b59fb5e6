// What an agent uploaded for a job, as the artifact rows of its build: each RPM's header read here,
// from the stored bytes (never what the agent says about them), the other files as logs or
// declared artifacts.
import { mkdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { ResultBody } from "../api/schemas.js";
import type { Workspace } from "../build/workspace.js";
import { plainArtifact, rpmArtifact } from "../db/builds.js";
import type { NewArtifact } from "../db/schema.js";
import { queryRpms } from "../rpm/rpm-query.js";

/** The uploaded files as artifact rows, with what their RPM headers say (read here, not trusted). */
export async function artifactRows(
  ws: Workspace,
  buildId: number,
  jobId: number,
  artifacts: ResultBody["artifacts"],
): Promise<NewArtifact[]> {
  const rows: NewArtifact[] = [];
  const rpms = artifacts.filter((a) => a.filename.endsWith(".rpm"));
  const dir = join(ws.data.root, "tmp", `result-${buildId}-${jobId}-${Date.now()}`);
  const plain = (a: { filename: string; sha256: string }, kind: "log" | "file"): NewArtifact =>
    plainArtifact({ buildId, jobId, kind, filename: a.filename, sha256: a.sha256, size: 0 });
  try {
    await mkdir(dir, { recursive: true });
    const paths: string[] = [];
    for (const a of rpms) {
      const p = join(dir, a.filename);
      await ws.store.materialize(a.sha256, p, { verify: false });
      paths.push(p);
    }
    const headers = await queryRpms(paths);
    headers.forEach((h, i) => {
      const a = rpms[i]!;
      rows.push(rpmArtifact({ buildId, jobId, filename: a.filename, sha256: a.sha256, size: 0, header: h }));
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  for (const a of artifacts) {
    if (a.filename.endsWith(".rpm")) continue;
    rows.push(plain(a, a.filename.endsWith(".log") ? "log" : "file"));
  }
  for (const r of rows) r.size = (await stat(ws.store.path(r.sha256))).size;
  return rows;
}
