// The interface every upstream protocol module implements, and the checks they share. A source is
// pure: it says which URL to ask first and turns each answer into releases (and the next page to
// ask, if any). The fetcher (http.ts) does the asking: conditional requests, tokens per service,
// rate limits and size caps. Everything an upstream answers is untrusted and checked by a schema.
import type { z } from "zod";
import type { Release, VersionScheme } from "../types.js";

export { DEFAULT_ENDPOINTS, type Endpoints, type ServiceName } from "../../config/upstream-services.js";
import type { Endpoints, ServiceName } from "../../config/upstream-services.js";

export interface UpstreamRequest {
  url: string;
  accept?: string;
  /** Which service's token and rate limit apply; none for a page anywhere else. */
  service?: ServiceName;
}

export interface UpstreamPage {
  status: number;
  headers: Headers;
  body: string;
}

export interface SourceDef<W> {
  /** The default ordering for this source's versions (the watch's `scheme` overrides it). */
  scheme: VersionScheme;
  first(watch: W, endpoints: Endpoints): UpstreamRequest;
  /** Parses one 2xx page; `next` for pagination (GitHub Link header, GitLab x-next-page), at most a few pages. */
  parse(
    page: UpstreamPage,
    watch: W,
    request: UpstreamRequest,
  ): { releases: Release[]; next?: UpstreamRequest };
}

/** More releases than this from one source are ignored (no real project has them; a hostile one might). */
export const MAX_RELEASES = 5000;
/** Paginated sources follow at most this many pages (100 releases each). */
export const MAX_PAGES = 10;

/** At most MAX_RELEASES, keeping the newest end of the upstream's own order. */
export function capReleases(releases: Release[], order: "newest-first" | "oldest-first"): Release[] {
  if (releases.length <= MAX_RELEASES) return releases;
  return order === "newest-first" ? releases.slice(0, MAX_RELEASES) : releases.slice(-MAX_RELEASES);
}

/** The host a request went to, to name the upstream in errors ("pypi.org answered …"). */
export function hostOf(request: UpstreamRequest): string {
  try {
    return new URL(request.url).host;
  } catch {
    return request.url;
  }
}

/** `base` (an endpoint, perhaps with a trailing slash) and an absolute path. */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, "") + path;
}

/** The answer's JSON body, checked by `schema`; `what` names what was expected ("a PyPI project"). */
export function parseJson<S extends z.ZodType>(
  page: UpstreamPage,
  request: UpstreamRequest,
  schema: S,
  what: string,
): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(page.body);
  } catch {
    throw new Error(
      `${hostOf(request)} answered ${request.url} with something that is not JSON (expected ${what})`,
    );
  }
  return checked(value, request, schema, `JSON that is not ${what}`);
}

/** `value` checked by `schema`, or an error naming the upstream, the first problem and where. */
export function checked<S extends z.ZodType>(
  value: unknown,
  request: UpstreamRequest,
  schema: S,
  answered: string,
): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const at = issue && issue.path.length > 0 ? ` at ${issue.path.map(String).join(".")}` : "";
  throw new Error(`${hostOf(request)} answered ${answered}${at}: ${issue?.message ?? "malformed"}`);
}

/** A Date-parsable timestamp as ISO-8601, or undefined (upstreams write several formats). */
export function isoTime(s: string | null | undefined): string | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/**
 * Whether a next-page URL an upstream gave is where this source may go: the same origin, a later
 * page than this one (no loops) and within MAX_PAGES.
 */
export function followable(next: string, request: UpstreamRequest): URL | undefined {
  let u: URL;
  try {
    u = new URL(next, request.url);
  } catch {
    return undefined;
  }
  // A Link header pointing elsewhere would make Kiln send the service's token there.
  if (u.origin !== new URL(request.url).origin) return undefined;
  const page = (x: URL): number => Number(x.searchParams.get("page") ?? "1");
  const n = page(u);
  if (!Number.isInteger(n) || n <= page(new URL(request.url)) || n > MAX_PAGES) return undefined;
  return u;
}
