// An enrolled agent driven by hand: it leases, uploads and reports whatever a test tells it to,
// speaking the protocol of src/agent/agent.ts over plain HTTP.
import { createHash } from "node:crypto";
import { z } from "zod";
import { LeaseResponse, ResultResponse, type LeasedJob } from "../../src/api/schemas.js";
import { hostLabels } from "../../src/core/labels.js";
import { api, enrolAgent, orRefusal, type RawAnswer, type RawCaller, rawCaller } from "../kit/index.js";

/** A job as the server leased it. */
export type Leased = z.input<typeof LeasedJob>;

/** What it was answered: the status and the body (parsed when JSON). */
export type Reply<B = unknown> = Pick<RawAnswer<B>, "status" | "body">;
const reply = <B>({ status, body }: RawAnswer<B>): Reply<B> => ({ status, body });

/** What an upload or a result answers, accepted or refused (an ErrorBody then). */
const Uploaded = orRefusal(z.object({ sha256: z.string(), size: z.number() }));
const Reported = orRefusal(ResultResponse);

export class RogueAgent {
  /** Every body the server sent it, to be searched for secrets. */
  readonly bodies: string[] = [];

  private constructor(
    readonly url: string,
    readonly token: string,
  ) {}

  static async enrol(url: string, enrolToken: string, name: string): Promise<RogueAgent> {
    const labels = hostLabels(process.arch, process.platform);
    return new RogueAgent(url, await enrolAgent({ url, enrol: enrolToken }, name, { labels }));
  }

  private readonly call: RawCaller = rawCaller(async (method, path, o) => {
    const r = await api(this.url, method, path, { token: this.token, ...o });
    this.bodies.push(r.text);
    return r;
  });

  /** The jobs the server leases it (waiting up to `waitMs` for one). */
  async leaseAll(waitMs: number): Promise<Leased[]> {
    const r = await this.call("POST", "/agent/lease", {
      body: { free: 1, waitMs, sandbox: { policy: "required", available: true } },
      schema: LeaseResponse,
    });
    if (r.status !== 200) throw new Error(`lease: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.jobs;
  }

  /** Leases one job (waiting up to 10 s for one). */
  async lease(): Promise<Leased> {
    const jobs = await this.leaseAll(10_000);
    if (jobs.length !== 1) throw new Error(`lease: ${JSON.stringify(jobs)}`);
    return jobs[0]!;
  }

  async file(j: Leased, name: string): Promise<Reply> {
    return reply(
      await this.call("GET", `/agent/jobs/${j.job}/files/${encodeURIComponent(name)}`, {
        headers: { "x-kiln-lease": j.leaseToken },
      }),
    );
  }

  /** PUT an artifact under `name` (sent as given: the caller encodes what it means to). */
  async upload(
    j: { job: number; leaseToken: string },
    name: string,
    bytes: Buffer,
  ): Promise<Reply<z.input<typeof Uploaded>>> {
    return reply(
      await this.call("PUT", `/agent/jobs/${j.job}/artifacts/${name}`, {
        schema: Uploaded,
        headers: {
          "x-kiln-lease": j.leaseToken,
          "x-kiln-sha256": sha256(bytes),
          "content-type": "application/octet-stream",
        },
        raw: bytes,
      }),
    );
  }

  async result(
    j: { job: number; leaseToken: string },
    o: { ok: boolean; artifacts: { filename: string; sha256: string }[] },
  ): Promise<Reply<z.input<typeof Reported>>> {
    return reply(
      await this.call("POST", `/agent/jobs/${j.job}/result`, {
        schema: Reported,
        body: { leaseToken: j.leaseToken, ok: o.ok, durationMs: 10, steps: [], artifacts: o.artifacts },
      }),
    );
  }
}

export function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}
