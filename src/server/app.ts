// The HTTP application: Fastify with zod validation (the same schemas produce the OpenAPI
// description at /api/openapi.json), auth, and one route module per resource.
import { existsSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import fastifySwagger from "@fastify/swagger";
import Fastify, { type FastifyInstance } from "fastify";
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import { UserError } from "../util/errors.js";
import { packageRoot } from "../util/package-root.js";
import { Auth } from "./auth.js";
import type { Farm } from "./farm.js";
import { HttpError } from "./http-error.js";
import { agentRoutes } from "./routes/agent-api.js";
import { buildRoutes } from "./routes/builds.js";
import { farmRoutes } from "./routes/farm.js";
import { hookRoutes } from "./routes/hooks.js";
import { repoRoutes } from "./routes/repos.js";
import { uiRoutes } from "./routes/ui-api.js";
import type { SourceWatcher } from "./source-watch.js";

export interface AppOptions {
  farm: Farm;
  /** Largest artifact an agent may upload, in bytes. */
  maxUploadBytes: number;
  version: string;
  /** Watches the set's git repository (source triggers); absent with --poll 0. */
  source?: SourceWatcher;
}

export type App = FastifyInstance;

export async function buildApp(o: AppOptions): Promise<App> {
  // Open event streams (the UI's, followed logs) must not hold a stopping server up.
  const app = Fastify({
    bodyLimit: 1024 * 1024,
    logger: false,
    forceCloseConnections: true,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Logs arrive as raw bytes; artifacts as a stream the route reads itself (hashing as it goes).
  app.addContentTypeParser(
    "text/plain",
    { parseAs: "buffer", bodyLimit: 4 * 1024 * 1024 },
    (_req, body, done) => done(null, body),
  );
  app.addContentTypeParser("application/octet-stream", (_req, payload, done) => done(null, payload));

  app.setErrorHandler((err, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = err.validationContext ?? "request";
      const what = err.validation
        .map(
          (v) =>
            `${where}${v.instancePath ? v.instancePath.replaceAll("/", ".") : ""}: ${v.message ?? "invalid"}`,
        )
        .join("; ");
      return reply.code(400).send({ error: what, code: "INVALID_REQUEST" });
    }
    if (err instanceof HttpError) {
      return reply.code(err.status).send({ error: err.message, code: err.code, ...err.details });
    }
    if (err instanceof UserError) {
      return reply.code(400).send({ error: err.format(), code: err.code });
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply
        .code(status)
        .send({ error: (err as Error).message, code: (err as { code?: string }).code });
    }
    req.log.error(err);
    process.stderr.write(`kiln serve: ${req.method} ${req.url}: ${(err as Error).stack ?? String(err)}\n`);
    return reply.code(500).send({ error: `internal error: ${(err as Error).message}`, code: "INTERNAL" });
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: "Kiln build farm API", version: o.version },
      components: {
        securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      },
    },
    transform: jsonSchemaTransform,
  });

  const auth = new Auth(o.farm.ws.db);
  await app.register(farmRoutes, { farm: o.farm, auth });
  await app.register(buildRoutes, { farm: o.farm, auth });
  await app.register(agentRoutes, { farm: o.farm, auth, maxUploadBytes: o.maxUploadBytes });
  await app.register(hookRoutes, { source: o.source, auth });
  await app.register(repoRoutes, { farm: o.farm, auth, repos: o.farm.repositories });
  await app.register(uiRoutes, { farm: o.farm, auth });

  app.get("/api/openapi.json", { schema: { hide: true } }, () => app.swagger());
  app.get("/healthz", { schema: { hide: true } }, () => ({ ok: true }));

  // The web UI (built by `npm run build` into dist/web): its files, and index.html for every other
  // page the app routes itself (/builds/42, /graph/hello …).
  const web = join(packageRoot(), "dist", "web");
  if (existsSync(join(web, "index.html"))) {
    // wildcard: files are looked up when asked for, so a rebuilt UI is served without a restart.
    await app.register(fastifyStatic, { root: web, prefix: "/", wildcard: true, index: ["index.html"] });
    app.setNotFoundHandler((req, reply) => {
      const path = req.url.split("?")[0]!;
      // The app's own files are under /assets/; any other page is the app's (a package may be
      // called python3.11).
      if (req.method === "GET" && !/^\/(api|repos|assets)\//.test(path)) {
        return reply.type("text/html; charset=utf-8").sendFile("index.html");
      }
      return reply.code(404).send({ error: `no ${req.method} ${path}`, code: "NOT_FOUND" });
    });
  } else {
    app.get("/", { schema: { hide: true } }, (_req, reply) =>
      reply
        .type("text/plain; charset=utf-8")
        .send("Kiln's web UI is not built here: run npm run build. The API is at /api/v1.\n"),
    );
  }
  return app;
}
