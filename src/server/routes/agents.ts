// Agents: the list with their state; enrolment (with the enrolment token); for admins, disable (its
// credential is refused and it gets no jobs; its leases run out and their jobs go back to the
// queue), enable again, delete.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { AgentAction, NameParams } from "../../api/admin-schemas.js";
import { AgentView, API_PREFIX, EnrolBody, EnrolResponse } from "../../api/schemas.js";
import type { AgentRow } from "../../db/schema.js";
import { agentByName, createAgent, deleteAgent, setAgentDisabled } from "../../db/tokens.js";
import type { Deps } from "../app.js";
import { userName } from "../auth.js";
import { ERRORS as errors, HttpError } from "../http-error.js";
import { agentViews } from "../views.js";

export const agentRoutes: FastifyPluginAsyncZod<Deps<"db" | "auth" | "leaseMs", "changed">> = async (
  app,
  { db, auth, leaseMs, farm },
) => {
  const find = async (name: string): Promise<AgentRow> => {
    const a = await agentByName(db, name);
    if (!a) throw new HttpError(404, `no agent named "${name}" (kiln agents list shows them)`, "NOT_FOUND");
    return a;
  };
  const admin = (summary: string) =>
    auth.guarded("admin", { summary, params: NameParams, response: { 200: AgentAction, ...errors } });

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
    auth.guarded("enrol", {
      summary: "Enrol an agent (with the enrolment token): returns the agent's own credential",
      body: EnrolBody,
      response: { 201: EnrolResponse, ...errors },
    }),
    async (req, reply) => {
      const a = await createAgent(db, req.body);
      return reply.code(201).send({ agent: a.id, token: a.token });
    },
  );

  app.post(
    `${API_PREFIX}/agents/:name/disable`,
    admin("Disable an agent: its credential is refused, it gets no jobs"),
    async (req) => {
      const a = await find(req.params.name);
      const by = userName(req);
      await setAgentDisabled(db, a.id, { by });
      auth.forget();
      farm.changed();
      return { name: a.name, state: "disabled" as const, by };
    },
  );

  app.post(`${API_PREFIX}/agents/:name/enable`, admin("Enable a disabled agent again"), async (req) => {
    const a = await find(req.params.name);
    await setAgentDisabled(db, a.id, undefined);
    auth.forget();
    farm.changed();
    return { name: a.name, state: "enabled" as const, by: userName(req) };
  });

  app.delete(
    `${API_PREFIX}/agents/:name`,
    admin("Delete an agent that holds no job (disable it first and let its jobs end)"),
    async (req) => {
      const a = await find(req.params.name);
      const held = await deleteAgent(db, a.id);
      if (held > 0)
        throw new HttpError(
          409,
          `the agent "${a.name}" holds ${held} leased job(s): disable it (kiln agents disable ${a.name}) and delete it when they have ended`,
          "AGENT_BUSY",
        );
      auth.forget();
      farm.changed();
      return { name: a.name, state: "deleted" as const, by: userName(req) };
    },
  );
};
