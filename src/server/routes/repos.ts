// Kiln's repositories over HTTP: each one's current snapshot at /repos/NAME/ (what dnf and zypper
// read), a ready .repo file at /repos/NAME.repo, and the API to see, promote, demote and audit.
import { createReadStream, existsSync, readFileSync, realpathSync } from "node:fs";
import { stat } from "node:fs/promises";
import { join, normalize, sep } from "node:path";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  API_PREFIX,
  ErrorBody,
  HistoryEntry,
  MovedView,
  PromotionResult,
  RepositoryView,
} from "../../api/schemas.js";
import { getRepository, heldBuilds, repositoryContent, repositoryHistory } from "../../db/repos.js";
import { PromotionRefusedError } from "../../repos/promote.js";
import { scrub } from "../../repos/scrub.js";
import { PUBLIC_KEY, snapshotsDir } from "../../repos/publish.js";
import { sha256File } from "../../util/hash.js";
import { UserError } from "../../util/errors.js";
import { userName, type Auth } from "../auth.js";
import type { Coordinator } from "../../coordinator/coordinator.js";
import { HttpError } from "../http-error.js";
import type { Repositories } from "../../repos/repositories.js";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

const TYPES: Record<string, string> = {
  ".xml": "application/xml",
  ".gz": "application/gzip",
  ".zst": "application/zstd",
  ".rpm": "application/x-rpm",
  ".asc": "text/plain; charset=utf-8",
};

