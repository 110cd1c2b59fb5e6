// One look at one watch: ask its upstream (every page, from the conditional-request cache where
// nothing changed), choose the newest release its rules accept, and say in words what was seen.
// The set's regular expressions and the upstream's answers are untrusted, so parsing and choosing
// run under a time limit; any failure is an outcome with a sentence, never an exception.
import type { WatchSeen } from "../api/watch-schemas.js";
import type { WatchConfig } from "../config/watch-schema.js";
import { lsRemoteTags } from "./git-tags.js";
import { UpstreamError, type UpstreamFetcher } from "./http.js";
import { selectRelease } from "./select.js";
import { parseLsRemoteTags } from "./sources/git.js";
import { sourceFor } from "./sources/index.js";
import type { Endpoints, UpstreamRequest } from "./sources/source.js";
import { TimeLimitError, withTimeLimit } from "./time-limit.js";
import type { Release, SourceAnswer } from "./types.js";
import type { RpmVersion } from "./versions.js";

/** Pages of one source's answer followed at most (GitHub and GitLab list 100 per page). */
const MAX_PAGES = 5;
const SKIPPED_KEPT = 20;

export interface LookContext {
  fetcher: UpstreamFetcher;
  endpoints: Endpoints;
  allowPrivate: boolean;
  timeoutMs: number;
  maxBytes: number;
  /** Longest that parsing an answer or choosing a release may take. */
  cpuMs?: number;
  now?: Date;
  signal?: AbortSignal;
}

export interface LookResult {
  outcome: "newer" | "current" | "error";
  note: string;
  newest?: string;
  newestRaw?: string;
  /** How the newest goes into the spec (Version, and an Epoch when the upstream has one). */
  rpm?: RpmVersion;
  release?: Release;
  error?: string;
  seen?: WatchSeen;
  /** The upstream asked not to be asked again before this. */
  retryAt?: Date;
}

/** Says what the watch looks at, for lists and logs: "pypi requests", "git https://…". */
export function describeSource(w: WatchConfig): string {
  if (w.source === "regex") return `regex over ${w.page}`;
  if (w.source === "git") return `git tags of ${w.repository}`;
  if (w.source === "gitlab-tags" && w.host) return `gitlab-tags ${w.project} on ${w.host}`;
  return `${w.source} ${w.project}`;
}

async function releasesOf(w: WatchConfig, ctx: LookContext, seen: WatchSeen): Promise<SourceAnswer> {
  const cpuMs = ctx.cpuMs ?? 2000;
  if (w.source === "git") {
    const out = await lsRemoteTags(w, ctx);
    seen.requests++;
    return {
      releases: withTimeLimit("reading the tags", cpuMs, () => parseLsRemoteTags(out)),
      scheme: "rpm",
    };
  }
  const def = sourceFor(w);
  const releases: Release[] = [];
  let req: UpstreamRequest | undefined = def.first(w as never, ctx.endpoints);
  for (let page = 0; req && page < MAX_PAGES; page++) {
    const answer = await ctx.fetcher.get(req, ctx.signal);
    seen.requests++;
    if (answer.fromCache) seen.fromCache++;
    const at: UpstreamRequest = req;
    const parsed = withTimeLimit(`reading ${new URL(at.url).host}'s answer`, cpuMs, () =>
      def.parse(answer, w as never, at),
    );
    releases.push(...parsed.releases);
    req = parsed.next;
  }
  return { releases, scheme: def.scheme };
}

/** Looks at `w` for a version newer than `current` (the spec's Version). */
export async function lookAt(w: WatchConfig, current: string, ctx: LookContext): Promise<LookResult> {
  const seen: WatchSeen = { releases: 0, skipped: [], requests: 0, fromCache: 0 };
  try {
    const answer = await releasesOf(w, ctx, seen);
    seen.releases = answer.releases.length;
    const scheme = w.scheme ?? answer.scheme;
    const choice = withTimeLimit("choosing a release (the watch's include/exclude)", ctx.cpuMs ?? 2000, () =>
      selectRelease(answer.releases, scheme, w, ctx.now ?? new Date(), current),
    );
    seen.skipped = choice.skipped.slice(0, SKIPPED_KEPT);
    const skippedNote = choice.skipped.length ? `; ${choice.skipped.length} skipped` : "";
    if (!choice.chosen)
      return {
        outcome: "current",
        note: `no release upstream passes the watch's rules (${seen.releases} listed${skippedNote})`,
        seen,
      };
    const { version, raw, release, rpm } = choice.chosen;
    const base = { newest: version, newestRaw: raw, release, rpm, seen };
    if (choice.newer)
      return { outcome: "newer", note: `${version} is out upstream (the spec has ${current})`, ...base };
    return {
      outcome: "current",
      note: `nothing newer than ${current} (newest upstream: ${version}${skippedNote})`,
      ...base,
    };
  } catch (e) {
    if (e instanceof UpstreamError || e instanceof TimeLimitError || e instanceof Error) {
      const retryAt = e instanceof UpstreamError ? e.retryAt : undefined;
      return { outcome: "error", note: e.message, error: e.message, seen, ...(retryAt ? { retryAt } : {}) };
    }
    throw e;
  }
}
