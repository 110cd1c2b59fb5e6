// Agents, for admins: disable (its credential is refused and it gets no jobs; its leases run out
// and their jobs go back to the queue), enable again, delete. The list is GET /agents (routes/farm.ts).
import type { Kysely } from "kysely";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { AgentAction, NameParams } from "../../api/admin-schemas.js";
import { API_PREFIX, ErrorBody } from "../../api/schemas.js";
import type { AgentRow, Database } from "../../db/schema.js";
import { agentByName, deleteAgent, setAgentDisabled } from "../../db/tokens.js";
import { userName, type Auth } from "../auth.js";
import { HttpError } from "../http-error.js";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const security = [{ bearer: [] }];

export const agentAdminRoutes: FastifyPluginAsyncZod<{
  db: Kysely<Database>;
  auth: Auth;
  /** Called when agents change (the UI's live events). */
  changed: () => void;
}> = async (app, { db, auth, changed }) => {
  const find = async (name: string): Promise<AgentRow> => {
    const a = await agentByName(db, name);
    if (!a) throw new HttpError(404, `no agent named "${name}" (kiln agents list shows them)`, "NOT_FOUND");
    return a;
  };
  const schema = (summary: string) => ({
    preHandler: auth.requireRole("admin"),
    schema: { summary, params: NameParams, response: { 200: AgentAction, ...errors }, security },
  });

  app.post(
    `${API_PREFIX}/agents/:name/disable`,
    schema("Disable an agent: its credential is refused, it gets no jobs"),
    async (req) => {
      const a = await find(req.params.name);
      const by = userName(req);
      await setAgentDisabled(db, a.id, { by });
      auth.forget();
      changed();
      return { name: a.name, state: "disabled" as const, by };
    },
  );

  app.post(`${API_PREFIX}/agents/:name/enable`, schema("Enable a disabled agent again"), async (req) => {
    const a = await find(req.params.name);
    await setAgentDisabled(db, a.id, undefined);
    auth.forget();
    changed();
    return { name: a.name, state: "enabled" as const, by: userName(req) };
  });

  app.delete(
    `${API_PREFIX}/agents/:name`,
    schema("Delete an agent that holds no job (disable it first and let its jobs end)"),
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
      changed();
      return { name: a.name, state: "deleted" as const, by: userName(req) };
    },
  );
};
