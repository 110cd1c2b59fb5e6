// The npm registry's full package document ({registry}/{name}). The abbreviated one (accept
// application/vnd.npm.install-v1+json) has no `time` map, so min-age could not work from it.
// Default scheme: semver. Deprecated versions are still releases (npm's "deprecated" is advice, not
// a withdrawal); unpublished ones are absent from `versions`. A version that only a dist-tag other
// than `latest` points to, published after `latest`, is a prerelease (the maintainer has not made
// it latest yet: "npm publish --tag next").
import { z } from "zod";
import type { WatchConfig } from "../../config/watch-schema.js";
import type { Release } from "../types.js";
import { capReleases, isoTime, joinUrl, parseJson, type SourceDef } from "./source.js";

type NpmWatch = Extract<WatchConfig, { source: "npm" }>;

const documentSchema = z.object({
  // A wholly unpublished package keeps only `time.unpublished`.
  versions: z
    .record(
      z.string(),
      z.object({ dist: z.object({ tarball: z.string().min(1), integrity: z.string().optional() }) }),
      { error: "expected a versions map" },
    )
    .default({}),
  time: z.record(z.string(), z.unknown(), { error: "expected a time map" }).optional(),
  "dist-tags": z.record(z.string(), z.string(), { error: "expected a dist-tags map" }).optional(),
});

/** The sha256 of an SRI integrity string ("sha512-…" has none). */
function sha256Of(integrity: string | undefined): string | undefined {
  const m = /(?:^|\s)sha256-([A-Za-z0-9+/=]+)/.exec(integrity ?? "");
  return m ? Buffer.from(m[1]!, "base64").toString("hex") : undefined;
}

export const npm: SourceDef<NpmWatch> = {
  scheme: "semver",
  first: (watch, endpoints) => ({
    // A scoped name keeps its @ and has its slash encoded, as the registry expects.
    url: joinUrl(endpoints.npm, `/${encodeURIComponent(watch.project).replace(/^%40/, "@")}`),
    accept: "application/json",
    service: "npm",
  }),
  parse(page, _watch, request) {
    const doc = parseJson(page, request, documentSchema, "an npm package document");
    const time = (v: string): string | undefined => {
      const t = doc.time?.[v];
      return typeof t === "string" ? isoTime(t) : undefined;
    };
    const tags = doc["dist-tags"] ?? {};
    const latest = tags.latest;
    const latestAt = latest === undefined ? undefined : time(latest);
    const tagged = new Set(
      Object.entries(tags)
        .filter(([t]) => t !== "latest")
        .map(([, v]) => v),
    );
    const releases: Release[] = Object.entries(doc.versions).map(([raw, v]) => {
      const at = time(raw);
      const ahead =
        tagged.has(raw) && raw !== latest && at !== undefined && latestAt !== undefined && at > latestAt;
      const name = v.dist.tarball.split(/[?#]/)[0]!.split("/").pop() || `${raw}.tgz`;
      return {
        raw,
        publishedAt: at,
        prerelease: ahead ? true : undefined,
        files: [{ name, url: v.dist.tarball, sha256: sha256Of(v.dist.integrity) }],
      };
    });
    return { releases: capReleases(releases, "oldest-first") };
  },
};
