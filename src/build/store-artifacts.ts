// A finished build's outputs into the artifact store, and their rows into the database.
import { clearDamage, insertArtifacts, plainArtifact, rpmArtifact } from "../db/builds.js";
import type { NewArtifact } from "../db/schema.js";
import type { RpmHeader } from "../rpm/rpm-query.js";
import type { Workspace } from "../context/workspace.js";

/** Stores the RPMs, the SRPM and the log; says whether there was any binary RPM to keep. */
export async function storeArtifacts(
  ws: Workspace,
  buildId: number,
  rpms: RpmHeader[],
  srpm: RpmHeader | undefined,
  logPath: string,
): Promise<boolean> {
  const rows: NewArtifact[] = [];
  for (const h of [...rpms, ...(srpm ? [srpm] : [])]) {
    const stored = await ws.store.put(h.file);
    await clearDamage(ws.db, stored.sha256);
    rows.push(
      rpmArtifact({
        buildId,
        filename: h.file.slice(h.file.lastIndexOf("/") + 1),
        sha256: stored.sha256,
        size: stored.size,
        header: h,
      }),
    );
  }
  try {
    const log = await ws.store.put(logPath);
    rows.push(
      plainArtifact({ buildId, kind: "log", filename: "build.log", sha256: log.sha256, size: log.size }),
    );
  } catch {
    // No log (the build never started): nothing to keep.
  }
  await insertArtifacts(ws.db, rows);
  return rpms.length > 0;
}
