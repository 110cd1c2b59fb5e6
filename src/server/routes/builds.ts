// Builds: list, one with its steps and artifacts, its log (and a pipeline job's: whole or followed
// live as server-sent events), artifact downloads (checksum verified before a byte is sent), cancel.
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { API_PREFIX, BuildListQuery, BuildView, IdParams, LogQuery } from "../../api/schemas.js";
import { sha256File } from "../../util/hash.js";
import { getJob } from "../../db/jobs.js";
import type { Deps } from "../app.js";
import { ERRORS as errors, HttpError } from "../http-error.js";
import { buildView } from "../views.js";
import { openEventStream } from "./event-stream.js";

/** A log to send: its file, what it is (for the 404), its event name, and whether it ended (how). */
interface LogSource {
  path: string;
  what: string;
  event: string;
  ended: () => Promise<{ status: string; error: string | null } | undefined>;
}

/** A log's end: its row's status and error, once the status is none of `running`. */
const ending = (row: { status: string; error: string | null } | undefined, ...running: string[]) =>
  row && !running.includes(row.status) ? { status: row.status, error: row.error } : undefined;

export const buildRoutes: FastifyPluginAsyncZod<
  Deps<"db" | "store" | "auth", "cancelJob" | "logPath" | "jobLogPath" | "events">