export const repoRoutes: FastifyPluginAsyncZod<{
  farm: Coordinator;
  auth: Auth;
  repos: Repositories;
  publicUrl: () => string;
}> = async (app, { farm, auth, repos, publicUrl }) => {
  const db = farm.ws.db;
  const names = (): string[] => farm.ws.config.repositories.map((r) => r.name);
  const known = (name: string): void => {
    if (!names().includes(name)) {
      throw new HttpError(404, `no repository ${name} (there are ${names().join(", ")})`, "NOT_FOUND");
    }
  };
  // The server's own URL (--public-url, else where it listens): never the request's Host header,
  // which a client chooses and which would end up in the .repo files others install from.
  const base = (_req: FastifyRequest): string => publicUrl();

  // ---- what clients read ----

  app.get(
    "/repos/:file",
    { schema: { hide: true, params: z.object({ file: z.string().max(200) }) } },
    async (req, reply) => {
      const m = /^(.+)\.repo$/.exec(req.params.file);
      if (!m) return reply.redirect(`/repos/${encodeURIComponent(req.params.file)}/`);
      const name = m[1]!;
      known(name);
      const settings = farm.ws.config.repositories.find((r) => r.name === name)!;
      const url = `${base(req)}/repos/${name}/`;
      const signed = settings.sign !== undefined;
      return reply
        .type("text/plain; charset=utf-8")
        .send(
          [
            `[kiln-${farm.ws.config.name}-${name}]`,
            `name=${farm.ws.config.name} ${name} (Kiln)`,
            `baseurl=${url}`,
            "type=rpm-md",
            "enabled=1",
            "autorefresh=1",
            "metadata_expire=60",
            `gpgcheck=${signed ? 1 : 0}`,
            `repo_gpgcheck=${signed ? 1 : 0}`,
            ...(signed ? [`gpgkey=${url}${PUBLIC_KEY}`] : []),
            "",
          ].join("\n"),
        );
    },
  );

  app.get(
    "/repos/:name/*",
    { schema: { hide: true, params: z.object({ name: z.string().max(200), "*": z.string().max(1000) }) } },
    async (req, reply) => serveRepoFile(req, reply, req.params.name, req.params["*"]),
  );

  async function serveRepoFile(
    req: FastifyRequest,
    reply: FastifyReply,
    name: string,
    rest: string,
  ): Promise<unknown> {
    known(name);
    const rel = normalize(rest || ".");
    if (rel.startsWith("..") || rel.startsWith(sep) || rel.split(sep).includes("..")) {
      throw new HttpError(400, "not a path inside the repository", "BAD_PATH");
    }
    const link = farm.ws.data.repoPath(name);
    if (!existsSync(link)) throw new HttpError(404, `repository ${name} has no snapshot yet`, "NOT_FOUND");
    const current = realpathSync(link);
    // A client that read the previous repomd.xml still finds what it names: the snapshots kept
    // beside the current one are looked in after it (metadata file names carry checksums).
    const dirs = [current];
    const row = await getRepository(db, name);
    for (let n = (row?.snapshot ?? 0) - 1; n > 0 && dirs.length < 3; n--) {
      const d = join(snapshotsDir(farm.ws.data, name), String(n));
      if (existsSync(d)) dirs.push(d);
    }
    for (const dir of dirs) {
      const path = join(dir, rel);
      const st = await stat(path).catch(() => undefined);
      if (!st) continue;
      if (st.isDirectory()) {
        if (!req.url.endsWith("/")) return reply.redirect(`${req.url}/`);
        return reply.type("text/plain; charset=utf-8").send(`${name}: ${farm.ws.config.name} (Kiln)\n`);
      }
      if (rel.endsWith(".rpm")) {
        // The bytes a client installs are the bytes that were stored: checked before a byte goes out.
        const manifest = JSON.parse(readFileSync(join(dir, ".kiln-snapshot.json"), "utf8")) as Record<
          string,
          string
        >;
        const want = manifest[rel.slice(rel.lastIndexOf("/") + 1)];
        if (want) {
          const actual = await sha256File(path);
          if (actual !== want) {
            await db
              .insertInto("damaged_artifacts")
              .values({
                sha256: want,
                found_at: new Date().toISOString(),
                detail: `served from ${name}: sha256 ${actual}`,
              })
              .onConflict((oc) => oc.column("sha256").doNothing())
              .execute();
            throw new HttpError(
              500,
              `${rel} is damaged (its sha256 is ${actual}); it is not served`,
              "CORRUPT",
            );
          }
          reply.header("x-kiln-sha256", want);
        }
      }
      const ext = rel.slice(rel.lastIndexOf("."));
      reply.header("cache-control", rel.startsWith("repodata/repomd") ? "no-cache" : "max-age=60");
      return reply.type(TYPES[ext] ?? "application/octet-stream").send(createReadStream(path));
    }
    throw new HttpError(404, `no ${rel} in repository ${name}`, "NOT_FOUND");
  }

  // ---- the API ----

  app.get(
    `${API_PREFIX}/repositories`,
    {
      schema: {
        summary: "The repositories: each package's build and version, the older builds kept, the rules",
        response: { 200: z.object({ repositories: z.array(RepositoryView) }), ...errors },
      },
    },
    async (req) => {
      const out: z.infer<typeof RepositoryView>[] = [];
      for (const r of farm.ws.config.repositories) {
        const row = await getRepository(db, r.name);
        const content = await repositoryContent(db, r.name);
        const held = await heldBuilds(db, r.name);
        const ids = [...new Set([...content.values(), ...[...held.values()].flat()])];
        const builds = new Map(
          (ids.length
            ? await db.selectFrom("builds").select(["id", "evr"]).where("id", "in", ids).execute()
            : []
          ).map((b) => [b.id, b.evr]),
        );
        const published = new Map(
          (await db.selectFrom("repo_packages").selectAll().where("repo", "=", r.name).execute()).map((p) => [
            p.package,
            p.published_at,
          ]),
        );
        out.push({
          name: r.name,
          description: r.description ?? null,
          snapshot: row?.snapshot ?? 0,
          keep: r.keep,
          signed: r.sign !== undefined,
          url: `${base(req)}/repos/${r.name}/`,
          promote: {
            from: r.promote?.from ?? null,
            soakSeconds: r.promote?.soak ?? null,
            requireStages: r.promote?.["require-stages"] ?? null,
          },
          packages: [...content]
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([pkg, build]) => ({
              package: pkg,
              build,
              evr: builds.get(build) ?? "",
              publishedAt: published.get(pkg) ?? "",
              kept: (held.get(pkg) ?? [])
                .filter((b) => b !== build)
                .slice(0, r.keep - 1)
                .map((b) => ({ build: b, evr: builds.get(b) ?? "" })),
            })),
        });
      }
      return { repositories: out };
    },
  );

  app.post(
    `${API_PREFIX}/promotions`,
    {
      preHandler: auth.requireRole("maintainer"),
      schema: {
        summary:
          "Promote builds (PKG or PKG@VERSION-RELEASE) into a repository: gated, closure-checked, audited",
        body: z.object({
          packages: z
            .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*(@[^@\s]+)?$/, "PKG or PKG@VERSION-RELEASE"))
            .min(1)
            .max(1000),
          to: z.string(),
          from: z.string().optional(),
          reason: z.string().max(1000).optional(),
          /** Check everything and say what would move; change nothing (answered 200). */
          dryRun: z.boolean().default(false),
        }),
        response: { 200: PromotionResult, 201: PromotionResult, ...errors },
        security: [{ bearer: [] }],
      },
    },
    async (req, reply) => {
      const b = req.body;
      const packages = b.packages.map((p) => {
        const [name, evr] = p.split("@") as [string, string | undefined];
        return { name, ...(evr ? { evr } : {}) };
      });
      // A dry run that would be refused is an answer, not an error: 200 with the refusal.
      if (b.dryRun) {
        try {
          const r = await repos.promote({
            packages,
            to: b.to,
            ...(b.from ? { from: b.from } : {}),
            actor: userName(req),
            dryRun: true,
          });
          return reply.code(200).send({ moved: r.moved, snapshot: null });
        } catch (e) {
          if (!(e instanceof PromotionRefusedError)) return refusals(() => Promise.reject(e));
          return reply.code(200).send({
            moved: [],
            snapshot: null,
            refusal: {
              headline: e.headline,
              reasons: e.reasons,
              missing: e.missing,
              suggest: e.suggest,
              ...(e.hint ? { hint: e.hint } : {}),
            },
          });
        }
      }
      const r = await refusals(() =>
        repos.promote({
          packages,
          to: b.to,
          ...(b.from ? { from: b.from } : {}),
          actor: userName(req),
          ...(b.reason ? { reason: b.reason } : {}),
        }),
      );
      return reply.code(201).send({ moved: r.moved, snapshot: r.snapshot?.snapshot ?? null });
    },
  );

  app.post(
    `${API_PREFIX}/demotions`,
    {
      preHandler: auth.requireRole("maintainer"),
      schema: {
        summary: "Roll a package back in a repository to the build it held before (or remove it): audited",
        body: z.object({ package: z.string(), repo: z.string(), reason: z.string().max(1000).optional() }),
        response: { 201: MovedView, ...errors },
        security: [{ bearer: [] }],
      },
    },
    async (req, reply) => {
      const moved = await refusals(() =>
        repos.demote({
          package: req.body.package,
          repo: req.body.repo,
          actor: userName(req),
          ...(req.body.reason ? { reason: req.body.reason } : {}),
        }),
      );
      return reply.code(201).send(moved);
    },
  );

  app.post(
    `${API_PREFIX}/scrub`,
    {
      preHandler: auth.requireRole("admin"),
      schema: {
        summary:
          "Check every stored artifact and repository file against its sha256; repair or take out what is damaged",
        security: [{ bearer: [] }],
      },
    },
    async () => {
      const ws = farm.ws;
      const report = await scrub({
        db,
        data: ws.data,
        store: ws.store,
        otherStores: ws.data.agentStores(),
      });
      // What was found damaged is no longer up to date: the repository is read again.
      await farm.publisher.exclusive(() => Promise.resolve());
      farm.changed();
      return report;
    },
  );

  app.get(
    `${API_PREFIX}/history`,
    {
      schema: {
        summary: "What went in and out of the repositories: who, when, what, from where, why",
        querystring: z.object({
          repo: z.string().optional(),
          package: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(10_000).default(100),
        }),
        response: { 200: z.object({ entries: z.array(HistoryEntry) }), ...errors },
      },
    },
    async (req) => {
      const rows = await repositoryHistory(db, req.query);
      const ids = [...new Set(rows.flatMap((r) => (r.build_id !== null ? [r.build_id] : [])))];
      const evr = new Map(
        (ids.length
          ? await db.selectFrom("builds").select(["id", "evr"]).where("id", "in", ids).execute()
          : []
        ).map((b) => [b.id, b.evr]),
      );
      return {
        entries: rows.map((r) => ({
          id: r.id,
          repo: r.repo,
          package: r.package,
          action: r.action,
          build: r.build_id,
          evr: r.build_id !== null ? (evr.get(r.build_id) ?? null) : null,
          previousBuild: r.previous_build_id,
          from: r.from_repo,
          actor: r.actor,
          reason: r.reason,
          at: r.created_at,
        })),
      };
    },
  );
};

/** A refused promotion or demotion as a 409 with its reasons and what would make it go through. */
async function refusals<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof PromotionRefusedError) {
      throw new HttpError(409, e.message, e.code, {
        headline: e.headline,
        reasons: e.reasons,
        missing: e.missing,
        suggest: e.suggest,
        ...(e.hint ? { hint: e.hint } : {}),
      });
    }
    if (e instanceof UserError) throw new HttpError(400, e.message, e.code);
    throw e;
  }
}
