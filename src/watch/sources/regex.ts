// A regular expression over any page: a project's release page or a directory listing. Default
// scheme: rpm. The expression comes from the set, so a pathological one could take a long time on
// a large page: matchVersions is pure and self-contained so that the fetcher can run it in a worker
// thread with a time limit; parse here calls it directly.
import type { WatchConfig } from "../../config/watch-schema.js";
import type { Release } from "../types.js";
import { MAX_RELEASES, type SourceDef } from "./source.js";

type RegexWatch = Extract<WatchConfig, { source: "regex" }>;

/**
 * Every distinct version on the page, in the order first seen: the first capture group of each
 * match if the expression has one (and it took part), else the whole match. At most MAX_RELEASES.
 */
export function matchVersions(pageText: string, regexSource: string): string[] {
  // "u" as the schema compiles it; "g" to find them all.
  const re = new RegExp(regexSource, "gu");
  const seen = new Set<string>();
  for (const m of pageText.matchAll(re)) {
    const v = m.length > 1 ? m[1] : m[0];
    if (!v) continue;
    seen.add(v);
    if (seen.size >= MAX_RELEASES) break;
  }
  return [...seen];
}

export const regexPage: SourceDef<RegexWatch> = {
  scheme: "rpm",
  first: (watch) => ({ url: watch.page, accept: "text/html, text/plain;q=0.9, */*;q=0.5" }),
  parse(page, watch) {
    const releases: Release[] = matchVersions(page.body, watch.regex).map((raw) => ({ raw }));
    return { releases };
  },
};
