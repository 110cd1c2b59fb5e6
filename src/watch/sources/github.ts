// GitHub releases and tags, through the REST API (100 a page, the Link header for the next).
// Default scheme: rpm (tags follow no one ecosystem's rules; GitHub's own prerelease flag says
// what is a prerelease). Drafts are dropped: only the repository's collaborators see them.
import { z } from "zod";
import type { WatchConfig } from "../../config/watch-schema.js";
import type { Release } from "../types.js";
import {
  capReleases,
  followable,
  isoTime,
  joinUrl,
  parseJson,
  type Endpoints,
  type SourceDef,
  type UpstreamPage,
  type UpstreamRequest,
} from "./source.js";

type ReleasesWatch = Extract<WatchConfig, { source: "github-releases" }>;
type TagsWatch = Extract<WatchConfig, { source: "github-tags" }>;

const ACCEPT = "application/vnd.github+json";

const releasesSchema = z.array(
  z.object({
    tag_name: z.string().min(1),
    draft: z.boolean().optional(),
    prerelease: z.boolean().optional(),
    published_at: z.string().nullish(),
    created_at: z.string().nullish(),
    assets: z
      .array(z.object({ name: z.string().min(1), browser_download_url: z.string().min(1) }))
      .optional(),
  }),
  { error: "expected an array of releases" },
);

const tagsSchema = z.array(z.object({ name: z.string().min(1), tarball_url: z.string().nullish() }), {
  error: "expected an array of tags",
});

function api(watch: { project: string }, endpoints: Endpoints, what: "releases" | "tags"): UpstreamRequest {
  const [owner = "", repo = ""] = watch.project.split("/");
  const path = `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/${what}?per_page=100`;
  return { url: joinUrl(endpoints.github, path), accept: ACCEPT, service: "github" };
}

/** The rel="next" target of an RFC 8288 Link header, if any. */
export function nextLink(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(",")) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    const rel = m && /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;]+))/i.exec(m[2]!);
    if (rel && (rel[1] ?? rel[2] ?? "").split(/\s+/).includes("next")) return m[1];
  }
  return undefined;
}

function nextPage(page: UpstreamPage, request: UpstreamRequest): UpstreamRequest | undefined {
  const link = nextLink(page.headers.get("link"));
  const url = link === undefined ? undefined : followable(link, request);
  return url && { ...request, url: url.href };
}

export const githubReleases: SourceDef<ReleasesWatch> = {
  scheme: "rpm",
  first: (watch, endpoints) => api(watch, endpoints, "releases"),
  parse(page, _watch, request) {
    const list = parseJson(page, request, releasesSchema, "a list of GitHub releases");
    const releases: Release[] = list
      .filter((r) => !r.draft)
      .map((r) => ({
        raw: r.tag_name,
        publishedAt: isoTime(r.published_at ?? r.created_at),
        prerelease: r.prerelease ?? false,
        files: (r.assets ?? []).map((a) => ({ name: a.name, url: a.browser_download_url })),
      }));
    return { releases: capReleases(releases, "newest-first"), next: nextPage(page, request) };
  },
};

export const githubTags: SourceDef<TagsWatch> = {
  scheme: "rpm",
  first: (watch, endpoints) => api(watch, endpoints, "tags"),
  parse(page, watch, request) {
    const list = parseJson(page, request, tagsSchema, "a list of GitHub tags");
    const repo = watch.project.split("/")[1] ?? watch.project;
    const releases: Release[] = list.map((t) => ({
      raw: t.name,
      files: t.tarball_url ? [{ name: `${repo}-${t.name}.tar.gz`, url: t.tarball_url }] : [],
    }));
    return { releases: capReleases(releases, "newest-first"), next: nextPage(page, request) };
  },
};
