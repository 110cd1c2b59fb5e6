// The agent's link to a coordinator over HTTP (`kiln agent`): it shares no disk with the server;
// spec, sources and artifacts come over the API, each checked against its sha256, and a download
// cut off half-way (the server restarting) is started again.
import { ApiClient, cutOff } from "../api/client.js";
import {
  HeartbeatResponse,
  LeaseResponse,
  LogAppendResponse,
  ResultResponse,
  type LeasedJob,
} from "../api/schemas.js";
import type { ArtifactStore } from "../artifacts/store.js";
import { agentCredential, type CredentialOptions } from "./credential.js";
import type { AgentIdentity, CoordinatorLink, HeartbeatAnswer, ResultAnswer, SandboxReport } from "./link.js";
import { retrying } from "./retrying.js";
import { uploadArtifact } from "./upload.js";

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

  heartbeat(held: { job: number; leaseToken: string }[]): Promise<HeartbeatAnswer> {
    return this.api.json(HeartbeatResponse, "POST", "/agent/heartbeat", { jobs: held });
  }

  jobFile(j: LeasedJob, name: string): Promise<Buffer> {
    return retrying(this.o.log, async () => {
      const res = await this.api.fetch(`/agent/jobs/${j.job}/files/${encodeURIComponent(name)}`, {
        headers: { "x-kiln-lease": j.leaseToken },
      });
      return Buffer.from(await cutOff(res.arrayBuffer(), name));
    });
  }

  async fetchArtifact(sha256: string, filename: string): Promise<void> {
    if (await this.store.has(sha256)) return;
    await retrying(this.o.log, async () => {
      const res = await this.api.fetch(`/artifacts/${sha256}`);
      if (!res.body) throw new Error(`the server sent no body for ${filename}`);
      // The store keeps nothing of a download that ends early or has the wrong bytes.
      await cutOff(this.store.putStream(res.body as AsyncIterable<Uint8Array>, sha256, filename), filename);
    });
  }

  upload(j: LeasedJob, path: string, filename: string): Promise<string> {
    return uploadArtifact(this.api, j, path, filename, this.o.log);
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
    return retrying(this.o.log, () =>
      this.api.json(ResultResponse, "POST", `/agent/jobs/${j.job}/result`, {
        leaseToken: j.leaseToken,
        ...body,
      }),
    );
  }
}