> = async (app, { db, store, auth, farm }) => {
  const existing = async (id: number): Promise<BuildView> => {
    const b = await buildView(db, id);
    if (!b) throw new HttpError(404, `no build ${id}`, "NOT_FOUND");
    return b;
  };

  app.get(
    `${API_PREFIX}/builds`,
    {
      schema: {
        summary: "Builds, newest first, filtered by package and status",
        querystring: BuildListQuery,
        response: { 200: z.object({ builds: z.array(BuildView) }), ...errors },
      },
    },
    async (req) => {
      let q = db.selectFrom("builds").select("id").orderBy("id", "desc").limit(req.query.limit);
      if (req.query.package) q = q.where("package", "=", req.query.package);
      if (req.query.status) q = q.where("status", "=", req.query.status);
      const ids = await q.execute();
      const builds: BuildView[] = [];
      for (const { id } of ids) builds.push((await buildView(db, id))!);
      return { builds };
    },
  );

  app.get(
    `${API_PREFIX}/builds/:id`,
    {
      schema: {
        summary: "One build with its steps and artifacts",
        params: IdParams,
        response: { 200: BuildView, ...errors },
      },
    },
    async (req) => existing(req.params.id),
  );

  app.post(
    `${API_PREFIX}/builds/:id/cancel`,
    {
      preHandler: auth.requireRole("maintainer"),
      schema: {
        summary: "Cancel a build (every job of its package's run)",
        params: IdParams,
        response: { 200: z.object({ status: z.string() }), ...errors },
      },
    },
    async (req) => {
      const job = await db
        .selectFrom("jobs")
        .select("id")
        .where("build_id", "=", req.params.id)
        .executeTakeFirst();
      if (!job) {
        const { status } = await existing(req.params.id);
        throw new HttpError(409, `build ${req.params.id} is ${status}: nothing to cancel`, "NOT_RUNNING");
      }
      return { status: await farm.cancelJob(job.id) };
    },
  );

  /** A log route: the log `source` names for the id (or its 404), as text or followed. */
  const logRoute = (path: string, summary: string, source: (id: number) => Promise<LogSource>): void => {
    app.get(path, { schema: { summary, params: IdParams, querystring: LogQuery } }, async (req, reply) =>
      sendLog(req, reply, await source(req.params.id)),
    );
  };

  logRoute(
    `${API_PREFIX}/builds/:id/log`,
    "The build's log: text, or with follow=1 server-sent events (`log` chunks, then `end`)",
    async (id) => {
      await existing(id);
      return {
        path: farm.logPath(id),
        what: `build ${id}`,
        event: `log:${id}`,
        ended: async () => ending(await buildView(db, id), "running"),
      };
    },
  );

  logRoute(
    `${API_PREFIX}/jobs/:id/log`,
    "One pipeline job's log: text, or with follow=1 server-sent events, as a build's",
    async (id) => {
      const job = await getJob(db, id);
      if (!job) throw new HttpError(404, `no job ${id}`, "NOT_FOUND");
      if (job.build_id === null && (job.command === null || job.status === "queued"))
        throw new HttpError(404, `job ${id} has not started: no log yet`, "NOT_FOUND");
      return {
        path: farm.jobLogPath(job),
        what: `job ${id}`,
        event: `log:job:${id}`,
        ended: async () => ending(await getJob(db, id), "queued", "leased"),
      };
    },
  );

  /** A log as text, or followed live as server-sent events until `ended` says it is over. */
  async function sendLog(
    req: FastifyRequest<{ Querystring: { follow?: string | undefined; offset: number } }>,
    reply: FastifyReply,
    o: LogSource,
  ): Promise<unknown> {
    const path = o.path;
    const follow = req.query.follow === "1" || req.query.follow === "true";
    if (!follow) {
      if (!(await stat(path).catch(() => undefined)))
        throw new HttpError(404, `${o.what} has no log (yet)`, "NOT_FOUND");
      return reply
        .type("text/plain; charset=utf-8")
        .send(createReadStream(path, { start: req.query.offset }));
    }
    const stream = openEventStream(reply);
    // A client that reconnects (EventSource) says how far it had read.
    const lastId = Number(req.headers["last-event-id"]);
    let offset = Number.isInteger(lastId) && lastId > req.query.offset ? lastId : req.query.offset;
    // Reads on only as fast as the client takes what was sent (stream.write waits for the
    // socket to drain): a follower that does not read holds one chunk, not the whole log.
    const buf = Buffer.alloc(64 * 1024);
    const pump = async (): Promise<void> => {
      const fh = await open(path, "r").catch(() => undefined);
      if (!fh) return;
      try {
        while (!stream.closed) {
          const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
          if (bytesRead === 0) break;
          // Only whole UTF-8 characters: cut before a trailing partial sequence.
          let end = bytesRead;
          while (end > 0 && end > bytesRead - 4 && (buf[end - 1]! & 0xc0) === 0x80) end--;
          if (end > 0 && buf[end - 1]! >= 0xc0) end--;
          if (end === 0) end = bytesRead;
          const chunk = `event: log\nid: ${offset + end}\ndata: ${JSON.stringify(buf.subarray(0, end).toString("utf8"))}\n\n`;
          offset += end;
          if (!(await stream.write(chunk))) break;
        }
      } finally {
        await fh.close();
      }
    };
    let notify: () => void = () => undefined;
    const onLog = (): void => notify();
    farm.events.on(o.event, onLog);
    farm.events.on("change", onLog);
    try {
      for (;;) {
        await pump();
        if (stream.closed) break;
        const end = await o.ended();
        if (end) {
          await pump();
          await stream.write(`event: end\ndata: ${JSON.stringify(end)}\n\n`);
          break;
        }
        await new Promise<void>((r) => {
          const t = setTimeout(r, 1000);
          notify = () => {
            clearTimeout(t);
            r();
          };
        });
        if (!(await stream.write(": keep-alive\n\n"))) break;
      }
    } finally {
      farm.events.off(o.event, onLog);
      farm.events.off("change", onLog);
      stream.end();
    }
    return undefined;
  }

  app.get(
    `${API_PREFIX}/builds/:id/artifacts/:filename`,
    {
      schema: {
        summary: "Download one artifact of a build; its sha256 is in the X-Kiln-Sha256 header",
        params: z.object({ id: z.coerce.number().int().positive(), filename: z.string().max(255) }),
      },
    },
    async (req, reply) => {
      const a = await db
        .selectFrom("artifacts")
        .selectAll()
        .where("build_id", "=", req.params.id)
        .where("filename", "=", req.params.filename)
        .executeTakeFirst();
      if (!a)
        throw new HttpError(
          404,
          `build ${req.params.id} has no artifact ${req.params.filename}`,
          "NOT_FOUND",
        );
      return sendVerified(reply, store.path(a.sha256), a.sha256, a.filename);
    },
  );

  app.get(
    `${API_PREFIX}/artifacts/:sha256`,
    {
      schema: {
        summary: "Download a stored artifact by its sha256 (verified before it is sent)",
        params: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, "not a sha256") }),
      },
    },
    async (req, reply) => {
      if (!(await store.has(req.params.sha256)))
        throw new HttpError(404, `no artifact ${req.params.sha256}`, "NOT_FOUND");
      return sendVerified(reply, store.path(req.params.sha256), req.params.sha256);
    },
  );
};

async function sendVerified(
  reply: FastifyReply,
  path: string,
  sha256: string,
  filename?: string,
): Promise<unknown> {
  const actual = await sha256File(path);
  if (actual !== sha256) {
    throw new HttpError(
      500,
      `stored artifact ${sha256} is corrupted (its sha256 is now ${actual}); it is not served`,
      "CORRUPT",
    );
  }
  reply.header("x-kiln-sha256", sha256);
  if (filename) reply.header("content-disposition", `attachment; filename="${filename}"`);
  return reply.type("application/octet-stream").send(createReadStream(path));
}
