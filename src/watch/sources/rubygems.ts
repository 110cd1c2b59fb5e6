// RubyGems' versions API (/api/v1/versions/{name}.json), newest first. Default scheme: rubygems.
// Only the "ruby" platform (the source gem) is kept: a platform gem (java, x86_64-linux) is the
// same version built for one platform, not a release of its own. Yanked gems are absent from it.
import { z } from "zod";
import type { WatchConfig } from "../../config/watch-schema.js";
import type { Release } from "../types.js";
import { capReleases, isoTime, joinUrl, parseJson, type SourceDef } from "./source.js";

type RubygemsWatch = Extract<WatchConfig, { source: "rubygems" }>;

const versionsSchema = z.array(
  z.object({
    number: z.string().min(1),
    platform: z.string().optional(),
    prerelease: z.boolean().optional(),
    created_at: z.string().nullish(),
    sha: z.string().nullish(),
  }),
  { error: "expected an array of versions" },
);

export const rubygems: SourceDef<RubygemsWatch> = {
  scheme: "rubygems",
  first: (watch, endpoints) => ({
    url: joinUrl(endpoints.rubygems, `/api/v1/versions/${encodeURIComponent(watch.project)}.json`),
    accept: "application/json",
    service: "rubygems",
  }),
  parse(page, watch, request) {
    const list = parseJson(page, request, versionsSchema, "a list of gem versions");
    const origin = request.url.slice(0, request.url.indexOf("/api/v1/versions/"));
    const releases: Release[] = list
      .filter((v) => (v.platform ?? "ruby") === "ruby")
      .map((v) => {
        const name = `${watch.project}-${v.number}.gem`;
        const sha256 = v.sha && /^[0-9a-f]{64}$/i.test(v.sha) ? v.sha.toLowerCase() : undefined;
        return {
          raw: v.number,
          publishedAt: isoTime(v.created_at),
          prerelease: v.prerelease ?? false,
          files: [{ name, url: `${origin}/downloads/${encodeURIComponent(name)}`, sha256 }],
        };
      });
    return { releases: capReleases(releases, "newest-first") };
  },
};
