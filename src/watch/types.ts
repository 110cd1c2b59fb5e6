// What a watched upstream says about its releases, before Kiln's rules choose one. Sources (one
// module per kind under sources/) turn an upstream's answer into these; select.ts picks the newest
// acceptable one by the watch's options and the ecosystem's version rules.

import type { VersionScheme } from "../config/watch-schema.js";
export { VERSION_SCHEMES, type VersionScheme } from "../config/watch-schema.js";

/** A file of a release, as the upstream lists it (a GitHub asset, a PyPI sdist, a gem). */
export interface ReleaseFile {
  name: string;
  url: string;
  /** When the upstream publishes one. */
  sha256?: string;
}

export interface Release {
  /** The version or tag exactly as the upstream writes it (a `v` prefix and all). */
  raw: string;
  /** ISO-8601, when the upstream says when it was published (for min-age). */
  publishedAt?: string;
  /** The upstream withdrew it (PyPI and RubyGems yanks, npm deprecations are not yanks). */
  yanked?: boolean;
  /** The upstream itself marks it a prerelease (a GitHub prerelease, a PECL beta). */
  prerelease?: boolean;
  files?: ReleaseFile[];
}

/** A source's whole answer: every release it lists, and the scheme its versions follow. */
export interface SourceAnswer {
  releases: Release[];
  scheme: VersionScheme;
}
