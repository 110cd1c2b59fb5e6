// PECL's REST interface (/rest/r/{name}/allreleases.xml): <r><v>version</v><s>stability</s></r>,
// newest first. Default scheme: rpm (PECL versions are PHP's version_compare, which rpm's ordering
// follows for plain dotted versions; the stability says what is a prerelease). The tarball is
// /get/{Name}-{version}.tgz. PECL publishes no dates or checksums here.
import { XMLParser } from "fast-xml-parser";
import { z } from "zod";
import type { WatchConfig } from "../../config/watch-schema.js";
import type { Release } from "../types.js";
import { capReleases, checked, hostOf, joinUrl, type SourceDef } from "./source.js";

type PeclWatch = Extract<WatchConfig, { source: "pecl" }>;

const releasesSchema = z.object({
  a: z.object(
    {
      p: z.string().min(1).optional(),
      r: z
        .array(
          z.object({
            v: z.string().min(1, "expected a version"),
            s: z.enum(["stable", "beta", "alpha", "devel", "snapshot"], { error: "expected a stability" }),
          }),
        )
        .default([]),
    },
    { error: "expected an <a> document of releases" },
  ),
});

const parser = new XMLParser({
  // Versions stay text ("1.10" is not the number 1.1), and no entity in a hostile DTD is expanded.
  parseTagValue: false,
  processEntities: false,
  ignoreAttributes: true,
  removeNSPrefix: true,
  isArray: (name) => name === "r",
});

export const pecl: SourceDef<PeclWatch> = {
  scheme: "rpm",
  first: (watch, endpoints) => ({
    url: joinUrl(
      endpoints.pecl,
      `/rest/r/${encodeURIComponent(watch.project.toLowerCase())}/allreleases.xml`,
    ),
    accept: "application/xml, text/xml",
    service: "pecl",
  }),
  parse(page, watch, request) {
    let doc: unknown;
    try {
      doc = parser.parse(page.body, true);
    } catch (e) {
      throw new Error(`${hostOf(request)} answered XML that does not parse: ${(e as Error).message}`, {
        cause: e,
      });
    }
    const { a } = checked(doc, request, releasesSchema, "XML that is not a PECL release list");
    const name = a.p ?? watch.project;
    const base = request.url.slice(0, Math.max(0, request.url.indexOf("/rest/r/")));
    const releases: Release[] = a.r.map((r) => ({
      raw: r.v,
      prerelease: r.s !== "stable",
      files: [
        {
          name: `${name}-${r.v}.tgz`,
          url: `${base}/get/${encodeURIComponent(name)}-${encodeURIComponent(r.v)}.tgz`,
        },
      ],
    }));
    return { releases: capReleases(releases, "newest-first") };
  },
};
