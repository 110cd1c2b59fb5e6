// Kiln's repositories over HTTP: each one's current snapshot at /repos/NAME/ (what dnf and zypper
// read), a ready .repo file at /repos/NAME.repo, and the API to see, promote, demote and audit.
import { createReadStream, existsSync, readFileSync, realpathSync } from "node:fs";
import { stat } from "node:fs/promises";
import { join, normalize, sep } from "node:path";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { API_PREFIX, HistoryEntry, MovedView, PromotionResult, RepositoryView } from "../../api/schemas.js";
import type { SetConfig } from "../../config/set-config.js";
import { getRepository, heldBuilds, repositoryContent, repositoryHistory } from "../../db/repos.js";
import { PromotionRefusedError } from "../../repos/promote.js";
import { scrub } from "../../repos/scrub.js";
import { PUBLIC_KEY, snapshotsDir } from "../../repos/publish.js";
import { sha256File } from "../../util/hash.js";
import { UserError } from "../../util/errors.js";
import type { Deps } from "../app.js";
import { userName } from "../auth.js";
import { ERRORS as errors, HttpError } from "../http-error.js";
import type { Repositories } from "../../repos/repositories.js";
import { evrsOf } from "../views.js";

const TYPES: Record<string, string> = {
  ".xml": "application/xml",
  ".gz": "application/gzip",
  ".zst": "application/zstd",
  ".rpm": "application/x-rpm",
  ".asc": "text/plain; charset=utf-8",
};

export const repoRoutes: FastifyPluginAsyncZod<
  Deps<"db" | "data" | "store" | "config" | "auth", "publisher" | "changed"> & {
    repos: Pick<Repositories, "promote" | "demote">;
    /** The server's own URL (--public-url, else where it listens): never the request's Host header,
     * which a client chooses and which would end up in the .repo files others install from. */
    publicUrl: () => string;
  }
> = async (app, { db, data, store, config, auth, repos, farm, publicUrl }) => {
  /** The settings of repository `name`, or a 404 naming the others. */
  const known = (name: string): SetConfig["repositories"][number] => {
    const all = config().repositories;
    const r = all.find((x) => x.name === name);
    if (!r)
      throw new HttpError(
        404,
        `no repository ${name} (there are ${all.map((x) => x.name).join(", ")})`,
        "NOT_FOUND",
      );
    return r;
  };

  // ---- what clients read ----

  app.get(
    "/repos/:file",
    { schema: { hide: true, params: z.object({ file: z.string().max(200) }) } },
    async (req, reply) => {
      const m = /^(.+)\.repo$/.exec(req.params.file);
      if (!m) return reply.redirect(`/repos/${encodeURIComponent(req.params.file)}/`);
      const name = m[1]!;
      const url = `${publicUrl()}/repos/${name}/`;
      const signed = known(name).sign !== undefined;
      return reply
        .type("text/plain; charset=utf-8")
        .send(
          [
            `[kiln-${config().name}-${name}]`,
            `name=${config().name} ${name} (Kiln)`,
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
    const link = data.repoPath(name);
    if (!existsSync(link)) throw new HttpError(404, `repository ${name} has no snapshot yet`, "NOT_FOUND");
    const current = realpathSync(link);
    // A client that read the previous repomd.xml still finds what it names: the snapshots kept
    // beside the current one are looked in after it (metadata file names carry checksums).
    const dirs = [current];
    const row = await getRepository(db, name);
    for (let n = (row?.snapshot ?? 0) - 1; n > 0 && dirs.length < 3; n--) {
      const d = join(snapshotsDir(data, name), String(n));
      if (existsSync(d)) dirs.push(d);
    }
    for (const dir of dirs) {
      const path = join(dir, rel);
      const st = await stat(path).catch(() => undefined);
      if (!st) continue;
      if (st.isDirectory()) {
        if (!req.url.endsWith("/")) return reply.redirect(`${req.url}/`);
        return reply.type("text/plain; charset=utf-8").send(`${name}: ${config().name} (Kiln)\n`);
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
    async () => {
      const out: z.infer<typeof RepositoryView>[] = [];
      for (const r of config().repositories) {
        const row = await getRepository(db, r.name);
        const content = await repositoryContent(db, r.name);
        const held = await heldBuilds(db, r.name);
        const builds = await evrsOf(db, [...new Set([...content.values(), ...[...held.values()].flat()])]);
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
          url: `${publicUrl()}/repos/${r.name}/`,
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
    auth.guarded("maintainer", {
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
    }),
    async (req, reply) => {
      const b = req.body;
      const promotion = {
        packages: b.packages.map((p) => {
          const [name, evr] = p.split("@") as [string, string | undefined];
          return { name, ...(evr ? { evr } : {}) };
        }),
        to: b.to,
        ...(b.from ? { from: b.from } : {}),
        actor: userName(req),
      };
      // A dry run that would be refused is an answer, not an error: 200 with the refusal.
      if (b.dryRun) {
        try {
          const r = await repos.promote({ ...promotion, dryRun: true });
          return reply.code(200).send({ moved: r.moved, snapshot: null });
        } catch (e) {
          if (!(e instanceof PromotionRefusedError)) return refusals(() => Promise.reject(e));
          return reply.code(200).send({ moved: [], snapshot: null, refusal: refusalOf(e) });
        }
      }
      const r = await refusals(() =>
        repos.promote({ ...promotion, ...(b.reason ? { reason: b.reason } : {}) }),
      );
      return reply.code(201).send({ moved: r.moved, snapshot: r.snapshot?.snapshot ?? null });
    },
  );

  app.post(
    `${API_PREFIX}/demotions`,
    auth.guarded("maintainer", {
      summary: "Roll a package back in a repository to the build it held before (or remove it): audited",
      body: z.object({ package: z.string(), repo: z.string(), reason: z.string().max(1000).optional() }),
      response: { 201: MovedView, ...errors },
    }),
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
    auth.guarded("admin", {
      summary:
        "Check every stored artifact and repository file against its sha256; repair or take out what is damaged",
    }),
    async () => {
      const report = await scrub({ db, data, store, otherStores: data.agentStores() });
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
      const evr = await evrsOf(db, ids);
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
    if (e instanceof PromotionRefusedError) throw new HttpError(409, e.message, e.code, refusalOf(e));
    if (e instanceof UserError) throw new HttpError(400, e.message, e.code);
    throw e;
  }
}

/** What a refused promotion says: why, what is missing, what would make it go through. */
function refusalOf(e: PromotionRefusedError) {
  return {
    headline: e.headline,
    reasons: e.reasons,
    missing: e.missing,
    suggest: e.suggest,
    ...(e.hint ? { hint: e.hint } : {}),
  };
}
