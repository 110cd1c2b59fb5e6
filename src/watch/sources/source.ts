// TEMPORARY (the sources branch brings the real one): the shapes the fetcher needs.
import type { Release, VersionScheme } from "../types.js";
export type ServiceName = "github" | "gitlab" | "pypi" | "rubygems" | "packagist" | "pecl" | "npm";
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
export interface UpstreamRequest {
  url: string;
  accept?: string;
  service?: ServiceName;
}
export interface UpstreamPage {
  status: number;
  headers: Headers;
  body: string;
}
export interface SourceDef<W> {
  scheme: VersionScheme;
  first(watch: W, endpoints: Endpoints): UpstreamRequest;
  parse(
    page: UpstreamPage,
    watch: W,
    request: UpstreamRequest,
  ): { releases: Release[]; next?: UpstreamRequest };
}
