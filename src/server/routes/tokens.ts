// API tokens, for admins: the list (what each is called and can do, never its hash) and revoking.
// Creating one is POST /tokens (routes/farm.ts). A revoked token is refused from the next request on.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { NameParams, RevokeResponse, TokenList } from "../../api/admin-schemas.js";
import { ErrorBody } from "../../api/schemas.js";
import { API_PREFIX } from "../../api/schemas.js";
import { listTokens, revokeToken } from "../../db/tokens.js";
import { userName, type Auth } from "../auth.js";
import { HttpError } from "../http-error.js";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.js";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const security = [{ bearer: [] }];

export const tokenRoutes: FastifyPluginAsyncZod<{ db: Kysely<Database>; auth: Auth }> = async (
  app,
  { db, auth },
) => {
  app.get(
    `${API_PREFIX}/tokens`,
    {
      preHandler: auth.requireRole("admin"),
      schema: {
        summary: "Every API token: name, role, when made and revoked",
        response: { 200: TokenList, ...errors },
        security,
      },
    },
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
    {
      preHandler: auth.requireRole("admin"),
      schema: {
        summary: "Revoke the live token with this name (never the last admin token)",
        params: NameParams,
        response: { 200: RevokeResponse, ...errors },
        security,
      },
    },
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
