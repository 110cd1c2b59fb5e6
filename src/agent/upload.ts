// One artifact from the agent to the server, with its sha256; read as untrusted, never through a
// link the job left, and sent again when the server finds the bytes damaged on the way.
import { Readable } from "node:stream";
import { ApiError, type ApiClient } from "../api/client.js";
import type { LeasedJob } from "../api/schemas.js";
import { openRegular, sha256Regular } from "../util/safe-fs.js";
import { retrying } from "./retrying.js";

export async function uploadArtifact(
  api: ApiClient,
  j: LeasedJob,
  path: string,
  filename: string,
  log: (line: string) => void,
): Promise<string> {
  const { sha256, size } = await sha256Regular(path, { shown: filename });
  for (let attempt = 1; ; attempt++) {
    try {
      await retrying(log, async () => {
        const { fh } = await openRegular(path, { shown: filename });
        try {
          return await api.fetch(`/agent/jobs/${j.job}/artifacts/${encodeURIComponent(filename)}`, {
            method: "PUT",
            headers: {
              "x-kiln-lease": j.leaseToken,
              "x-kiln-sha256": sha256,
              "content-type": "application/octet-stream",
              "content-length": String(size),
            },
            body: Readable.toWeb(fh.createReadStream({ autoClose: false })) as unknown as RequestInit["body"],
            duplex: "half",
          } as RequestInit & { headers: Record<string, string> });
        } finally {
          await fh.close();
        }
      });
      return sha256;
    } catch (e) {
      if (e instanceof ApiError && e.code === "CHECKSUM" && attempt < 5) {
        log(`job ${j.job}: upload of ${filename} refused (${e.message}); sending it again`);
        continue;
      }
      throw e;
    }
  }
}
