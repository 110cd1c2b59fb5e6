// Who is calling: a user's API token (viewer, maintainer, admin, enrol) or an agent's credential,
// from `Authorization: Bearer TOKEN`. Tokens are looked up by their hash; a lookup is remembered
// for a few seconds so that a busy farm does not query the database on every request.
import type { Kysely } from "kysely";
import type { FastifyReply, FastifyRequest } from "fastify";
import { agentByHash, tokenByHash, tokenHash } from "../db/tokens.js";
import type { AgentRow, Database, Role } from "../db/schema.js";
import { HttpError } from "./http-error.js";

export type Principal = { kind: "user"; name: string; role: Role } | { kind: "agent"; agent: AgentRow };

const RANK: Record<Role, number> = { enrol: 0, viewer: 1, maintainer: 2, admin: 3 };
const CACHE_MS = 5000;

export class Auth {
  private readonly cache = new Map<string, { at: number; who: Principal | undefined }>();
  constructor(private readonly db: Kysely<Database>) {}

  async identify(req: FastifyRequest): Promise<Principal | undefined> {
    // Authorization: Bearer TOKEN; or, for webhooks that can only send a secret header,
    // X-Kiln-Token or X-Gitlab-Token.
    const header = req.headers.authorization;
    const secret = req.headers["x-kiln-token"] ?? req.headers["x-gitlab-token"];
    let token: string;
    if (header) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      if (!m) throw new HttpError(401, "the Authorization header must be `Bearer TOKEN`", "UNAUTHORIZED");
      token = m[1]!;
    } else if (typeof secret === "string" && secret.length > 0) token = secret;
    else return undefined;
    const hash = tokenHash(token);
    const hit = this.cache.get(hash);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.who;
    const user = await tokenByHash(this.db, hash);
    let who: Principal | undefined;
    if (user) who = { kind: "user", name: user.name, role: user.role };
    else {
      const agent = await agentByHash(this.db, hash);
      if (agent && !agent.disabled) who = { kind: "agent", agent };
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { at: Date.now(), who });
    if (!who) throw new HttpError(401, "unknown or revoked token", "UNAUTHORIZED");
    return who;
  }

  /** A preHandler that lets through users with at least `role` (or, for "enrol", an enrolment token or an admin). */
  requireRole(role: Role) {
    return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
      const who = await this.identify(req);
      if (!who) {
        throw new HttpError(401, "this needs an API token: pass --token or set KILN_TOKEN", "UNAUTHORIZED");
      }
      if (who.kind !== "user") throw new HttpError(403, "agent credentials cannot do this", "FORBIDDEN");
      const ok =
        role === "enrol"
          ? who.role === "enrol" || who.role === "admin"
          : who.role !== "enrol" && RANK[who.role] >= RANK[role];
      if (!ok)
        throw new HttpError(
          403,
          `this needs the ${role} role; the token "${who.name}" has ${who.role}`,
          "FORBIDDEN",
        );
      req.principal = who;
    };
  }

  requireAgent() {
    return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
      const who = await this.identify(req);
      if (!who || who.kind !== "agent") {
        throw new HttpError(
          401,
          "this is for enrolled agents: pass the agent's own credential",
          "UNAUTHORIZED",
        );
      }
      req.principal = who;
    };
  }
}

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export function agentOf(req: FastifyRequest): AgentRow {
  if (req.principal?.kind !== "agent") throw new HttpError(401, "not an agent", "UNAUTHORIZED");
  return req.principal.agent;
}

export function userName(req: FastifyRequest): string {
  return req.principal?.kind === "user" ? req.principal.name : "anonymous";
}
