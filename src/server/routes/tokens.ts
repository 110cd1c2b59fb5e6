// API tokens, for admins: creating one (shown once), the list (what each is called and can do,
// never its hash) and revoking. A revoked token is refused from the next request on.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { NameParams, RevokeResponse, TokenList } from "../../api/admin-schemas.js";
import { API_PREFIX, TokenBody, TokenResponse } from "../../api/schemas.js";
import { createToken, listTokens, revokeToken } from "../../db/tokens.js";
import type { Services } from "../app.js";
import { userName } from "../auth.js";
import { ERRORS as errors, HttpError } from "../http-error.js";

export const tokenRoutes: FastifyPluginAsyncZod<Pick<Services, "db" | "auth">> = async (
  app,
  { db, auth },
) => {
  app.post(
    `${API_PREFIX}/tokens`,
    auth.guarded("admin", {
      summary: "Create an API token with a role (shown once; stored hashed)",
      body: TokenBody,
      response: { 201: TokenResponse, ...errors },
    }),
    async (req, reply) => {
      const t = await createToken(db, req.body.name, req.body.role);
      return reply.code(201).send({ id: t.id, name: req.body.name, role: req.body.role, token: t.token });
    },
  );

  app.get(
    `${API_PREFIX}/tokens`,
    auth.guarded("admin", {
      summary: "Every API token: name, role, when made and revoked",
      response: { 200: TokenList, ...errors },
    }),
    async () => ({
      tokens: (await listTokens(db)).map((t) => ({
        name: t.name,
        role: t.role,
        createdAt: t.created_at,
        revokedAt: t.revoked_at,
        revokedBy: t.revoked_by,
      })),
    }),
  );

  app.post(
    `${API_PREFIX}/tokens/:name/revoke`,
    auth.guarded("admin", {
      summary: "Revoke the live token with this name (never the last admin token)",
      params: NameParams,
      response: { 200: RevokeResponse, ...errors },
    }),
    async (req) => {
      const by = userName(req);
      const outcome = await revokeToken(db, req.params.name, by);
      if (outcome === "unknown")
        throw new HttpError(
          404,
          `no live token named "${req.params.name}" (kiln tokens list shows them)`,
          "NOT_FOUND",
        );
      if (outcome === "last-admin")
        throw new HttpError(
          409,
          `"${req.params.name}" is the last live admin token: create another admin token before revoking it`,
          "LAST_ADMIN",
        );
      auth.forget();
      return { name: req.params.name, revoked: true as const, by };
    },
  );
};
