// GitLab tags (gitlab.com or a self-hosted instance), through the v4 API: 100 a page, the
// x-next-page header for the next. Default scheme: rpm. A tag's date is its commit's.
import { z } from "zod";
import type { WatchConfig } from "../../config/watch-schema.js";
import type { Release } from "../types.js";
import { capReleases, followable, isoTime, joinUrl, parseJson, type SourceDef } from "./source.js";

type GitlabWatch = Extract<WatchConfig, { source: "gitlab-tags" }>;

const tagsSchema = z.array(
  z.object({
    name: z.string().min(1),
    commit: z.object({ created_at: z.string().nullish(), committed_date: z.string().nullish() }).nullish(),
  }),
  { error: "expected an array of tags" },
);

const API = "/api/v4/projects/";

export const gitlabTags: SourceDef<GitlabWatch> = {
  scheme: "rpm",
  first(watch, endpoints) {
    const path = `${API}${encodeURIComponent(watch.project)}/repository/tags?per_page=100`;
    // gitlab.com's token must not go to a self-hosted instance named in the set.
    return watch.host
      ? { url: joinUrl(watch.host, path), accept: "application/json" }
      : { url: joinUrl(endpoints.gitlab, path), accept: "application/json", service: "gitlab" };
  },
  parse(page, watch, request) {
    const list = parseJson(page, request, tagsSchema, "a list of GitLab tags");
    // The instance's web root is what precedes its API path (GitLab may live under a path).
    const web = `${request.url.slice(0, Math.max(0, request.url.indexOf(API)))}/${watch.project}`;
    const repo = watch.project.split("/").pop()!;
    const releases: Release[] = list.map((t) => ({
      raw: t.name,
      publishedAt: isoTime(t.commit?.created_at ?? t.commit?.committed_date),
      files: [
        {
          name: `${repo}-${t.name}.tar.gz`,
          url: `${web}/-/archive/${encodeURIComponent(t.name)}/${repo}-${encodeURIComponent(t.name)}.tar.gz`,
        },
      ],
    }));
    let next;
    const n = page.headers.get("x-next-page")?.trim();
    if (n && /^\d+$/.test(n)) {
      const u = new URL(request.url);
      u.searchParams.set("page", n);
      const ok = followable(u.href, request);
      if (ok) next = { ...request, url: ok.href };
    }
    return { releases: capReleases(releases, "newest-first"), next };
  },
};
