// Packagist's Composer 2 metadata (/p2/{vendor}/{name}.json), newest first. Default scheme: semver
// (Composer's ordering is close to it). The answer is usually "minified": each version lists only
// what differs from the one before it, and "__unset" removes a key. Dev branches (dev-main,
// 2.x-dev) are not releases. Composer's own stability (from version_normalized) marks prereleases.
import { z } from "zod";
import type { WatchConfig } from "../../config/watch-schema.js";
import type { Release } from "../types.js";
import { capReleases, checked, isoTime, joinUrl, parseJson, type SourceDef } from "./source.js";

type PackagistWatch = Extract<WatchConfig, { source: "packagist" }>;

const entry = z.record(z.string(), z.unknown(), { error: "expected a version object" });
const documentSchema = z.object({
  minified: z.string().optional(),
  packages: z.record(z.string(), z.array(entry, { error: "expected a list of versions" }), {
    error: "expected a packages map",
  }),
});

const versionSchema = z.object({
  version: z.string().min(1),
  version_normalized: z.string().optional(),
  time: z.string().nullish(),
  dist: z.object({ url: z.string().min(1), type: z.string().optional() }).nullish(),
});

/** Composer's expansion of a minified version list: each entry inherits the one before it. */
export function expandMinified(entries: Record<string, unknown>[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let previous: Record<string, unknown> = {};
  for (const e of entries) {
    const expanded: Record<string, unknown> = { ...previous };
    for (const [k, v] of Object.entries(e)) {
      // JSON.parse makes "__proto__" an own key; assigning it would change the object's prototype.
      if (k === "__proto__") continue;
      if (v === "__unset") delete expanded[k];
      else expanded[k] = v;
    }
    out.push(expanded);
    previous = expanded;
  }
  return out;
}

function isDev(version: string, normalized: string | undefined): boolean {
  return /^dev-/i.test(version) || /-dev$/i.test(normalized ?? version);
}

export const packagist: SourceDef<PackagistWatch> = {
  scheme: "semver",
  first: (watch, endpoints) => ({
    url: joinUrl(endpoints.packagist, `/p2/${watch.project.toLowerCase()}.json`),
    accept: "application/json",
    service: "packagist",
  }),
  parse(page, watch, request) {
    const doc = parseJson(page, request, documentSchema, "Composer 2 metadata");
    const name = watch.project.toLowerCase();
    const raw = doc.packages[name];
    if (!raw)
      throw new Error(
        `${new URL(request.url).host} answered Composer 2 metadata without the package ${name}`,
      );
    const entries = doc.minified === "composer/2.0" ? expandMinified(raw) : raw;
    const releases: Release[] = [];
    entries.forEach((e, i) => {
      const v = checked(e, request, versionSchema, `Composer 2 metadata whose version ${i + 1} is malformed`);
      if (isDev(v.version, v.version_normalized)) return;
      const dist = v.dist;
      releases.push({
        raw: v.version,
        publishedAt: isoTime(v.time),
        prerelease:
          v.version_normalized === undefined
            ? undefined
            : /-(alpha|beta|RC)\d*(\.\d+)*$/i.test(v.version_normalized),
        files: dist
          ? [
              {
                name: `${name.replace("/", "-")}-${v.version}.${dist.type === "tar" ? "tar" : "zip"}`,
                url: dist.url,
              },
            ]
          : [],
      });
    });
    return { releases: capReleases(releases, "newest-first") };
  },
};
