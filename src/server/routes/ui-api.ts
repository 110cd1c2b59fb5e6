// What the web UI needs beside the rest of the API: live change events, who the caller is, the
// packages of the set with their state, one package's neighbourhood in the dependency graph, and
// the recent requests with the waves of their packages.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  API_PREFIX,
  ErrorBody,
  GraphView,
  PackageDetail,
  PackageSummary,
  RequestView,
  WavesView,
} from "../../api/schemas.js";
import { graphErrors, type LoadedGraph } from "../../planner/load-graph.js";
import { waves } from "../../core/plan.js";
import { repositoryContent } from "../../db/repos.js";
import type { Deps } from "../app.js";
import { HttpError } from "../http-error.js";
import { unknownPackages } from "../../util/errors.js";
import { evrsOf, requestView } from "../views.js";
import { openEventStream } from "./event-stream.js";

const errors = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody };

type Status = z.infer<typeof PackageSummary>["status"];
type Build = { status: string; same_output_as: number | null };

/** A green build with the same output as an earlier one was cut off. */
const buildStatus = (b: Build): string =>
  b.status === "green" && b.same_output_as !== null ? "cut-off" : b.status;

// A package's errors are the set's (a refused link, a spec that timed out, a bad kiln.yaml) and the
// graph's (an unknown BuildRequires); merged once per loaded graph.
const errorsByGraph = new WeakMap<LoadedGraph, ReturnType<typeof graphErrors>>();
function packageErrors(g: LoadedGraph): ReturnType<typeof graphErrors> {
  let e = errorsByGraph.get(g);
  if (!e) errorsByGraph.set(g, (e = graphErrors(g)));
  return e;
}

export const uiRoutes: FastifyPluginAsyncZod<
  Deps<"db" | "auth" | "leaseMs" | "config", "events" | "graph">
