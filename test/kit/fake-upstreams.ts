// Fake upstreams on 127.0.0.1: ONE HTTP server that answers at the paths GitHub, GitLab, PyPI,
// RubyGems, Packagist, PECL and npm use (point `endpoints` at it), serves directory listings,
// tarballs and git repositories (dumb HTTP), from a model the test changes as it goes. Every
// JSON/XML/HTML answer has an ETag and Last-Modified and honours If-None-Match/If-Modified-Since;
// GitHub counts its rate limit and can be made to refuse (403), any service to throttle (429).
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve, sep } from "node:path";
import type { Endpoints } from "../../src/watch/sources/source.js";
import { afterAllTests } from "./cleanup.js";
import * as a from "./fake-upstream-answers.js";
import type { Doc, FakeRelease, FakeReleaseInput, FakeService } from "./fake-upstream-answers.js";

export type { FakeFile, FakeReleaseInput, FakeService } from "./fake-upstream-answers.js";

export interface LoggedRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  headers: IncomingMessage["headers"];
  status: number;
}

export interface FakeUpstreams {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Every service pointed at this server. */
  endpoints: Endpoints;
  addRelease(service: FakeService, project: string, release: FakeReleaseInput): void;
  /** Takes a release away (a deleted tag, an unpublished version); false if there was none. */
  removeRelease(service: FakeService, project: string, version: string): boolean;
  /** The URL of a release's file (by default its one tarball). */
  tarballUrl(service: FakeService, project: string, version: string, name?: string): string;
  /** The URL of `/dist/<project>/`, an Apache-style listing of the project's files. */
  listingUrl(project: string): string;
  /** Serves a bare git repository's directory at /git/<name>.git (dumb HTTP); returns its URL. */
  serveGit(name: string, bareDir: string): string;
  /** GitHub answers 403 with X-RateLimit-Remaining: 0 (on), or counts afresh (off). */
  rateLimitGitHub(on: boolean, resetAt?: Date): void;
  /** A service (or every one) answers 429 with Retry-After; null to stop. */
  throttle(service: FakeService | "all" | null, retryAfterSeconds?: number): void;
  /** How many requests have a path (and query) starting with `pathPrefix`. */
  requests(pathPrefix?: string): number;
  log: LoggedRequest[];
  close(): Promise<void>;
}

interface Project {
  releases: FakeRelease[];
  /** Last-Modified, whole seconds, later than every earlier answer's. */
  modified: number;
}

type Routed =
  | { service: FakeService | "git"; doc: Doc; project: Project }
  | { service: FakeService | "git"; file: Buffer }
  | { service: FakeService | "git"; redirect: string }
  | { service: FakeService | "git"; missing: string };

const GITHUB_LIMIT = { anonymous: 60, token: 5000 };

