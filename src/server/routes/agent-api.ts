// What agents call, with their own credential: lease jobs, heartbeat, fetch a job's spec and
// sources, stream the log, upload artifacts (sha256 verified while receiving), report the result.
import { mkdir, open } from "node:fs/promises";
import { dirname, join } from "node:path";
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
  ResultBody,
  ResultResponse,
  UploadHeaders,
  UploadParams,
} from "../../api/schemas.js";
import { ChecksumMismatchError } from "../../artifacts/store.js";
import { clearDamage } from "../../db/builds.js";
import { touchAgent } from "../../db/tokens.js";
import { agentOf, type Auth } from "../auth.js";
import { logNameOf } from "../../coordinator/job-logs.js";
import type { Coordinator as Farm } from "../../coordinator/coordinator.js";
import { HttpError } from "../http-error.js";
import { MAX_UPLOADS_PER_LEASE, recordUpload, uploadCount } from "../../db/uploads.js";
import { openRegular, RefusedFileError } from "../../util/safe-fs.js";

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
  const agentOnly = { preHandler: auth.requireAgent() };
  const security = [{ bearer: [] }];

  app.post(
    `${API_PREFIX}/agent/lease`,
    {
      ...agentOnly,
      schema: {
        summary: "Lease ready jobs matching this agent's labels",
        body: LeaseBody,
        response: { 200: LeaseResponse, ...errors },
        security,
      },
    },
    async (req) => {
      const agent = agentOf(req);
      await touchAgent(db, agent.id);
      // An agent that hangs up while waiting never sees its leases: they expire and are requeued.
      return { jobs: await farm.lease(agent, req.body.free, req.body.waitMs, req.body.sandbox) };
    },
  );

  app.post(
    `${API_PREFIX}/agent/heartbeat`,
    {
      ...agentOnly,
      schema: {
        summary: "Renew the leases this agent holds",
        body: HeartbeatBody,
        response: { 200: HeartbeatResponse, ...errors },
        security,
      },
    },
    async (req) => {
      const agent = agentOf(req);
      await touchAgent(db, agent.id);
      return farm.heartbeat(agent, req.body.jobs);
    },
  );

  app.get(
    `${API_PREFIX}/agent/jobs/:id/files/:name`,
    {
      ...agentOnly,
      schema: {
        summary: "A leased job's spec or source file",
        params: z.object({ id: z.coerce.number().int().positive(), name: z.string().max(255) }),
        headers: LeaseHeaders,
        security,
      },
    },
    async (req, reply) => {
      const job = await farm.leasedJob(agentOf(req), req.params.id, req.headers["x-kiln-lease"]);
      const pkg = farm.graph.graph.packages.get(job.package);
      const allowed = new Set([
        `${job.package}.spec`,
        `${job.package}.rpmlintrc`,
        ...(pkg?.sources.map((s) => s.name) ?? []),
      ]);
      // Only the names the spec itself lists: never a path from the request.
      if (!allowed.has(req.params.name)) {
        throw new HttpError(404, `${req.params.name} is not a file of ${job.package}`, "NOT_FOUND");
      }
      const path = join(farm.ws.setDir, "packages", job.package, req.params.name);
      // A link or a special file in the set is refused, never followed (it was refused at lease
      // time too; the set may have changed since).
      let opened: Awaited<ReturnType<typeof openRegular>>;
      try {
        opened = await openRegular(path, { shown: `packages/${job.package}/${req.params.name}` });
      } catch (e) {
        if (e instanceof RefusedFileError) throw new HttpError(409, e.message, "FILE_REFUSED");
        throw e;
      }
      return reply
        .type("application/octet-stream")
        .header("content-length", opened.size)
        .send(opened.fh.createReadStream());
    },
  );

  app.post(
    `${API_PREFIX}/agent/jobs/:id/log`,
    {
      ...agentOnly,
      schema: {
        summary: "Append to a running build's log at a byte offset (a repeated chunk is ignored)",
        params: IdParams,
        querystring: LogAppendQuery,
        headers: LeaseHeaders,
        response: { 200: z.object({ size: z.number(), cut: z.boolean().optional() }), ...errors },
        security,
      },
    },
    async (req, reply) => {
      const job = await farm.leasedJob(agentOf(req), req.params.id, req.headers["x-kiln-lease"]);
      if (!Buffer.isBuffer(req.body)) throw new HttpError(415, "send the log as text/plain", "BAD_TYPE");
      const body = req.body;
      if (job.build_id === null && job.command === null) {
        throw new HttpError(409, `job ${job.id} has no build yet`, "NO_BUILD");
      }
      const path = farm.jobLogPath(job);
      await mkdir(dirname(path), { recursive: true });
      const fh = await open(path, "a+");
      try {
        const size = (await fh.stat()).size;
        const offset = req.query.offset;
        // A log is cut at the farm's limit, saying so once; the agent is told to send no more.
        const max = farm.ws.maxLogBytes;
        if (size >= max) return { size, cut: true };
        if (offset > size) {
          return reply
            .code(409)
            .send({ error: `the log has ${size} bytes; send from there`, code: `LOG_OFFSET:${size}` });
        }
        let fresh = body.subarray(size - offset);
        let cut = false;
        // A chunk that reaches the limit exactly says so too: a later chunk is never written.
        if (size + fresh.length >= max) {
          fresh = Buffer.concat([
            fresh.subarray(0, max - size),
            Buffer.from(`\nkiln: the log was cut at ${max} bytes (--max-log-mb); the rest was dropped\n`),
          ]);
          cut = true;
        }
        if (fresh.length > 0) await fh.write(fresh);
        farm.events.emit(`log:job:${job.id}`);
        if (job.build_id !== null && logNameOf(job) === "build.log") farm.events.emit(`log:${job.build_id}`);
        return { size: size + fresh.length, ...(cut ? { cut } : {}) };
      } finally {
        await fh.close();
      }
    },
  );

  app.put(
    `${API_PREFIX}/agent/jobs/:id/artifacts/:filename`,
    {
      ...agentOnly,
      schema: {
        summary: "Upload one artifact; refused unless its bytes have the sha256 in X-Kiln-Sha256",
        params: UploadParams,
        headers: UploadHeaders,
        response: { 201: z.object({ sha256: z.string(), size: z.number() }), ...errors },
        security,
      },
    },
    async (req, reply) => {
      const job = await farm.leasedJob(agentOf(req), req.params.id, req.headers["x-kiln-lease"]);
      const lease = req.headers["x-kiln-lease"];
      // A job's log is cut at the farm's log limit (the agent cuts it the same way).
      const limit =
        req.params.filename === logNameOf(job)
          ? Math.min(maxUploadBytes, farm.ws.maxLogBytes + 64 * 1024)
          : maxUploadBytes;
      const declared = Number(req.headers["content-length"] ?? 0);
      if (declared > limit) {
        throw new HttpError(
          413,
          `${req.params.filename} is ${declared} bytes; the limit is ${limit}`,
          "TOO_LARGE",
        );
      }
      if ((await uploadCount(db, job.id, lease)) >= MAX_UPLOADS_PER_LEASE) {
        throw new HttpError(
          413,
          `job ${job.id} has uploaded ${MAX_UPLOADS_PER_LEASE} files under this lease: no more are taken`,
          "TOO_MANY",
        );
      }
      const stream = req.body as Readable | undefined;
      if (!stream || typeof (stream as Readable).pipe !== "function") {
        throw new HttpError(415, "send the artifact as application/octet-stream", "BAD_TYPE");
      }
      try {
        const stored = await farm.ws.store.putStream(
          limited(stream, limit, req.params.filename),
          req.headers["x-kiln-sha256"],
        );
        await clearDamage(db, stored.sha256);
        await recordUpload(db, {
          jobId: job.id,
          leaseToken: lease,
          filename: req.params.filename,
          ...stored,
        });
        return reply.code(201).send(stored);
      } catch (e) {
        if (e instanceof ChecksumMismatchError) {
          throw new HttpError(422, `${req.params.filename}: ${e.message}; nothing was stored`, "CHECKSUM");
        }
        throw e;
      }
    },
  );

  app.post(
    `${API_PREFIX}/agent/jobs/:id/result`,
    {
      ...agentOnly,
      schema: {
        summary: "Report a job's result (idempotent: a repeated report is answered, not applied twice)",
        params: IdParams,
        body: ResultBody,
        response: { 200: ResultResponse, ...errors },
        security,
      },
    },
    async (req) => farm.result(agentOf(req), req.params.id, req.body),
  );
};

/** Passes the stream through, failing it once more than `max` bytes came. */
async function* limited(stream: AsyncIterable<Buffer>, max: number, name: string): AsyncGenerator<Buffer> {
  let n = 0;
  for await (const chunk of stream) {
    n += chunk.length;
    if (n > max)
      throw new HttpError(413, `${name} is larger than the upload limit of ${max} bytes`, "TOO_LARGE");
    yield chunk;
  }
}
