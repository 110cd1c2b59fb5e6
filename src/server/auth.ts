// Who is calling: a user's API token (viewer, maintainer, admin, enrol) or an agent's credential,
// from `Authorization: Bearer TOKEN` and nothing else. Tokens are looked up by their hash; a live
// token is remembered for a few seconds so that a busy farm does not query the database on every
// request, and forgotten at once when it is revoked or its agent disabled or deleted.
//
// The guards run in onRequest, before Fastify reads the body: a caller without the right token is
// refused before a byte of a (large) body is taken in. Route modules write `preHandler:
// auth.requireRole(…)`; guardsFirst (an onRoute hook) moves every guard to onRequest.
import type { Kysely } from "kysely";
import type { FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import { agentByHash, tokenByHash, tokenHash } from "../db/tokens.js";
import type { AgentRow, Database, Role } from "../db/schema.js";
import { HttpError } from "./http-error.js";

export type Principal = { kind: "user"; name: string; role: Role } | { kind: "agent"; agent: AgentRow };

const RANK: Record<Role, number> = { enrol: 0, viewer: 1, maintainer: 2, admin: 3 };
const CACHE_MS = 5000;
const GUARD = Symbol("kiln.auth.guard");

type Guard = ((req: FastifyRequest, reply: FastifyReply) => Promise<void>) & { [GUARD]?: true };

function guard(fn: (req: FastifyRequest, reply: FastifyReply) => Promise<void>): Guard {
  return Object.assign(fn, { [GUARD]: true as const });
}

export class Auth {
  private readonly cache = new Map<string, { at: number; who: Principal }>();
  constructor(private readonly db: Kysely<Database>) {}

  /** Forgets every remembered token: called when a token is revoked or an agent disabled or deleted. */
  forget(): void {
    this.cache.clear();
  }

  /** The caller, or undefined without an Authorization header; a bad or revoked token is a 401. */
  async identify(req: FastifyRequest): Promise<Principal | undefined> {
    if (req.principal) return req.principal;
    const header = req.headers.authorization;
    if (!header) return undefined;
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new HttpError(401, "the Authorization header must be `Bearer TOKEN`", "UNAUTHORIZED");
    const hash = tokenHash(m[1]!);
    const hit = this.cache.get(hash);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.who;
    const who = await this.lookup(hash);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { at: Date.now(), who });
    return who;
  }

  private async lookup(hash: string): Promise<Principal> {
    const user = await tokenByHash(this.db, hash);
    if (user) {
      if (user.revoked_at)
        throw new HttpError(
          401,
          `the token "${user.name}" was revoked${user.revoked_by ? ` by ${user.revoked_by}` : ""} at ${user.revoked_at}`,
          "TOKEN_REVOKED",
        );
      return { kind: "user", name: user.name, role: user.role };
    }
    const agent = await agentByHash(this.db, hash);
    if (!agent) throw new HttpError(401, "unknown token", "UNAUTHORIZED");
    if (agent.disabled_at !== null) {
      // 403, not 401: the credential is known, so the agent must not enrol again under another one.
      throw new HttpError(
        403,
        `the agent "${agent.name}" is disabled (${agent.disabled_by ? `by ${agent.disabled_by} ` : ""}at ${agent.disabled_at}): an admin enables it with kiln agents enable ${agent.name}`,
        "AGENT_DISABLED",
      );
    }
    return { kind: "agent", agent };
  }

  /** A guard that lets through users with at least `role` (or, for "enrol", an enrolment token or an admin). */
  requireRole(role: Role): Guard {
    return guard(async (req) => {
      const who = await this.identify(req);
      if (!who) {
        throw new HttpError(
          401,
          "this needs an API token: pass --token or set KILN_TOKEN (sent as Authorization: Bearer TOKEN)",
          "UNAUTHORIZED",
        );
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
    });
  }

  /** A route's options: `who` only (a role, or agents), with this schema, which says so. */
  guarded<S extends object>(who: Role | "agent", schema: S) {
    return {
      preHandler: who === "agent" ? this.requireAgent() : this.requireRole(who),
      schema: { ...schema, security: [{ bearer: [] }] },
    };
  }

  requireAgent(): Guard {
    return guard(async (req) => {
      const who = await this.identify(req);
      if (!who || who.kind !== "agent")
        throw new HttpError(
          401,
          "this is for enrolled agents: pass the agent's own credential",
          "UNAUTHORIZED",
        );
      req.principal = who;
    });
  }

  /** Identifies the caller if there is a token, for routes that take one or another proof (webhooks). */
  optional(): Guard {
    return guard(async (req) => {
      const who = await this.identify(req);
      if (who) req.principal = who;
    });
  }
}

/** An onRoute hook: the auth guards a route lists in preHandler run in onRequest instead. */
export function guardsFirst(route: RouteOptions): void {
  const pre = route.preHandler;
  const list = pre === undefined ? [] : Array.isArray(pre) ? pre : [pre];
  const guards = list.filter((h) => (h as Guard)[GUARD]);
  if (guards.length === 0) return;
  const rest = list.filter((h) => !(h as Guard)[GUARD]);
  route.preHandler = rest.length > 0 ? rest : undefined;
  const on = route.onRequest;
  route.onRequest = [...(on === undefined ? [] : Array.isArray(on) ? on : [on]), ...guards] as never;
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
