// Webhooks: a git host tells the server that the package set has new commits. The call is proved by
// the server's hook secret (a signature over the raw body, or GitLab's secret token; see
// hook-signature.ts) or, for a manual trigger, by a maintainer's Bearer token.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { API_PREFIX, ErrorBody } from "../../api/schemas.js";
import type { Auth } from "../auth.js";
import { EXPECTED, verifyHook } from "../hook-signature.js";
import { HttpError } from "../http-error.js";
import type { SourceWatcher } from "../source-watch.js";

export const SourceCheckView = z.object({
  commit: z.string().nullable(),
  request: z.number().nullable(),
  changed: z.array(z.string()),
  note: z.string(),
});

const HOOK_BODY_LIMIT = 1024 * 1024;
const RANK = { viewer: 1, maintainer: 2, admin: 3 } as Record<string, number | undefined>;

export const hookRoutes: FastifyPluginAsyncZod<{
  source: SourceWatcher | undefined;
  auth: Auth;
  hookSecret: string;
}> = async (app, { source, auth, hookSecret }) => {
  // In this plugin only: every body is kept as the raw bytes the signature was made over.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: HOOK_BODY_LIMIT }, (_req, body, done) =>
    done(null, body),
  );

  app.post(
    `${API_PREFIX}/hooks/git`,
    {
      onRequest: auth.optional(),
      bodyLimit: HOOK_BODY_LIMIT,
      schema: {
        summary:
          "A push to the package set's repository: look for new commits now (signed with the hook secret: X-Hub-Signature-256, X-Gitea-Signature, X-Gitlab-Token or Standard Webhooks; or a maintainer's Bearer token)",
        // Whatever the git host sends is only verified: the server reads the repository itself.
        response: { 200: SourceCheckView, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody },
      },
    },
    async (req) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const who = req.principal;
      if (who) {
        if (who.kind !== "user" || (RANK[who.role] ?? 0) < RANK.maintainer!)
          throw new HttpError(
            403,
            `a manual trigger needs the maintainer role; ${who.kind === "user" ? `the token "${who.name}" has ${who.role}` : "this is an agent's credential"}`,
            "FORBIDDEN",
          );
      } else {
        const v = verifyHook(hookSecret, req.headers, body, Date.now());
        if (!v) throw new HttpError(401, `this needs ${EXPECTED}`, "UNAUTHORIZED");
        if (!v.ok) throw new HttpError(401, `${v.why}; this needs ${EXPECTED}`, "BAD_SIGNATURE");
      }
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
