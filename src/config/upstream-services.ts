// The upstream services release watches know by name, and where their public instances are. The
// server's config (server-config.ts) may point each elsewhere; a package set never can.

/** The upstream services with a well-known public instance (and tokens or rate limits of their own). */
export type ServiceName = "github" | "gitlab" | "pypi" | "rubygems" | "packagist" | "pecl" | "npm";
/** Base URLs of the services: the public ones by default, a fake one in tests, a mirror by config. */
export type Endpoints = Record<ServiceName, string>;

export const DEFAULT_ENDPOINTS: Endpoints = {
  github: "https://api.github.com",
  gitlab: "https://gitlab.com",
  pypi: "https://pypi.org",
  rubygems: "https://rubygems.org",
  packagist: "https://repo.packagist.org",
  pecl: "https://pecl.php.net",
  npm: "https://registry.npmjs.org",
};
