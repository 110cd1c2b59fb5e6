// An enrolled agent driven by hand: it leases, uploads and reports whatever a test tells it to,
// speaking the protocol of src/agent/agent.ts over plain HTTP.
import { createHash } from "node:crypto";
import { hostLabels } from "../../src/core/labels.js";
import { api } from "../kit/index.js";

export interface Leased {
  job: number;
  build: number;
  package: string;
  leaseToken: string;
  files: { name: string }[];
}

export class RogueAgent {
  /** Every body the server sent it, to be searched for secrets. */
  readonly bodies: string[] = [];

  private constructor(
    readonly url: string,
    readonly token: string,
  ) {}

  static async enrol(url: string, enrolToken: string, name: string): Promise<RogueAgent> {
    const r = await api(url, "POST", "/agents", {
      token: enrolToken,
      body: { name, labels: hostLabels(process.arch, process.platform), slots: 1 },
    });
    if (r.status !== 201) throw new Error(`enrolment: ${r.status} ${JSON.stringify(r.body)}`);
    return new RogueAgent(url, r.body.token as string);
  }

  private async call(
    method: string,
    path: string,
    o: Parameters<typeof api>[3] = {},
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever the API answered
  ): Promise<{ status: number; body: any }> {
    const r = await api(this.url, method, path, { token: this.token, ...o });
    this.bodies.push(typeof r.body === "string" ? r.body : JSON.stringify(r.body));
    return r;
  }

  /** The jobs the server leases it (waiting up to `waitMs` for one). */
  async leaseAll(waitMs: number): Promise<Leased[]> {
    const r = await this.call("POST", "/agent/lease", {
      body: { free: 1, waitMs, sandbox: { policy: "required", available: true } },
    });
    if (r.status !== 200) throw new Error(`lease: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.jobs as Leased[];
  }

  /** Leases one job (waiting up to 10 s for one). */
  async lease(): Promise<Leased> {
    const jobs = await this.leaseAll(10_000);
    if (jobs.length !== 1) throw new Error(`lease: ${JSON.stringify(jobs)}`);
    return jobs[0]!;
  }

  file(j: Leased, name: string): Promise<{ status: number; body: unknown }> {
    return this.call("GET", `/agent/jobs/${j.job}/files/${encodeURIComponent(name)}`, {
      headers: { "x-kiln-lease": j.leaseToken },
    });
  }

  /** PUT an artifact under `name` (sent as given: the caller encodes what it means to). */
  async upload(
    j: { job: number; leaseToken: string },
    name: string,
    bytes: Buffer,
  ): Promise<{ status: number; body: { sha256?: string; error?: string; code?: string } }> {
    return this.call("PUT", `/agent/jobs/${j.job}/artifacts/${name}`, {
      headers: {
        "x-kiln-lease": j.leaseToken,
        "x-kiln-sha256": sha256(bytes),
        "content-type": "application/octet-stream",
      },
      raw: bytes,
    });
  }

  result(
    j: { job: number; leaseToken: string },
    o: { ok: boolean; artifacts: { filename: string; sha256: string }[] },
  ): Promise<{
    status: number;
    body: { status?: string; duplicate?: boolean; error?: string; code?: string };
  }> {
    return this.call("POST", `/agent/jobs/${j.job}/result`, {
      body: { leaseToken: j.leaseToken, ok: o.ok, durationMs: 10, steps: [], artifacts: o.artifacts },
    });
  }
}

export function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}
