// What agents call, with their own credential: lease jobs, heartbeat, fetch a job's spec and
// sources, stream the log, upload artifacts (sha256 verified while receiving), report the result.
import type { Readable } from "node:stream";
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
import { touchAgent } from "../../db/tokens.js";
import { agentOf, type Auth } from "../auth.js";
import { appendJobLog, openJobFile, storeJobUpload, uploadLimit } from "../../coordinator/agent-work.js";
import type { Coordinator as Farm } from "../../coordinator/coordinator.js";
import { HttpError } from "../http-error.js";

const errors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  413: ErrorBody,
  422: ErrorBody,
};

export const agentRoutes: FastifyPluginAsyncZod<{ farm: Farm; auth: Auth; maxUploadBytes: number }> = async (
  app,
  { farm, auth, maxUploadBytes },
) => {
  const db = farm.ws.db;
  /** A route's options: agents only (their bearer token), with this schema. */
  const preHandler = auth.requireAgent();
  const agentOnly = <S extends object>(schema: S) => ({
    preHandler,
    schema: { ...schema, security: [{ bearer: [] }] },
  });

  app.post(
    `${API_PREFIX}/agent/lease`,
    agentOnly({
      summary: "Lease ready jobs matching this agent's labels",
      body: LeaseBody,
      response: { 200: LeaseResponse, ...errors },
    }),
    async (req) => {
      const agent = agentOf(req);
      await touchAgent(db, agent.id);
      // An agent that hangs up while waiting never sees its leases: they expire and are requeued.
      return { jobs: await farm.lease(agent, req.body.free, req.body.waitMs, req.body.sandbox) };
    },
  );

  app.post(
    `${API_PREFIX}/agent/heartbeat`,
    agentOnly({
      summary: "Renew the leases this agent holds",
      body: HeartbeatBody,
      response: { 200: HeartbeatResponse, ...errors },
    }),
    async (req) => {
      const agent = agentOf(req);
      await touchAgent(db, agent.id);
      return farm.heartbeat(agent, req.body.jobs);
    },
  );

  app.get(
    `${API_PREFIX}/agent/jobs/:id/files/:name`,
    agentOnly({
      summary: "A leased job's spec or source file",
      params: z.object({ id: z.coerce.number().int().positive(), name: z.string().max(255) }),
      headers: LeaseHeaders,
    }),
    async (req, reply) => {
      const job = await farm.leasedJob(agentOf(req), req.params.id, req.headers["x-kiln-lease"]);
      const opened = await openJobFile(farm, job, req.params.name);
      return reply
        .type("application/octet-stream")
        .header("content-length", opened.size)
        .send(opened.fh.createReadStream());
    },
  );

  app.post(
    `${API_PREFIX}/agent/jobs/:id/log`,
    agentOnly({
      summary: "Append to a running build's log at a byte offset (a repeated chunk is ignored)",
      params: IdParams,
      querystring: LogAppendQuery,
      headers: LeaseHeaders,
      response: { 200: LogAppendResponse, ...errors },
    }),
    async (req) => {
      const job = await farm.leasedJob(agentOf(req), req.params.id, req.headers["x-kiln-lease"]);
      if (!Buffer.isBuffer(req.body)) throw new HttpError(415, "send the log as text/plain", "BAD_TYPE");
      return appendJobLog(farm, job, req.query.offset, req.body);
    },
  );

  app.put(
    `${API_PREFIX}/agent/jobs/:id/artifacts/:filename`,
    agentOnly({
      summary: "Upload one artifact; refused unless its bytes have the sha256 in X-Kiln-Sha256",
      params: UploadParams,
      headers: UploadHeaders,
      response: { 201: z.object({ sha256: z.string(), size: z.number() }), ...errors },
    }),
    async (req, reply) => {
      const job = await farm.leasedJob(agentOf(req), req.params.id, req.headers["x-kiln-lease"]);
      const limit = uploadLimit(farm, job, req.params.filename, maxUploadBytes);
      const declared = Number(req.headers["content-length"] ?? 0);
      if (declared > limit) {
        throw new HttpError(
          413,
          `${req.params.filename} is ${declared} bytes; the limit is ${limit}`,
          "TOO_LARGE",
        );
      }
      const stream = req.body as Readable | undefined;
      if (!stream || typeof (stream as Readable).pipe !== "function") {
        throw new HttpError(415, "send the artifact as application/octet-stream", "BAD_TYPE");
      }
      const stored = await storeJobUpload(farm, job, {
        leaseToken: req.headers["x-kiln-lease"],
        filename: req.params.filename,
        sha256: req.headers["x-kiln-sha256"],
        source: stream,
        limit,
      });
      return reply.code(201).send(stored);
    },
  );

  app.post(
    `${API_PREFIX}/agent/jobs/:id/result`,
    agentOnly({
      summary: "Report a job's result (idempotent: a repeated report is answered, not applied twice)",
      params: IdParams,
      body: ResultBody,
      response: { 200: ResultResponse, ...errors },
    }),
    async (req) => farm.result(agentOf(req), req.params.id, req.body),
  );
};
