// What agents call, with their own credential: lease jobs, heartbeat, fetch a job's spec and
// sources, stream the log, upload artifacts (sha256 verified while receiving), report the result.
import type { Readable } from "node:stream";
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  API_PREFIX,
  ErrorBody,
  HeartbeatBody,
  HeartbeatResponse,
  IdParams,
  LeaseBody,
  LeaseHeaders,
  LeaseResponse,
  LogAppendQuery,
  LogAppendResponse,
  ResultBody,
  ResultResponse,
  UploadHeaders,
  UploadParams,
} from "../../api/schemas.js";
import type { JobRow } from "../../db/schema.js";
import { touchAgent } from "../../db/tokens.js";
import type { Deps } from "../app.js";
import { agentOf } from "../auth.js";
import type { appendJobLog, openJobFile, storeJobUpload } from "../../coordinator/agent-work.js";
import type { Coordinator } from "../../coordinator/coordinator.js";
import { ERRORS, HttpError } from "../http-error.js";

const errors = { ...ERRORS, 413: ErrorBody, 422: ErrorBody };

type Bound<F> = F extends (farm: Coordinator, ...a: infer A) => infer R ? (...a: A) => R : never;

/** The coordinator's agent-work.ts, bound to it; uploadLimit to the server's --max-upload-mb too. */
export interface AgentWork {
  openJobFile: Bound<typeof openJobFile>;
  appendJobLog: Bound<typeof appendJobLog>;
  storeJobUpload: Bound<typeof storeJobUpload>;
  uploadLimit: (job: JobRow, filename: string) => number;
}

export const agentApiRoutes: FastifyPluginAsyncZod<
  Deps<"db" | "auth", "lease" | "heartbeat" | "leasedJob" | "result"> & { work: AgentWork }
> = async (app, { db, auth, farm, work }) => {
  /** The calling agent, its last_seen_at now. */
  const seen = async (req: FastifyRequest) => {
    const agent = agentOf(req);
    await touchAgent(db, agent.id);
    return agent;
  };

  app.post(
    `${API_PREFIX}/agent/lease`,
    auth.guarded("agent", {
      summary: "Lease ready jobs matching this agent's labels",
      body: LeaseBody,
      response: { 200: LeaseResponse, ...errors },
    }),
    // An agent that hangs up while waiting never sees its leases: they expire and are requeued.
    async (req) => ({
      jobs: await farm.lease(await seen(req), req.body.free, req.body.waitMs, req.body.sandbox),
    }),
  );

  app.post(
    `${API_PREFIX}/agent/heartbeat`,
    auth.guarded("agent", {
      summary: "Renew the leases this agent holds",
      body: HeartbeatBody,
      response: { 200: HeartbeatResponse, ...errors },
    }),
    async (req) => farm.heartbeat(await seen(req), req.body.jobs, req.body.disk),
  );

  app.get(
    `${API_PREFIX}/agent/jobs/:id/files/:name`,
    auth.guarded("agent", {
      summary: "A leased job's spec or source file",
      params: z.object({ id: z.coerce.number().int().positive(), name: z.string().max(255) }),
      headers: LeaseHeaders,
    }),
    async (req, reply) => {
      const job = await farm.leasedJob(agentOf(req), req.params.id, req.headers["x-kiln-lease"]);
      const opened = await work.openJobFile(job, req.params.name);
      return reply
        .type("application/octet-stream")
        .header("content-length", opened.size)
        .send(opened.fh.createReadStream());
    },
  );

  app.post(
    `${API_PREFIX}/agent/jobs/:id/log`,
    auth.guarded("agent", {
      summary: "Append to a running build's log at a byte offset (a repeated chunk is ignored)",
      params: IdParams,
      querystring: LogAppendQuery,
      headers: LeaseHeaders,
      response: { 200: LogAppendResponse, ...errors },
    }),
    async (req) => {
      const job = await farm.leasedJob(agentOf(req), req.params.id, req.headers["x-kiln-lease"]);
      if (!Buffer.isBuffer(req.body)) throw new HttpError(415, "send the log as text/plain", "BAD_TYPE");
      return work.appendJobLog(job, req.query.offset, req.body);
    },
  );

  app.put(
    `${API_PREFIX}/agent/jobs/:id/artifacts/:filename`,
    auth.guarded("agent", {
      summary: "Upload one artifact; refused unless its bytes have the sha256 in X-Kiln-Sha256",
      params: UploadParams,
      headers: UploadHeaders,
      response: { 201: z.object({ sha256: z.string(), size: z.number() }), ...errors },
    }),
    async (req, reply) => {
      const job = await farm.leasedJob(agentOf(req), req.params.id, req.headers["x-kiln-lease"]);
      const limit = work.uploadLimit(job, req.params.filename);
      const declared = Number(req.headers["content-length"] ?? 0);
      if (declared > limit) {
        throw new HttpError(
          413,
          `${req.params.filename} is ${declared} bytes; the limit is ${limit}`,
          "TOO_LARGE",
        );
      }
      const stream = req.body as Readable | undefined;
      if (!stream || typeof stream.pipe !== "function") {
        throw new HttpError(415, "send the artifact as application/octet-stream", "BAD_TYPE");
      }
      const stored = work.storeJobUpload(job, {
        leaseToken: req.headers["x-kiln-lease"],
        filename: req.params.filename,
        sha256: req.headers["x-kiln-sha256"],
        source: stream,
        limit,
      });
      return reply.code(201).send(await stored);
    },
  );

  app.post(
    `${API_PREFIX}/agent/jobs/:id/result`,
    auth.guarded("agent", {
      summary: "Report a job's result (idempotent: a repeated report is answered, not applied twice)",
      params: IdParams,
      body: ResultBody,
      response: { 200: ResultResponse, ...errors },
    }),
    async (req) => farm.result(agentOf(req), req.params.id, req.body),
  );
};
