// Submitting and following build requests, the queue, agents and tokens.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  AgentView,
  API_PREFIX,
  ChangePlanView,
  CommandBody,
  EnrolBody,
  EnrolResponse,
  ErrorBody,
  IdParams,
  JobStatus,
  JobView,
  PlanQuery,
  RebuildBody,
  RequestView,
  SubmitBody,
  TokenBody,
  TokenResponse,
} from "../../api/schemas.js";
import { lastDurations } from "../../db/builds.js";
import { createAgent, createToken } from "../../db/tokens.js";
import type { Auth } from "../auth.js";
import { userName } from "../auth.js";
import type { Coordinator } from "../../coordinator/coordinator.js";
import { HttpError } from "../http-error.js";
import { unknownPackages } from "../../util/errors.js";
import { agentViews, jobViews, requestView } from "../views.js";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export const farmRoutes: FastifyPluginAsyncZod<{ farm: Coordinator; auth: Auth }> = async (
  app,
  { farm, auth },
) => {
  const db = farm.ws.db;
  const leaseMs = farm.opts.leaseMs;

  app.post(
    `${API_PREFIX}/requests`,
    {
      preHandler: auth.requireRole("maintainer"),
      schema: {
        summary: "Submit builds: the named packages, or everything not up to date",
        body: SubmitBody,
        response: { 201: RequestView, ...errors },
        security: [{ bearer: [] }],
      },
    },
    async (req, reply) => {
      const id = await farm.submit({
        targets: req.body.packages,
        forced: req.body.force ? req.body.packages : [],
        createdBy: userName(req),
      });
      return reply.code(201).send((await requestView(db, id, leaseMs))!);
    },
  );

  app.post(
    `${API_PREFIX}/rebuilds`,
    {
      preHandler: auth.requireRole("maintainer"),
      schema: {
        summary: "Rebuild packages even when up to date, optionally with everything downstream of them",
        body: RebuildBody,
        response: { 201: RequestView, ...errors },
        security: [{ bearer: [] }],
      },
    },
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
      return reply.code(201).send((await requestView(db, id, leaseMs))!);
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
      if (unknown.length > 0) {
        throw unknownPackages(unknown);
      }
      return farm.planChange(packages, downstream, await lastDurations(db));
    },
  );

  app.post(
    `${API_PREFIX}/commands`,
    {
      preHandler: auth.requireRole("maintainer"),
      schema: {
        summary: "Queue jobs that each run a shell command on an agent (no package build)",
        body: CommandBody,
        response: { 201: RequestView, ...errors },
        security: [{ bearer: [] }],
      },
    },
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
      return reply.code(201).send((await requestView(db, id, leaseMs))!);
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
    async (req) => {
      const r = await requestView(db, req.params.id, leaseMs);
      if (!r) throw new HttpError(404, `no request ${req.params.id}`, "NOT_FOUND");
      return r;
    },
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
      if (!(await requestView(db, req.params.id, leaseMs)))
        throw new HttpError(404, `no request ${req.params.id}`, "NOT_FOUND");
      await farm.cancelRequest(req.params.id);
      return (await requestView(db, req.params.id, leaseMs))!;
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

  app.get(
    `${API_PREFIX}/agents`,
    {
      schema: {
        summary: "Agents with their state",
        response: { 200: z.object({ agents: z.array(AgentView) }) },
      },
    },
    async () => ({ agents: await agentViews(db, leaseMs) }),
  );

  app.post(
    `${API_PREFIX}/agents`,
    {
      preHandler: auth.requireRole("enrol"),
      schema: {
        summary: "Enrol an agent (with the enrolment token): returns the agent's own credential",
        body: EnrolBody,
        response: { 201: EnrolResponse, ...errors },
        security: [{ bearer: [] }],
      },
    },
    async (req, reply) => {
      const a = await createAgent(db, req.body);
      return reply.code(201).send({ agent: a.id, token: a.token });
    },
  );

  app.post(
    `${API_PREFIX}/tokens`,
    {
      preHandler: auth.requireRole("admin"),
      schema: {
        summary: "Create an API token with a role (shown once; stored hashed)",
        body: TokenBody,
        response: { 201: TokenResponse, ...errors },
        security: [{ bearer: [] }],
      },
    },
    async (req, reply) => {
      const t = await createToken(db, req.body.name, req.body.role);
      return reply.code(201).send({ id: t.id, name: req.body.name, role: req.body.role, token: t.token });
    },
  );
};
