// Every upstream source, registered in one place. Default version schemes (a watch's `scheme`
// overrides them): pypi → pep440, rubygems → rubygems, npm and packagist → semver, and pecl,
// github-releases, github-tags, gitlab-tags, regex and git → rpm.
import type { WatchConfig, WatchSourceKind } from "../../config/watch-schema.js";
import type { VersionScheme } from "../types.js";
import { GIT_SCHEME } from "./git.js";
import { githubReleases, githubTags } from "./github.js";
import { gitlabTags } from "./gitlab.js";
import { npm } from "./npm.js";
import { packagist } from "./packagist.js";
import { pecl } from "./pecl.js";
import { pypi } from "./pypi.js";
import { regexPage } from "./regex.js";
import { rubygems } from "./rubygems.js";
import type { SourceDef } from "./source.js";

export { lsRemoteArgs, parseLsRemoteTags } from "./git.js";
export { matchVersions } from "./regex.js";
export * from "./source.js";

/** The watches a source answers over HTTP; git's tags come from `git ls-remote` instead. */
export type HttpWatch = Exclude<WatchConfig, { source: "git" }>;

const SOURCES: { [K in HttpWatch["source"]]: SourceDef<Extract<HttpWatch, { source: K }>> } = {
  "github-releases": githubReleases,
  "github-tags": githubTags,
  "gitlab-tags": gitlabTags,
  pypi,
  rubygems,
  packagist,
  pecl,
  npm,
  regex: regexPage,
};

/** The protocol of a watch's upstream. */
export function sourceFor<W extends HttpWatch>(watch: W): SourceDef<W> {
  return SOURCES[watch.source] as unknown as SourceDef<W>;
}

/** How a watch's versions are ordered: its own `scheme`, else its source's default. */
export function schemeFor(watch: WatchConfig): VersionScheme {
  return watch.scheme ?? defaultScheme(watch.source);
}

export function defaultScheme(kind: WatchSourceKind): VersionScheme {
  return kind === "git" ? GIT_SCHEME : SOURCES[kind].scheme;
}