> = async (app, { db, auth, leaseMs, config, farm }) => {
  app.get(
    `${API_PREFIX}/events`,
    {
      schema: {
        summary: "Server-sent events: `change` whenever builds, jobs, agents or repositories change",
      },
    },
    async (req, reply) => {
      const stream = openEventStream(reply);
      // A client that lost the connection reconnects by itself (EventSource), a few seconds later.
      stream.send("retry: 2000\n\n");
      let n = 0;
      let timer: NodeJS.Timeout | undefined;
      // Changes come in bursts: one event per 200 ms at most.
      const onChange = (): void => {
        if (timer) return;
        timer = setTimeout(() => {
          timer = undefined;
          stream.send(`event: change\nid: ${++n}\ndata: {}\n\n`);
        }, 200);
      };
      const beat = setInterval(() => stream.send(": keep-alive\n\n"), 15_000);
      farm.events.on("change", onChange);
      const done = (): void => {
        farm.events.off("change", onChange);
        clearInterval(beat);
        clearTimeout(timer);
      };
      req.raw.on("close", done);
      stream.send(`event: hello\ndata: {}\n\n`);
    },
  );

  app.get(
    `${API_PREFIX}/whoami`,
    {
      schema: {
        summary: "Who the caller's token is (anonymous without one): what the UI lets them do",
        response: { 200: z.object({ name: z.string().nullable(), role: z.string().nullable() }), ...errors },
      },
    },
    async (req) => {
      const who = await auth.identify(req).catch(() => undefined);
      return who?.kind === "user" ? { name: who.name, role: who.role } : { name: null, role: null };
    },
  );

  /** Each package's latest build (by id), for its state. */
  const latestBuilds = async () => {
    const rows = await db
      .selectFrom("builds")
      .select(["id", "package", "status", "same_output_as"])
      .where("id", "in", (q) =>
        q
          .selectFrom("builds")
          .select((e) => e.fn.max("id").as("id"))
          .groupBy("package"),
      )
      .execute();
    return new Map(rows.map((r) => [r.package, r]));
  };
  /** A package's state: invalid (its spec or what it needs is wrong), else its latest build's. */
  const statusOf = (g: LoadedGraph, name: string, latest: Build | undefined): Status =>
    packageErrors(g).has(name) || !g.graph.packages.has(name)
      ? "invalid"
      : latest
        ? (buildStatus(latest) as Status)
        : "never built";

  const repoVersions = async (): Promise<Map<string, Record<string, string>>> => {
    const out = new Map<string, Record<string, string>>();
    for (const r of config().repositories) {
      const content = await repositoryContent(db, r.name);
      const evr = await evrsOf(db, [...content.values()]);
      for (const [pkg, id] of content) out.set(pkg, { ...(out.get(pkg) ?? {}), [r.name]: evr.get(id) ?? "" });
    }
    return out;
  };

  app.get(
    `${API_PREFIX}/packages`,
    {
      schema: {
        summary: "The set's packages (a name search with q): version, latest build, versions per repository",
        querystring: z.object({
          q: z.string().max(200).optional(),
          limit: z.coerce.number().int().min(1).max(10_000).default(500),
        }),
        response: { 200: z.object({ packages: z.array(PackageSummary), total: z.number() }), ...errors },
      },
    },
    async (req) => {
      const g = farm.graph;
      const q = req.query.q?.toLowerCase() ?? "";
      const names = g.graph.names.filter((n) => n.toLowerCase().includes(q)).sort();
      const latest = await latestBuilds();
      const versions = await repoVersions();
      return {
        total: names.length,
        packages: names.slice(0, req.query.limit).map((name) => {
          const pkg = g.graph.packages.get(name);
          const b = latest.get(name);
          return {
            name,
            evr: pkg
              ? `${pkg.evr.epoch ? `${pkg.evr.epoch}:` : ""}${pkg.evr.version}-${pkg.evr.release ?? ""}`
              : "",
            status: statusOf(g, name, b),
            lastBuild: b?.id ?? null,
            repos: versions.get(name) ?? {},
          };
        }),
      };
    },
  );

  app.get(
    `${API_PREFIX}/packages/:name`,
    {
      schema: {
        summary:
          "One package: what it build-requires, what requires it, its versions in each repository, its builds",
        params: z.object({ name: z.string().max(200) }),
        response: { 200: PackageDetail, ...errors },
      },
    },
    async (req) => {
      const g = farm.graph;
      const name = req.params.name;
      if (!g.graph.names.includes(name)) throw unknownPackages([name]);
      const pkg = g.graph.packages.get(name);
      const builds = await db
        .selectFrom("builds")
        .select(["id", "status", "evr", "reason", "created_at", "duration_ms", "same_output_as"])
        .where("package", "=", name)
        .orderBy("id", "desc")
        .limit(50)
        .execute();
      const versions = await repoVersions();
      return {
        name,
        status: statusOf(g, name, builds[0]),
        evr: pkg ? `${pkg.evr.version}-${pkg.evr.release ?? ""}` : "",
        specFile: pkg?.specFile ?? `packages/${name}/${name}.spec`,
        binaries: pkg?.binaries.map((b) => b.name) ?? [],
        needs: [...(g.graph.deps.get(name) ?? [])].filter((d) => d !== name).sort(),
        neededBy: [...(g.graph.rdeps.get(name) ?? [])].filter((d) => d !== name).sort(),
        fromHost: (g.graph.resolutions.get(name) ?? []).filter((r) => r.host).map((r) => r.text),
        errors: (packageErrors(g).get(name) ?? []).map((e) => e.format()),
        repos: versions.get(name) ?? {},
        builds: builds.map((b) => ({
          id: b.id,
          status: buildStatus(b),
          evr: b.evr,
          reason: b.reason,
          createdAt: b.created_at,
          durationMs: b.duration_ms,
        })),
      };
    },
  );

  app.get(
    `${API_PREFIX}/graph`,
    {
      schema: {
        summary:
          "A package's neighbourhood in the dependency graph (what it needs, what needs it), to a depth, coloured by state",
        querystring: z.object({
          package: z.string().max(200),
          depth: z.coerce.number().int().min(1).max(10).default(2),
          direction: z.enum(["both", "up", "down"]).default("both"),
          max: z.coerce.number().int().min(10).max(1000).default(150),
        }),
        response: { 200: GraphView, ...errors },
      },
    },
    async (req) => {
      const g = farm.graph;
      const { package: center, depth, direction, max } = req.query;
      if (!g.graph.names.includes(center)) throw unknownPackages([center]);
      // Breadth first from the package, up (what it needs) and down (what needs it), never more
      // than `max` nodes: a large set is shown a neighbourhood at a time.
      const seen = new Set([center]);
      let truncated = false;
      const walk = (edges: ReadonlyMap<string, ReadonlySet<string>>): void => {
        let frontier = [center];
        for (let d = 1; d <= depth && frontier.length > 0; d++) {
          const next: string[] = [];
          for (const n of frontier) {
            for (const m of [...(edges.get(n) ?? [])].sort()) {
              if (seen.has(m) || m === n) continue;
              if (seen.size >= max) {
                truncated = true;
                return;
              }
              seen.add(m);
              next.push(m);
            }
          }
          frontier = next;
        }
      };
      if (direction !== "down") walk(g.graph.deps);
      if (direction !== "up") walk(g.graph.rdeps);
      const latest = await latestBuilds();
      const nodes = [...seen].sort().map((name) => ({
        name,
        status: statusOf(g, name, latest.get(name)),
        build: latest.get(name)?.id ?? null,
        center: name === center,
      }));
      const edges: { from: string; to: string }[] = [];
      for (const n of seen) {
        for (const d of g.graph.deps.get(n) ?? []) if (d !== n && seen.has(d)) edges.push({ from: d, to: n });
      }
      return { center, nodes, edges, truncated };
    },
  );

  app.get(
    `${API_PREFIX}/requests`,
    {
      schema: {
        summary: "Recent build requests, newest first",
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(200).default(20),
          status: z.enum(["active", "done", "cancelled"]).optional(),
        }),
        response: { 200: z.object({ requests: z.array(RequestView) }), ...errors },
      },
    },
    async (req) => {
      let q = db.selectFrom("requests").select("id").orderBy("id", "desc").limit(req.query.limit);
      if (req.query.status) q = q.where("status", "=", req.query.status);
      const ids = await q.execute();
      const out = [];
      for (const { id } of ids) out.push((await requestView(db, id, leaseMs))!);
      return { requests: out };
    },
  );

  app.get(
    `${API_PREFIX}/requests/:id/waves`,
    {
      schema: {
        summary: "A request's packages in waves (what can build in parallel), each with where it stands",
        params: z.object({ id: z.coerce.number().int().positive() }),
        response: { 200: WavesView, ...errors },
      },
    },
    async (req) => {
      const r = await requestView(db, req.params.id, leaseMs);
      if (!r) throw new HttpError(404, `no request ${req.params.id}`, "NOT_FOUND");
      const byName = new Map(r.packages.map((p) => [p.package, p]));
      const ws = waves(new Set(byName.keys()), farm.graph.graph.order);
      const placed = new Set(ws.flat());
      // A package the graph cannot order (on a cycle, or no longer in the set) goes last.
      const rest = [...byName.keys()].filter((n) => !placed.has(n)).sort();
      return {
        request: r.id,
        status: r.status,
        waves: [...ws, ...(rest.length ? [rest] : [])].map((w) =>
          w.map((name) => {
            const p = byName.get(name)!;
            return { package: name, status: p.status, build: p.build };
          }),
        ),
        upToDate: r.upToDate,
      };
    },
  );
};
