// The agent's link to a coordinator over HTTP (`kiln agent`): it shares no disk with the server;
// spec, sources and artifacts come over the API, each checked against its sha256, and a download
// cut off half-way (the server restarting) is started again.
import type { DiskReport } from "../core/health.js";
import { Readable } from "node:stream";
import { ApiClient, ApiError, cutOff } from "../api/client.js";
import {
  HeartbeatResponse,
  LeaseResponse,
  LogAppendResponse,
  ResultResponse,
  type LeasedJob,
} from "../api/schemas.js";
import type { ArtifactStore } from "../artifacts/store.js";
import { openRegular, sha256Regular } from "../util/safe-fs.js";
import { agentCredential, type CredentialOptions } from "./credential.js";
import type { AgentIdentity, CoordinatorLink, HeartbeatAnswer, ResultAnswer, SandboxReport } from "./link.js";

export class HttpLink implements CoordinatorLink {
  private readonly api: ApiClient;

  constructor(
    private readonly o: CredentialOptions,
    private readonly store: ArtifactStore,
  ) {
    this.api = new ApiClient(o.server);
  }

  get where(): string {
    return this.api.base;
  }

  async connect(): Promise<AgentIdentity> {
    const cred = await agentCredential(this.o, this.api.base);
    this.api.token = cred.token;
    return { agent: cred.agent, name: cred.name };
  }

  lease(free: number, waitMs: number, sandbox: SandboxReport, signal: AbortSignal): Promise<LeasedJob[]> {
    return this.api
      .json(LeaseResponse, "POST", "/agent/lease", { free, waitMs, sandbox }, {}, signal)
      .then((r) => r.jobs);
  }

  heartbeat(held: { job: number; leaseToken: string }[], disk?: DiskReport): Promise<HeartbeatAnswer> {
    return this.api.json(HeartbeatResponse, "POST", "/agent/heartbeat", {
      jobs: held,
      ...(disk ? { disk } : {}),
    });
  }

  jobFile(j: LeasedJob, name: string): Promise<Buffer> {
    return this.retrying(async () => {
      const res = await this.api.fetch(`/agent/jobs/${j.job}/files/${encodeURIComponent(name)}`, {
        headers: { "x-kiln-lease": j.leaseToken },
      });
      return Buffer.from(await cutOff(res.arrayBuffer(), name));
    });
  }

  async fetchArtifact(sha256: string, filename: string): Promise<void> {
    if (await this.store.has(sha256)) return;
    await this.retrying(async () => {
      const res = await this.api.fetch(`/artifacts/${sha256}`);
      if (!res.body) throw new Error(`the server sent no body for ${filename}`);
      // The store keeps nothing of a download that ends early or has the wrong bytes.
      await cutOff(this.store.putStream(res.body as AsyncIterable<Uint8Array>, sha256, filename), filename);
    });
  }

  /** Read as untrusted, never through a link the job left; sent again when the bytes were damaged on the way. */
  async upload(j: LeasedJob, path: string, filename: string): Promise<string> {
    const { sha256, size } = await sha256Regular(path, { shown: filename });
    for (let attempt = 1; ; attempt++) {
      try {
        await this.retrying(async () => {
          const { fh } = await openRegular(path, { shown: filename });
          try {
            return await this.api.fetch(`/agent/jobs/${j.job}/artifacts/${encodeURIComponent(filename)}`, {
              method: "PUT",
              headers: {
                "x-kiln-lease": j.leaseToken,
                "x-kiln-sha256": sha256,
                "content-type": "application/octet-stream",
                "content-length": String(size),
              },
              body: Readable.toWeb(
                fh.createReadStream({ autoClose: false }),
              ) as unknown as RequestInit["body"],
              duplex: "half",
            } as RequestInit & { headers: Record<string, string> });
          } finally {
            await fh.close();
          }
        });
        return sha256;
      } catch (e) {
        if (e instanceof ApiError && e.code === "CHECKSUM" && attempt < 5) {
          this.o.log(`job ${j.job}: upload of ${filename} refused (${e.message}); sending it again`);
          continue;
        }
        throw e;
      }
    }
  }

  appendLog(j: LeasedJob, offset: number, chunk: Buffer): Promise<{ size: number; cut?: boolean }> {
    return this.api
      .fetch(`/agent/jobs/${j.job}/log?offset=${offset}`, {
        method: "POST",
        headers: { "x-kiln-lease": j.leaseToken, "content-type": "text/plain" },
        body: chunk,
      })
      .then(async (res) => LogAppendResponse.parse(await res.json()));
  }

  result(j: LeasedJob, body: Parameters<CoordinatorLink["result"]>[1]): Promise<ResultAnswer> {
    return this.retrying(() =>
      this.api.json(ResultResponse, "POST", `/agent/jobs/${j.job}/result`, {
        leaseToken: j.leaseToken,
        ...body,
      }),
    );
  }

  /** A server that is away: `fn` tried again, backing off, for as long as it takes. */
  private async retrying<T>(fn: () => Promise<T>): Promise<T> {
    let backoff = 250;
    for (;;) {
      try {
        return await fn();
      } catch (e) {
        if (!(e instanceof ApiError && e.transient)) throw e;
        this.o.log(`${e.message}; retrying in ${backoff} ms`);
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }
}
