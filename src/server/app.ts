// The HTTP application: Fastify with zod validation (the same schemas produce the OpenAPI
// description at /api/openapi.json), auth, and one route module per resource.
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import fastifySwagger from "@fastify/swagger";
import Fastify, { type FastifyInstance } from "fastify";
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import fastifyHelmet from "@fastify/helmet";
import type { Workspace } from "../context/workspace.js";
import type { ErrorCode } from "../util/errors.js";
import { packageRoot } from "../util/package-root.js";
import { Auth, guardsFirst } from "./auth.js";
import { drainRefused } from "./drain-refused.js";
import { setErrorHandler } from "./error-handler.js";
import { appendJobLog, openJobFile, storeJobUpload, uploadLimit } from "../coordinator/agent-work.js";
import type { Coordinator } from "../coordinator/coordinator.js";
import { serverFactory, TIMEOUTS } from "./http-server.js";
import { agentRoutes } from "./routes/agents.js";
import { agentApiRoutes } from "./routes/agent-api.js";
import { buildRoutes } from "./routes/builds.js";
import { healthRoutes } from "./routes/health.js";
import { hookRoutes } from "./routes/hooks.js";
import { repoRoutes } from "./routes/repos.js";
import { requestRoutes } from "./routes/requests.js";
import { tokenRoutes } from "./routes/tokens.js";
import { uiRoutes } from "./routes/ui-api.js";
import { watchRoutes, type ThreadActions } from "./routes/watches.js";
import type { SourceWatcher } from "./source-watch.js";
import type { ReleaseWatcher } from "../watch/watcher.js";

export interface AppOptions {
  farm: Coordinator;
  /** Largest artifact an agent may upload, in bytes. */
  maxUploadBytes: number;
  version: string;
  /** Watches the set's git repository (source triggers); absent with --poll 0. */
  source?: SourceWatcher;
  /** Watches upstream releases (the set's watch: entries), and the update threads they open. */
  watcher?: ReleaseWatcher;
  threads?: ThreadActions;
  /** The secret git hosts sign webhooks with. */
  hookSecret: string;
  /** The URL clients reach the server at (--public-url); else the address it listens on. */
  publicUrl?: string;
  /** Absolute paths under these are shown relative to them in error messages (data dir, set). */
  roots: string[];
  /** The server's log (500s and their stacks); stderr by default. */
  log?: (line: string) => void;
}

export type App = FastifyInstance;

/** What the route modules are given, each the part it uses (and what it needs of the coordinator). */
export interface Services extends Pick<Workspace, "db" | "store" | "data"> {
  /** Read at each request: a reload of kiln.yaml replaces it. */
  config: () => Workspace["config"];
  auth: Auth;
  leaseMs: number;
}

/** A route module's options: these services, and these methods of the coordinator. */
export type Deps<S extends keyof Services, C extends keyof Coordinator = never> = Pick<Services, S> & {
  farm: Pick<Coordinator, C>;
};

export async function buildApp(o: AppOptions): Promise<App> {
  // Open event streams (the UI's, followed logs) must not hold a stopping server up.
  const app = Fastify({
    bodyLimit: 1024 * 1024,
    logger: false,
    forceCloseConnections: true,
    serverFactory,
    ...TIMEOUTS,
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

  setErrorHandler(app, { roots: o.roots, log: o.log ?? ((line) => process.stderr.write(`${line}\n`)) });
  // Every auth guard runs before the body is read (see auth.ts).
  app.addHook("onRoute", guardsFirst);
  app.addHook("onSend", drainRefused);
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // Served over plain http on a LAN as often as over https: no HSTS, no upgrade.
    strictTransportSecurity: false,
    xFrameOptions: { action: "deny" },
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

  const farm = o.farm;
  const { db, store, data } = farm.ws;
  const config = (): Workspace["config"] => farm.ws.config;
  const s: Services = { db, store, data, config, auth: new Auth(db), leaseMs: farm.opts.leaseMs };
  await app.register(requestRoutes, { ...s, farm });
  await app.register(buildRoutes, { ...s, farm });
  await app.register(agentApiRoutes, {
    ...s,
    farm,
    work: {
      openJobFile: (job, name) => openJobFile(farm, job, name),
      appendJobLog: (job, offset, chunk) => appendJobLog(farm, job, offset, chunk),
      storeJobUpload: (job, upload) => storeJobUpload(farm, job, upload),
      uploadLimit: (job, filename) => uploadLimit(farm, job, filename, o.maxUploadBytes),
    },
  });
  await app.register(hookRoutes, { ...s, source: o.source, hookSecret: o.hookSecret });
  const publicUrl = (): string => o.publicUrl ?? listeningUrl(app);
  await app.register(repoRoutes, { ...s, farm, repos: farm.repositories, publicUrl });
  await app.register(tokenRoutes, s);
  if (o.watcher && o.threads)
    await app.register(watchRoutes, { ...s, watcher: o.watcher, threads: o.threads });
  await app.register(agentRoutes, { ...s, farm });
  await app.register(healthRoutes, { ...s, kind: farm.kind });
  await app.register(uiRoutes, { ...s, farm });

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
      return reply
        .code(404)
        .send({ error: `no ${req.method} ${path}`, code: "NOT_FOUND" satisfies ErrorCode });
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

/** Where the server listens, as a URL others can use (a wildcard address becomes the host name). */
function listeningUrl(app: App): string {
  const a = app.server.address();
  if (!a || typeof a === "string") return "http://localhost";
  const host =
    a.address === "0.0.0.0" || a.address === "::"
      ? hostname()
      : a.family === "IPv6"
        ? `[${a.address}]`
        : a.address;
  return `http://${host}:${a.port}`;
}