/** Starts the fake upstreams on a free port; closed after the test file. */
export async function startFakeUpstreams(): Promise<FakeUpstreams> {
  const projects = new Map<string, Project>();
  const files = new Map<string, Buffer>();
  const gits = new Map<string, string>();
  const log: LoggedRequest[] = [];
  let githubUsed = 0;
  let githubForced = false;
  let githubReset = Math.floor(Date.now() / 1000) + 3600;
  let throttled: { service: FakeService | "all"; after: number } | undefined;

  const key = (service: FakeService, project: string): string => `${service}\0${project.toLowerCase()}`;
  const projectOf = (service: FakeService, project: string): Project => {
    let p = projects.get(key(service, project));
    if (!p) projects.set(key(service, project), (p = { releases: [], modified: 0 }));
    return p;
  };
  const touch = (p: Project): void => {
    p.modified = Math.max(Math.floor(Date.now() / 1000), p.modified + 1);
  };

  /** The project as the test spelled it (lookups ignore case, as the registries do). */
  const projectNames = new Map<string, string>();
  const serviceOfFile = (path: string): FakeService => {
    for (const [k, p] of projects)
      if (p.releases.some((r) => r.files.some((f) => f.path === path)))
        return k.split("\0")[0] as FakeService;
    return "dist";
  };

  let base = "";
  const routes = (u: URL, accept: string): Routed | undefined => {
    const path = u.pathname;
    const doc = (service: FakeService, project: string, f: (rs: FakeRelease[]) => Doc): Routed => {
      const p = projects.get(key(service, project));
      if (!p || p.releases.length === 0) return { service, missing: `no ${service} project ${project}` };
      return { service, doc: f(p.releases), project: p };
    };
    let m: RegExpExecArray | null;
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/(releases|tags)$/.exec(path))) {
      const project = `${m[1]}/${m[2]}`;
      const what = m[3];
      return doc("github", project, (rs) =>
        githubPage(
          u,
          what === "tags" ? a.githubTags(base, project, rs) : a.githubReleases(base, project, rs),
        ),
      );
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/tarball\/(?:refs\/tags\/)?(.+)$/.exec(path))) {
      const tag = decodeURIComponent(m[3]!);
      const r = projects.get(key("github", `${m[1]}/${m[2]}`))?.releases.find((x) => x.version === tag);
      return r?.files[0]
        ? { service: "github", redirect: base + r.files[0].path }
        : { service: "github", missing: `no tag ${tag}` };
    }
    if ((m = /^\/api\/v4\/projects\/([^/]+)\/repository\/tags$/.exec(path))) {
      const project = decodeURIComponent(m[1]!);
      return doc("gitlab", project, (rs) => gitlabPage(u, a.gitlabTags(project, rs)));
    }
    if ((m = /^\/pypi\/([^/]+)\/json$/.exec(path)))
      return doc("pypi", m[1]!, (rs) => a.pypiProject(base, m![1]!, rs));
    if ((m = /^\/simple\/([^/]+)\/$/.exec(path)))
      return doc("pypi", m[1]!, (rs) => a.pypiSimple(base, m![1]!, rs));
    if ((m = /^\/api\/v1\/versions\/([^/]+)\.json$/.exec(path)))
      return doc("rubygems", m[1]!, (rs) => a.rubygemsVersions(m![1]!, rs));
    if ((m = /^\/p2\/([^/]+\/[^/~]+)\.json$/.exec(path)))
      return doc("packagist", m[1]!, (rs) => a.packagistP2(base, m![1]!, rs));
    if ((m = /^\/rest\/r\/([^/]+)\/allreleases\.xml$/.exec(path))) {
      const name = projectNames.get(key("pecl", m[1]!)) ?? m[1]!;
      return doc("pecl", m[1]!, (rs) => a.peclAllReleases(name, rs));
    }
    if ((m = /^\/dist\/(.+)\/$/.exec(path)))
      return doc("dist", decodeURIComponent(m[1]!), (rs) =>
        a.directoryListing(decodeURIComponent(m![1]!), rs),
      );
    const file = files.get(path);
    if (file) return { service: serviceOfFile(path), file };
    if ((m = /^\/git\/([^/]+\.git)\/(.+)$/.exec(path))) {
      const dir = gits.get(m[1]!);
      const f = dir && resolve(dir, decodeURIComponent(m[2]!));
      if (!dir || !f || !f.startsWith(dir + sep) || !existsSync(f) || !statSync(f).isFile())
        return { service: "git", missing: "no such git file" };
      return { service: "git", file: readFileSync(f) };
    }
    if ((m = /^\/((?:@[^/]+(?:\/|%2F))?[^/@]+)$/i.exec(path))) {
      const project = decodeURIComponent(m[1]!);
      return doc("npm", project, (rs) =>
        a.npmDocument(base, project, rs, accept.includes("application/vnd.npm.install-v1+json")),
      );
    }
    return undefined;
  };
  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    const u = new URL(req.url ?? "/", base);
    const send = (
      status: number,
      headers: Record<string, string | number>,
      body: string | Buffer = "",
    ): void => {
      log.push({ method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers, status });
      res.writeHead(status, headers);
      res.end(req.method === "HEAD" ? undefined : body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, { allow: "GET, HEAD" });
    const routed = routes(u, String(req.headers.accept ?? ""));
    if (!routed) return send(404, { "content-type": "text/plain" }, "Not Found\n");
    const service = routed.service;
    if (throttled && service !== "git" && (throttled.service === "all" || throttled.service === service)) {
      return send(
        429,
        { "retry-after": throttled.after, "content-type": "text/plain" },
        "Too Many Requests\n",
      );
    }
    const extra: Record<string, string | number> = {};
    if (service === "github" && u.pathname.startsWith("/repos/")) {
      const limit = req.headers.authorization ? GITHUB_LIMIT.token : GITHUB_LIMIT.anonymous;
      Object.assign(extra, {
        "x-ratelimit-limit": limit,
        "x-ratelimit-reset": githubReset,
        "x-ratelimit-resource": "core",
      });
      if (githubForced || githubUsed >= limit) {
        const message = {
          message: "API rate limit exceeded for 127.0.0.1.",
          documentation_url: "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting",
        };
        return send(
          403,
          {
            ...extra,
            "x-ratelimit-remaining": 0,
            "x-ratelimit-used": limit,
            "content-type": "application/json",
          },
          JSON.stringify(message),
        );
      }
      extra["x-ratelimit-remaining"] = limit - ++githubUsed;
      extra["x-ratelimit-used"] = githubUsed;
    }
    if ("missing" in routed)
      return send(
        404,
        { ...extra, "content-type": "application/json" },
        JSON.stringify({ message: "Not Found" }),
      );
    if ("redirect" in routed) return send(302, { ...extra, location: routed.redirect });
    if ("file" in routed)
      return send(
        200,
        { "content-type": "application/octet-stream", "content-length": routed.file.length },
        routed.file,
      );
    const { doc, project } = routed;
    const etag = `"${createHash("sha1").update(doc.body).digest("hex")}"`;
    const lastModified = new Date(project.modified * 1000).toUTCString();
    Object.assign(extra, { etag, "last-modified": lastModified, "cache-control": "max-age=0" }, doc.headers);
    if (notModified(req, etag, project.modified)) return send(304, extra);
    send(200, { ...extra, "content-type": doc.contentType }, doc.body);
  };

  const server = createServer((req, res) => {
    try {
      answer(req, res);
    } catch (e) {
      // A bug in the fake must fail the test that met it, not hang it.
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(`fake upstream failed: ${(e as Error).stack}\n`);
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = (): Promise<void> =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  afterAllTests(() => (server.listening ? close() : undefined));

  return {
    url: base,
    endpoints: {
      github: base,
      gitlab: base,
      pypi: base,
      rubygems: base,
      packagist: base,
      pecl: base,
      npm: base,
    },
    log,
    addRelease(service, project, release) {
      const p = projectOf(service, project);
      projectNames.set(key(service, project), project);
      const stored = a.storeFiles(service, project, release);
      for (const f of stored) files.set(f.path, f.bytes);
      const { files: _given, ...rest } = release;
      p.releases.push({
        ...rest,
        publishedAt: release.publishedAt ?? new Date().toISOString(),
        files: stored,
      });
      touch(p);
    },
    removeRelease(service, project, version) {
      const p = projects.get(key(service, project));
      const i = p?.releases.findIndex((r) => r.version === version) ?? -1;
      if (!p || i < 0) return false;
      for (const f of p.releases[i]!.files) files.delete(f.path);
      p.releases.splice(i, 1);
      touch(p);
      return true;
    },
    tarballUrl: (service, project, version, name) =>
      base + a.filePath(service, project, version, name ?? a.defaultFileName(service, project, version)),
    listingUrl: (project) => `${base}/dist/${project.split("/").map(encodeURIComponent).join("/")}/`,
    serveGit(name, bareDir) {
      const n = name.endsWith(".git") ? name : `${name}.git`;
      gits.set(n, resolve(bareDir));
      return `${base}/git/${n}`;
    },
    rateLimitGitHub(on, resetAt) {
      githubForced = on;
      if (!on) githubUsed = 0;
      if (resetAt) githubReset = Math.floor(resetAt.getTime() / 1000);
    },
    throttle(service, retryAfterSeconds = 60) {
      throttled = service ? { service, after: retryAfterSeconds } : undefined;
    },
    requests: (prefix = "/") => log.filter((l) => l.path.startsWith(prefix)).length,
    close,
  };
}

/** If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2). */
function notModified(req: IncomingMessage, etag: string, modified: number): boolean {
  const inm = req.headers["if-none-match"];
  if (inm) return inm.split(",").some((t) => t.trim().replace(/^W\//, "") === etag || t.trim() === "*");
  const ims = req.headers["if-modified-since"];
  const since = ims ? Date.parse(ims) : NaN;
  return !Number.isNaN(since) && modified * 1000 <= since;
}

/** One page of a GitHub list (per_page, page) and its Link header. */
function githubPage(u: URL, all: unknown[]): Doc {
  const { items, page, pages, perPage } = paginate(u, all);
  const link = (n: number, rel: string): string => {
    const x = new URL(u);
    x.searchParams.set("per_page", String(perPage));
    x.searchParams.set("page", String(n));
    return `<${x.href}>; rel="${rel}"`;
  };
  const links = [];
  if (page < pages) links.push(link(page + 1, "next"), link(pages, "last"));
  if (page > 1) links.push(link(1, "first"), link(page - 1, "prev"));
  return {
    contentType: "application/json; charset=utf-8",
    body: JSON.stringify(items),
    headers: links.length ? { link: links.join(", ") } : {},
  };
}

/** One page of a GitLab list and its x-* pagination headers. */
function gitlabPage(u: URL, all: unknown[]): Doc {
  const { items, page, pages, perPage } = paginate(u, all);
  const headers = {
    "x-page": String(page),
    "x-per-page": String(perPage),
    "x-total": String(all.length),
    "x-total-pages": String(pages),
    "x-next-page": page < pages ? String(page + 1) : "",
    "x-prev-page": page > 1 ? String(page - 1) : "",
  };
  return { contentType: "application/json", body: JSON.stringify(items), headers };
}

function paginate(
  u: URL,
  all: unknown[],
): { items: unknown[]; page: number; pages: number; perPage: number } {
  const perPage = Math.min(100, Math.max(1, Number(u.searchParams.get("per_page") ?? 30) || 30));
  const page = Math.max(1, Number(u.searchParams.get("page") ?? 1) || 1);
  return {
    items: all.slice((page - 1) * perPage, page * perPage),
    page,
    pages: Math.max(1, Math.ceil(all.length / perPage)),
    perPage,
  };
}
