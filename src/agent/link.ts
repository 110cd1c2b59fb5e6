// How an agent talks to the coordinator, the same either way: over HTTP (`kiln agent`: http-link.ts)
// or in the same process (`kiln build`: in-process-link.ts, no sockets, the artifact store shared).
import type { DiskReport } from "../core/health.js";
import type { z } from "zod";
import type {
  HeartbeatResponse,
  LeasedJob,
  ResultBody,
  ResultResponse,
  SandboxReport as SandboxReportSchema,
} from "../api/schemas.js";

export type HeartbeatAnswer = z.infer<typeof HeartbeatResponse>;
export type ResultAnswer = z.infer<typeof ResultResponse>;

export interface AgentIdentity {
  agent: number;
  name: string;
}

/** The agent's sandbox policy, and whether bubblewrap works on it. */
export type SandboxReport = z.infer<typeof SandboxReportSchema>;

export interface CoordinatorLink {
  /** Where the coordinator is, in words ("http://…", "this process"). */
  readonly where: string;
  /** Who this agent is to the coordinator (enrolled first where it must be). */
  connect(): Promise<AgentIdentity>;
  /** Up to `free` jobs; waits up to `waitMs` for one when none is ready. */
  lease(free: number, waitMs: number, sandbox: SandboxReport, signal: AbortSignal): Promise<LeasedJob[]>;
  /** Renews its leases; `disk`: its work directory's free space. */
  heartbeat(held: { job: number; leaseToken: string }[], disk?: DiskReport): Promise<HeartbeatAnswer>;
  /** One of a leased job's files (its spec or a source), as bytes. */
  jobFile(j: LeasedJob, name: string): Promise<Buffer>;
  /** Makes sure the agent's store holds this artifact of the coordinator's, checked by sha256. */
  fetchArtifact(sha256: string, filename: string): Promise<void>;
  /** Uploads a file the job made, refused unless its bytes have the sha256; returns it. */
  upload(j: LeasedJob, path: string, filename: string): Promise<string>;
  /**
   * Appends a chunk of the job's log that starts at `offset`; returns the size the coordinator's
   * copy has now (send on from there), and whether it was cut at the limit (send no more).
   */
  appendLog(j: LeasedJob, offset: number, chunk: Buffer): Promise<{ size: number; cut?: boolean }>;
  result(j: LeasedJob, body: Omit<ResultBody, "leaseToken">): Promise<ResultAnswer>;
}
