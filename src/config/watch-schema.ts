// `watch:` in packages/<name>/kiln.yaml: where the package's upstream publishes releases, and which
// of them Kiln should propose. Modelled on nvchecker's sources and options; checked like the rest of
// the file, with errors at file:line:column. Every URL here comes from the set and is untrusted:
// the fetcher (src/watch/http.ts) refuses private addresses unless the server's config allows them.
import { z } from "zod";
import { duration } from "./set-config.js";

/** How an ecosystem orders its versions and what it calls a prerelease (src/watch/versions.ts). */
export const VERSION_SCHEMES = ["pep440", "rubygems", "semver", "rpm"] as const;
export type VersionScheme = (typeof VERSION_SCHEMES)[number];

/** A regular expression, checked to compile; kept as its source text. */
const regex = z
  .string()
  .min(1)
  .max(500)
  .refine((s) => {
    try {
      new RegExp(s, "u");
      return true;
    } catch {
      return false;
    }
  }, "not a valid regular expression");

const webUrl = z.url({ protocol: /^https?$/, error: "expected an http(s) URL" }).max(2000);

/** owner/name on a forge or vendor/name on Packagist; a group path on GitLab. */
const project = (what: string): z.ZodString =>
  z
    .string()
    .max(200)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)+$/, `expected ${what}`);
const registryName = z
  .string()
  .max(200)
  .regex(
    /^(@[a-z0-9][a-z0-9._-]*\/)?[A-Za-z0-9][A-Za-z0-9._-]*$/,
    "expected the project's name on the registry",
  );

const options = {
  /** Stripped from each version before it is compared (`v` for tags like v1.2.3). */
  prefix: z.string().max(100).optional(),
  /** Only versions (after the prefix) that this matches. */
  include: regex.optional(),
  /** No version that this matches (rogue tags). */
  exclude: regex.optional(),
  /** Versions never to propose. */
  ignored: z.array(z.string().min(1).max(200)).max(1000).optional(),
  /** Propose prereleases too (by the ecosystem's own rules). */
  prerelease: z.boolean().default(false),
  /** A release must be this old before it is proposed (rides out retags and yanks). */
  "min-age": duration.optional(),
  /** How often the server looks; default: the server's watch interval. */
  interval: duration.optional(),
  /** The tarball, with {version}; default: Source0 with %{version} substituted. */
  url: webUrl
    .refine((u) => decodeURI(u).includes("{version}"), "the tarball URL must contain {version}")
    .optional(),
  /**
   * Accept a ready candidate without a maintainer when the new version is this close to the old:
   * patch (the same major.minor), minor (the same major) or major (any). Prereleases never.
   */
  auto: z.enum(["patch", "minor", "major"]).optional(),
  /** How versions are ordered and what a prerelease is; default: the source's ecosystem. */
  scheme: z.enum(VERSION_SCHEMES).optional(),
};

export const watchSchema = z.discriminatedUnion("source", [
  z.strictObject({ source: z.literal("github-releases"), project: project("owner/name"), ...options }),
  z.strictObject({ source: z.literal("github-tags"), project: project("owner/name"), ...options }),
  z.strictObject({
    source: z.literal("gitlab-tags"),
    project: project("a group/project path"),
    /** A self-hosted GitLab; default: the server's configured GitLab (gitlab.com). */
    host: webUrl.optional(),
    ...options,
  }),
  z.strictObject({ source: z.literal("pypi"), project: registryName, ...options }),
  z.strictObject({ source: z.literal("rubygems"), project: registryName, ...options }),
  z.strictObject({ source: z.literal("packagist"), project: project("vendor/name"), ...options }),
  z.strictObject({ source: z.literal("pecl"), project: registryName, ...options }),
  z.strictObject({ source: z.literal("npm"), project: registryName, ...options }),
  z.strictObject({
    source: z.literal("regex"),
    /** A release page or directory listing. */
    page: webUrl,
    /** Matches each version on the page; its first group (if any) is the version. */
    regex,
    ...options,
  }),
  z.strictObject({
    source: z.literal("git"),
    /** Any git repository reachable over http(s) or git://; its tags are the versions. */
    repository: z
      .url({ protocol: /^(https?|git)$/, error: "expected an http(s):// or git:// repository URL" })
      .max(2000),
    ...options,
  }),
]);

export type WatchConfig = z.infer<typeof watchSchema>;
export type WatchSourceKind = WatchConfig["source"];
