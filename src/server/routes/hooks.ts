// Webhooks: a git host tells the server that the package set has new commits.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { API_PREFIX, ErrorBody } from "../../api/schemas.js";
import type { Auth } from "../auth.js";
import { HttpError } from "../http-error.js";
import type { SourceWatcher } from "../source-watch.js";

export const SourceCheckView = z.object({
  commit: z.string().nullable(),
  request: z.number().nullable(),
  changed: z.array(z.string()),
  note: z.string(),
});

export const hookRoutes: FastifyPluginAsyncZod<{ source: SourceWatcher | undefined; auth: Auth }> = async (
  app,
  { source, auth },
) => {
  app.post(
    `${API_PREFIX}/hooks/git`,
    {
      preHandler: auth.requireRole("maintainer"),
      schema: {
        summary:
          "A push to the package set's repository: look for new commits now (token: Bearer, X-Kiln-Token or X-Gitlab-Token)",
        // Whatever the git host sends is ignored: the server reads the repository itself.
        body: z.unknown().optional(),
        response: { 200: SourceCheckView, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody },
        security: [{ bearer: [] }],
      },
    },
    async () => {
      if (!source) {
        throw new HttpError(
          409,
          "this server does not watch its package set (it was started with --poll 0)",
          "NOT_WATCHING",
        );
      }
      const r = await source.check();
      return { commit: r.commit ?? null, request: r.request ?? null, changed: r.changed, note: r.note };
    },
  );
};
