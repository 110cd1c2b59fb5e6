// The farm's health: every check with its state, sentence and history (GET /api/v1/health), and
// the probes load balancers and supervisors ask: /readyz (database reachable, migrations applied).
import { sql } from "kysely";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { HealthView } from "../../api/health-schemas.js";
import { API_PREFIX } from "../../api/schemas.js";
import { worst } from "../../core/health.js";
import type { DialectKind } from "../../db/dialect.js";
import { healthChecks, healthEvents } from "../../db/health.js";
import { pendingMigrations } from "../../db/migrate.js";
import type { Services } from "../app.js";

const HISTORY = 20;

export const healthRoutes: FastifyPluginAsyncZod<Pick<Services, "db"> & { kind: DialectKind }> = async (
  app,
  { db, kind },
) => {
  app.get(
    `${API_PREFIX}/health`,
    {
      schema: {
        summary: "Every check of the farm's health: its state, why and what to do, and its last changes",
        response: { 200: HealthView },
      },
    },
    async () => {
      const rows = await healthChecks(db);
      const events = await healthEvents(db, HISTORY * Math.max(rows.length, 1));
      const checks = rows.map((r) => ({
        key: r.key,
        subject: r.subject,
        state: r.state,
        sentence: r.sentence,
        since: r.since,
        checkedAt: r.checked_at,
        history: events
          .filter((e) => e.key === r.key)
          .slice(0, HISTORY)
          .map((e) => ({ at: e.at, state: e.state, sentence: e.sentence })),
      }));
      return { state: worst(checks.map((c) => c.state)), checks };
    },
  );

  app.get(
    "/readyz",
    {
      schema: {
        hide: true,
        response: {
          200: z.object({ ready: z.literal(true) }),
          503: z.object({ ready: z.literal(false), why: z.string() }),
        },
      },
    },
    async (_req, reply) => {
      try {
        await sql`select 1`.execute(db);
      } catch {
        return reply.code(503).send({ ready: false, why: "the database does not answer" });
      }
      const pending = await pendingMigrations(db, kind);
      if (pending.length > 0)
        return reply.code(503).send({ ready: false, why: `migrations not applied: ${pending.join(", ")}` });
      return { ready: true as const };
    },
  );
};
