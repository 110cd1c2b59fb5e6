// The agent's link to a coordinator in the same process (`kiln build`): the same calls as over
// HTTP, made directly, with the artifact store shared (nothing is downloaded; an upload is the
// coordinator's own checked store write). A coordinator's refusal is the API's error, with the
// status and code an HTTP agent would get, so the agent's loop treats both alike.
import type { DiskReport } from "../core/health.js";
import { ApiError } from "../api/client.js";
import type { LeasedJob } from "../api/schemas.js";
import { agentByName, createAgent } from "../db/tokens.js";
import type { AgentRow } from "../db/schema.js";
import { appendJobLog, openJobFile, storeJobUpload, uploadLimit } from "../coordinator/agent-work.js";
import type { Coordinator } from "../coordinator/coordinator.js";
import { STATUS } from "../server/error-handler.js";
import { UserError } from "../util/errors.js";
import { openRegular, sha256Regular } from "../util/safe-fs.js";
import type { AgentIdentity, CoordinatorLink, HeartbeatAnswer, ResultAnswer, SandboxReport } from "./link.js";

/** The agent row `kiln build` leases as. */
export const IN_PROCESS_AGENT = "kiln-build";

export class InProcessLink implements CoordinatorLink {
  readonly where = "this process";
  private row: AgentRow | undefined;

  constructor(
    private readonly farm: Coordinator,
    private readonly o: { labels: Record<string, string>; slots: number },
  ) {}

  async connect(): Promise<AgentIdentity> {
    const db = this.farm.ws.db;
    let row = await agentByName(db, IN_PROCESS_AGENT);
    if (!row) {
      await createAgent(db, { name: IN_PROCESS_AGENT, ...this.o });
      row = (await agentByName(db, IN_PROCESS_AGENT))!;
    }
    if (row.disabled_at !== null) {
      throw new UserError(
        "USAGE",
        `the agent ${IN_PROCESS_AGENT}, which kiln build runs as, is disabled`,
        undefined,
        `enable it with kiln agents enable ${IN_PROCESS_AGENT} (on the server of this data directory)`,
      );
    }
    this.row = row;
    return { agent: row.id, name: row.name };
  }

  private get agent(): AgentRow {
    if (!this.row) throw new Error("the in-process agent is not connected");
    return this.row;
  }

  lease(free: number, waitMs: number, sandbox: SandboxReport): Promise<LeasedJob[]> {
    return api(() => this.farm.lease(this.agent, free, waitMs, sandbox));
  }

  heartbeat(held: { job: number; leaseToken: string }[], disk?: DiskReport): Promise<HeartbeatAnswer> {
    return api(() => this.farm.heartbeat(this.agent, held, disk));
  }

  jobFile(j: LeasedJob, name: string): Promise<Buffer> {
    return api(async () => {
      const job = await this.farm.leasedJob(this.agent, j.job, j.leaseToken);
      const { fh, size } = await openJobFile(this.farm, job, name);
      try {
        const buf = Buffer.alloc(size);
        const { bytesRead } = await fh.read(buf, 0, size, 0);
        return buf.subarray(0, bytesRead);
      } finally {
        await fh.close();
      }
    });
  }

  async fetchArtifact(sha256: string, filename: string): Promise<void> {
    if (!(await this.farm.ws.store.has(sha256))) {
      throw new Error(`${filename} (${sha256}) is not in the artifact store`);
    }
  }

  upload(j: LeasedJob, path: string, filename: string): Promise<string> {
    return api(async () => {
      const job = await this.farm.leasedJob(this.agent, j.job, j.leaseToken);
      const { sha256 } = await sha256Regular(path, { shown: filename });
      const { fh } = await openRegular(path, { shown: filename });
      try {
        await storeJobUpload(this.farm, job, {
          leaseToken: j.leaseToken,
          filename,
          sha256,
          source: fh.createReadStream({ autoClose: false }),
          limit: uploadLimit(this.farm, job, filename, Number.MAX_SAFE_INTEGER),
        });
      } finally {
        await fh.close();
      }
      return sha256;
    });
  }

  appendLog(j: LeasedJob, offset: number, chunk: Buffer): Promise<{ size: number; cut?: boolean }> {
    return api(async () => {
      const job = await this.farm.leasedJob(this.agent, j.job, j.leaseToken);
      return appendJobLog(this.farm, job, offset, chunk);
    });
  }

  result(j: LeasedJob, body: Parameters<CoordinatorLink["result"]>[1]): Promise<ResultAnswer> {
    return api(() => this.farm.result(this.agent, j.job, { leaseToken: j.leaseToken, ...body }));
  }
}

/** The coordinator's refusals as the API states them (status and code). */
async function api<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof UserError) throw new ApiError(STATUS[e.kind], e.message, e.code);
    throw e;
  }
}
