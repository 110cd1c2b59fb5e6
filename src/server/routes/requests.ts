// Build requests (submitted, rebuilds, commands; one, cancelled), what a change would rebuild, and
// the jobs of requests: listed, one with why it is in its state, cancelled, approved.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  API_PREFIX,
  ChangePlanView,
  CommandBody,
  IdParams,
  JobStatus,
  JobView,
  PlanQuery,
  RebuildBody,
  RequestView,
  SubmitBody,
} from "../../api/schemas.js";
import { lastDurations } from "../../db/builds.js";
import type { Deps } from "../app.js";
import { userName } from "../auth.js";
import { ERRORS as errors, HttpError } from "../http-error.js";
import { unknownPackages } from "../../util/errors.js";
import { jobViews, requestView } from "../views.js";

/** What a request is submitted through. */
type Submitting = "submit" | "submitCommands" | "runsUnderWay" | "cancelRuns" | "currentGraph" | "planChange";

export const requestRoutes: FastifyPluginAsyncZod<
  Deps<"db" | "auth" | "leaseMs", Submitting | "cancelRequest" | "cancelJob" | "approve">
> = async (app, { db, auth, leaseMs, farm }) => {
  const existing = async (id: number): Promise<RequestView> => {
    const r = await requestView(db, id, leaseMs);
    if (!r) throw new HttpError(404, `no request ${id}`, "NOT_FOUND");
    return r;
  };

  app.post(
    `${API_PREFIX}/requests`,
    auth.guarded("maintainer", {
      summary: "Submit builds: the named packages, or everything not up to date",
      body: SubmitBody,
      response: { 201: RequestView, ...errors },
    }),
    async (req, reply) => {
      const id = await farm.submit({
        targets: req.body.packages,
        forced: req.body.force ? req.body.packages : [],
        createdBy: userName(req),
      });
      return reply.code(201).send(await existing(id));
    },
  );

  app.post(
    `${API_PREFIX}/rebuilds`,
    auth.guarded("maintainer", {
      summary: "Rebuild packages even when up to date, optionally with everything downstream of them",
      body: RebuildBody,
      response: { 201: RequestView, ...errors },
    }),
    async (req, reply) => {
      const { packages, downstream, replace } = req.body;
      const underWay = await farm.runsUnderWay(packages);
      if (underWay.length > 0 && !replace) {
        const which = underWay.map((r) => `${r.package} (request ${r.request})`).join(", ");
        throw new HttpError(
          409,
          `${which} ${underWay.length > 1 ? "are" : "is"} still being built: a rebuild would wait for nothing; pass replace: true (kiln rebuild --replace) to cancel that run and build again`,
          "RUN_UNDER_WAY",
        );
      }
      if (underWay.length > 0) await farm.cancelRuns(underWay, userName(req));
      const id = await farm.submit({
        targets: packages,
        forced: packages,
        downstream: downstream ? "all" : "none",
        createdBy: userName(req),
        cause: { kind: "rebuild", packages, downstream },
      });
      return reply.code(201).send(await existing(id));
    },
  );

  app.get(
    `${API_PREFIX}/plan`,
    {
      schema: {
        summary:
          "What a change to (or a rebuild of) packages would rebuild, in waves, with the expected time",
        querystring: PlanQuery,
        response: { 200: ChangePlanView, ...errors },
      },
    },
    async (req) => {
      const { packages, downstream } = req.query;
      // A plan is a read: it may be a few seconds old rather than read every spec per request.
      const g = farm.currentGraph();
      const unknown = packages.filter((p) => !g.graph.names.includes(p));
      if (unknown.length > 0) throw unknownPackages(unknown);
      return farm.planChange(packages, downstream, await lastDurations(db));
    },
  );

  app.post(
    `${API_PREFIX}/commands`,
    auth.guarded("maintainer", {
      summary: "Queue jobs that each run a shell command on an agent (no package build)",
      body: CommandBody,
      response: { 201: RequestView, ...errors },
    }),
    async (req, reply) => {
      const { command, count, unsandboxed } = req.body;
      if (unsandboxed && (req.principal?.kind !== "user" || req.principal.role !== "admin")) {
        throw new HttpError(
          403,
          "only an admin token may run a command without the sandbox (unsandboxed: true)",
          "FORBIDDEN",
        );
      }
      const id = await farm.submitCommands(command, count, userName(req), { unsandboxed });
      return reply.code(201).send(await existing(id));
    },
  );

  app.get(
    `${API_PREFIX}/requests/:id`,
    {
      schema: {
        summary: "One build request with its jobs",
        params: IdParams,
        response: { 200: RequestView, ...errors },
      },
    },
    async (req) => existing(req.params.id),
  );

  app.post(
    `${API_PREFIX}/requests/:id/cancel`,
    {
      preHandler: auth.requireRole("maintainer"),
      schema: {
        summary: "Cancel a whole request (a rebuild)",
        params: IdParams,
        response: { 200: RequestView, ...errors },
      },
    },
    async (req) => {
      await existing(req.params.id);
      await farm.cancelRequest(req.params.id);
      return existing(req.params.id);
    },
  );

  app.get(
    `${API_PREFIX}/jobs`,
    {
      schema: {
        summary: "Jobs, newest first, each with why it is in its state (what it waits for)",
        querystring: z.object({
          status: z.enum([...JobStatus.options, "active"]).optional(),
          limit: z.coerce.number().int().min(1).max(10_000).default(200),
        }),
        response: { 200: z.object({ jobs: z.array(JobView) }), ...errors },
      },
    },
    async (req) => {
      let q = db.selectFrom("jobs").selectAll().orderBy("id", "desc").limit(req.query.limit);
      if (req.query.status === "active") q = q.where("status", "in", ["queued", "leased"]);
      else if (req.query.status) q = q.where("status", "=", req.query.status);
      return { jobs: await jobViews(db, await q.execute(), leaseMs) };
    },
  );

  app.get(
    `${API_PREFIX}/jobs/:id`,
    {
      schema: {
        summary: "One job, with why it is in its state",
        params: IdParams,
        response: { 200: JobView, ...errors },
      },
    },
    async (req) => {
      const job = await db.selectFrom("jobs").selectAll().where("id", "=", req.params.id).executeTakeFirst();
      if (!job) throw new HttpError(404, `no job ${req.params.id}`, "NOT_FOUND");
      return (await jobViews(db, [job], leaseMs))[0]!;
    },
  );

  app.post(
    `${API_PREFIX}/jobs/:id/cancel`,
    {
      preHandler: auth.requireRole("maintainer"),
      schema: {
        summary: "Cancel one job",
        params: IdParams,
        response: { 200: z.object({ status: z.string() }), ...errors },
      },
    },
    async (req) => ({ status: await farm.cancelJob(req.params.id) }),
  );

  app.post(
    `${API_PREFIX}/jobs/:id/approve`,
    auth.guarded("maintainer", {
      summary: "Approve the stage of this job (every job of that stage of the package's run)",
      params: IdParams,
      response: { 200: z.object({ approved: z.array(z.number()), by: z.string() }), ...errors },
    }),
    async (req) => {
      const by = userName(req);
      const jobs = await farm.approve(req.params.id, by);
      return { approved: jobs.map((j) => j.id), by };
    },
  );
};
