// PyPI's JSON API (/pypi/{name}/json): every release with its files. Default scheme: pep440 (which
// says what a prerelease is; PyPI marks none). A release is yanked when every file of it is (PEP
// 592 yanks files, and a release with one good file is still installable); a version with no files
// is skipped, as pip skips it. The sdists are the release's files (an rpm builds from source).
import { z } from "zod";
import type { WatchConfig } from "../../config/watch-schema.js";
import type { Release, ReleaseFile } from "../types.js";
import { capReleases, isoTime, joinUrl, parseJson, type SourceDef } from "./source.js";

type PypiWatch = Extract<WatchConfig, { source: "pypi" }>;

const fileSchema = z.object({
  filename: z.string().min(1),
  url: z.string().min(1),
  packagetype: z.string().optional(),
  yanked: z.boolean().optional(),
  upload_time_iso_8601: z.string().nullish(),
  upload_time: z.string().nullish(),
  digests: z
    .object({
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/i)
        .optional(),
    })
    .optional(),
});

const projectSchema = z.object({
  releases: z.record(z.string(), z.array(fileSchema, { error: "expected a list of files" }), {
    error: "expected a releases map",
  }),
});

export const pypi: SourceDef<PypiWatch> = {
  scheme: "pep440",
  first: (watch, endpoints) => ({
    url: joinUrl(endpoints.pypi, `/pypi/${encodeURIComponent(watch.project)}/json`),
    accept: "application/json",
    service: "pypi",
  }),
  parse(page, _watch, request) {
    const doc = parseJson(page, request, projectSchema, "a PyPI project");
    const releases: Release[] = [];
    for (const [raw, files] of Object.entries(doc.releases)) {
      if (files.length === 0) continue;
      const times = files
        .map((f) => isoTime(f.upload_time_iso_8601 ?? f.upload_time))
        .filter((t): t is string => t !== undefined)
        .sort();
      const sdists: ReleaseFile[] = files
        .filter((f) => f.packagetype === "sdist")
        .map((f) => ({ name: f.filename, url: f.url, sha256: f.digests?.sha256?.toLowerCase() }));
      releases.push({
        raw,
        publishedAt: times[0],
        yanked: files.every((f) => f.yanked === true),
        files: sdists,
      });
    }
    // The map lists versions in upload order.
    return { releases: capReleases(releases, "oldest-first") };
  },
};
