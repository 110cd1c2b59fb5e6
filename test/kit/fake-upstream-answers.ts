// What each fake upstream answers, built from the test's model as the real service writes it
// (field names, order, formats): pure functions of the releases, the project and the server's URL.
import { createHash } from "node:crypto";
import type { ServiceName } from "../../src/watch/sources/source.js";

/** The services the fake answers: the registries and forges, and Apache-style directory listings. */
export type FakeService = ServiceName | "dist";

export interface FakeFile {
  name: string;
  bytes: string | Uint8Array;
  /** PyPI yanks files, not releases. */
  yanked?: boolean;
}

export interface FakeReleaseInput {
  version: string;
  prerelease?: boolean;
  /** Withdrawn: every file yanked on PyPI; absent from every other service's answers. */
  yanked?: boolean;
  /** ISO-8601; default: when it was added. */
  publishedAt?: string;
  /** Default: one tarball with made-up bytes (`files: []` for none). */
  files?: FakeFile[];
  /** GitHub: a draft release (listed, without a tag in the tags list). */
  draft?: boolean;
  /** RubyGems: the gem's platform (default "ruby"). */
  platform?: string;
  /** npm: the dist-tag it was published under (default "latest", or "next" for a prerelease). */
  distTag?: string;
  /** npm: a deprecation message. */
  deprecated?: string;
}

export interface StoredFile {
  name: string;
  /** The path the fake serves it at (percent-encoded as in a request). */
  path: string;
  bytes: Buffer;
  sha256: string;
  yanked: boolean;
}

export interface FakeRelease extends Omit<FakeReleaseInput, "files"> {
  publishedAt: string;
  files: StoredFile[];
}

export interface Doc {
  contentType: string;
  body: string;
  /** Pagination headers. */
  headers?: Record<string, string>;
}

const seg = (s: string): string => s.split("/").map(encodeURIComponent).join("/");
const last = (project: string): string => project.split("/").pop()!;

/** The name of the one tarball a release gets when the test gives none. */
export function defaultFileName(
  service: FakeService,
  project: string,
  version: string,
  platform?: string,
): string {
  if (service === "rubygems")
    return `${project}-${version}${platform && platform !== "ruby" ? `-${platform}` : ""}.gem`;
  if (service === "npm" || service === "pecl") return `${last(project)}-${version}.tgz`;
  if (service === "packagist") return `${last(project)}-${version}.zip`;
  return `${last(project)}-${version}.tar.gz`;
}

/** Where the fake serves a release's file, at the path the real service uses. */
export function filePath(service: FakeService, project: string, version: string, name: string): string {
  const n = encodeURIComponent(name);
  switch (service) {
    case "github":
      return `/${seg(project)}/releases/download/${encodeURIComponent(version)}/${n}`;
    case "gitlab":
      return `/${seg(project)}/-/archive/${encodeURIComponent(version)}/${n}`;
    case "pypi":
      return `/packages/source/${encodeURIComponent(project[0]!)}/${seg(project)}/${n}`;
    case "rubygems":
      return `/downloads/${n}`;
    case "packagist":
      return `/dists/${seg(project)}/${n}`;
    case "pecl":
      return `/get/${n}`;
    case "npm":
      return `/${seg(project)}/-/${n}`;
    case "dist":
      return `/dist/${seg(project)}/${n}`;
  }
}

export function storeFiles(service: FakeService, project: string, r: FakeReleaseInput): StoredFile[] {
  const files = r.files ?? [
    {
      name: defaultFileName(service, project, r.version, r.platform),
      bytes: `fake ${service} ${project} ${r.version}\n`,
    },
  ];
  return files.map((f) => {
    const bytes = Buffer.from(f.bytes);
    return {
      name: f.name,
      path: filePath(service, project, r.version, f.name),
      bytes,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      yanked: f.yanked ?? r.yanked ?? false,
    };
  });
}

const json = (v: unknown): Doc => ({
  contentType: "application/json; charset=utf-8",
  body: JSON.stringify(v),
});
const listed = (rs: FakeRelease[]): FakeRelease[] => rs.filter((r) => !r.yanked);
const newestFirst = (rs: FakeRelease[]): FakeRelease[] => [...rs].reverse();

export function githubReleases(base: string, project: string, rs: FakeRelease[]): unknown[] {
  return newestFirst(listed(rs)).map((r, i) => ({
    url: `${base}/repos/${project}/releases/${i + 1}`,
    id: i + 1,
    tag_name: r.version,
    name: r.version,
    draft: r.draft ?? false,
    prerelease: r.prerelease ?? false,
    created_at: r.publishedAt,
    published_at: r.draft ? null : r.publishedAt,
    assets: r.files.map((f) => ({ name: f.name, size: f.bytes.length, browser_download_url: base + f.path })),
    tarball_url: `${base}/repos/${project}/tarball/${r.version}`,
  }));
}

export function githubTags(base: string, project: string, rs: FakeRelease[]): unknown[] {
  return newestFirst(listed(rs))
    .filter((r) => !r.draft)
    .map((r) => ({
      name: r.version,
      zipball_url: `${base}/repos/${project}/zipball/refs/tags/${r.version}`,
      tarball_url: `${base}/repos/${project}/tarball/refs/tags/${r.version}`,
      commit: {
        sha: sha1(project + r.version),
        url: `${base}/repos/${project}/commits/${sha1(project + r.version)}`,
      },
    }));
}

export function gitlabTags(project: string, rs: FakeRelease[]): unknown[] {
  return newestFirst(listed(rs)).map((r) => ({
    name: r.version,
    message: "",
    target: sha1(project + r.version),
    commit: { id: sha1(project + r.version), created_at: r.publishedAt, committed_date: r.publishedAt },
    release: null,
    protected: false,
    created_at: null,
  }));
}

export function pypiProject(base: string, project: string, rs: FakeRelease[]): Doc {
  const file = (f: StoredFile, r: FakeRelease): unknown => ({
    filename: f.name,
    url: base + f.path,
    packagetype: /\.(tar\.gz|zip|tar\.bz2)$/.test(f.name) ? "sdist" : "bdist_wheel",
    size: f.bytes.length,
    digests: { sha256: f.sha256, md5: createHash("md5").update(f.bytes).digest("hex") },
    upload_time: r.publishedAt.slice(0, 19),
    upload_time_iso_8601: r.publishedAt,
    yanked: f.yanked,
    yanked_reason: f.yanked ? "broken" : null,
  });
  const releases = Object.fromEntries(rs.map((r) => [r.version, r.files.map((f) => file(f, r))]));
  const current = [...rs].reverse().find((r) => !r.prerelease && !r.files.every((f) => f.yanked));
  return json({
    info: { name: project, version: current?.version ?? null },
    releases,
    urls: current?.files.map((f) => file(f, current)) ?? [],
  });
}

/** PEP 503's simple page: one link per file, yanked ones marked. */
export function pypiSimple(base: string, project: string, rs: FakeRelease[]): Doc {
  const links = rs.flatMap((r) =>
    r.files.map(
      (f) =>
        `<a href="${base}${f.path}#sha256=${f.sha256}"${f.yanked ? ' data-yanked=""' : ""}>${f.name}</a><br/>`,
    ),
  );
  const body = `<!DOCTYPE html>\n<html><head><title>Links for ${project}</title></head><body><h1>Links for ${project}</h1>\n${links.join("\n")}\n</body></html>\n`;
  return { contentType: "text/html; charset=utf-8", body };
}

export function rubygemsVersions(project: string, rs: FakeRelease[]): Doc {
  return json(
    newestFirst(listed(rs)).map((r) => ({
      authors: "Kiln tests",
      created_at: r.publishedAt,
      number: r.version,
      platform: r.platform ?? "ruby",
      prerelease: r.prerelease ?? /[a-zA-Z]/.test(r.version),
      sha: r.files[0]?.sha256 ?? null,
      summary: `${project} for Kiln's tests`,
    })),
  );
}

/** Composer's version_normalized for the versions tests use (1.2 → 1.2.0.0, 2.0.0-beta1 → 2.0.0.0-beta1). */
export function composerNormalized(version: string): string {
  const m = /^v?(\d+(?:\.\d+){0,3})(?:[-._]?(alpha|a|beta|b|RC|rc)[.-]?(\d*))?$/.exec(version);
  if (!m) return version.startsWith("dev-") ? version : `dev-${version}`;
  const nums = m[1]!.split(".");
  while (nums.length < 4) nums.push("0");
  const word = m[2] && ({ a: "alpha", alpha: "alpha", b: "beta", beta: "beta" }[m[2]] ?? "RC");
  return nums.join(".") + (word ? `-${word}${m[3] ?? ""}` : "");
}

/** Composer's "minified" form: each version only says what differs from the one before it. */
export function minify(versions: Record<string, unknown>[]): Record<string, unknown>[] {
  let previous: Record<string, unknown> | undefined;
  return versions.map((v) => {
    if (!previous) return (previous = v);
    const diff: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v))
      if (JSON.stringify(previous[k]) !== JSON.stringify(x)) diff[k] = x;
    for (const k of Object.keys(previous)) if (!(k in v)) diff[k] = "__unset";
    previous = v;
    return diff;
  });
}

export function packagistP2(base: string, project: string, rs: FakeRelease[]): Doc {
  const versions = newestFirst(listed(rs)).map((r) => {
    const f = r.files[0];
    return {
      name: project,
      description: `${project} for Kiln's tests`,
      license: ["MIT"],
      version: r.version,
      version_normalized: composerNormalized(r.version),
      source: { type: "git", url: `${base}/git/${project}.git`, reference: sha1(project + r.version) },
      ...(f
        ? { dist: { type: "zip", url: base + f.path, reference: sha1(project + r.version), shasum: "" } }
        : {}),
      time: r.publishedAt.replace(/\.\d{3}Z$/, "+00:00"),
      require: { php: ">=8.1" },
    };
  });
  return json({ packages: { [project]: minify(versions) }, minified: "composer/2.0" });
}

export function peclAllReleases(project: string, rs: FakeRelease[]): Doc {
  const stability = (r: FakeRelease): string =>
    !r.prerelease ? "stable" : /alpha/i.test(r.version) ? "alpha" : /dev/i.test(r.version) ? "devel" : "beta";
  const items = newestFirst(listed(rs)).map((r) => ` <r><v>${r.version}</v><s>${stability(r)}</s></r>`);
  const body = `<?xml version="1.0" encoding="UTF-8" ?>
<a xmlns="http://pear.php.net/dtd/rest.allreleases" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xlink="http://www.w3.org/1999/xlink" xsi:schemaLocation="http://pear.php.net/dtd/rest.allreleases http://pear.php.net/dtd/rest.allreleases.xsd">
 <p>${project}</p>
 <c>pecl.php.net</c>
${items.join("\n")}
</a>
`;
  return { contentType: "text/xml", body };
}

/** The full document, or the abbreviated one (no `time`) when the client asks for it. */
export function npmDocument(base: string, project: string, rs: FakeRelease[], abbreviated: boolean): Doc {
  const live = listed(rs);
  const tagOf = (r: FakeRelease): string => r.distTag ?? (r.prerelease ? "next" : "latest");
  const distTags: Record<string, string> = {};
  for (const r of live) distTags[tagOf(r)] = r.version;
  const versions = Object.fromEntries(
    live.map((r) => {
      const f = r.files[0];
      const dist = f && {
        tarball: base + f.path,
        shasum: createHash("sha1").update(f.bytes).digest("hex"),
        integrity: `sha512-${createHash("sha512").update(f.bytes).digest("base64")}`,
      };
      const v = {
        name: project,
        version: r.version,
        dist,
        ...(r.deprecated ? { deprecated: r.deprecated } : {}),
      };
      return [
        r.version,
        abbreviated ? v : { ...v, description: `${project} for Kiln's tests`, license: "MIT" },
      ];
    }),
  );
  const modified = rs.reduce((m, r) => (r.publishedAt > m ? r.publishedAt : m), rs[0]?.publishedAt ?? "");
  if (abbreviated) {
    return {
      contentType: "application/vnd.npm.install-v1+json",
      body: JSON.stringify({ name: project, modified, "dist-tags": distTags, versions }),
    };
  }
  const time = {
    created: rs[0]?.publishedAt,
    modified,
    ...Object.fromEntries(live.map((r) => [r.version, r.publishedAt])),
  };
  return json({ _id: project, name: project, "dist-tags": distTags, versions, time });
}

/** An Apache httpd autoindex page, as ruby-lang.org's and many mirrors' /dist/ are. */
export function directoryListing(project: string, rs: FakeRelease[]): Doc {
  const rows = listed(rs).flatMap((r) =>
    r.files.map((f) => {
      const when = r.publishedAt.slice(0, 16).replace("T", " ");
      const link = `<a href="${encodeURIComponent(f.name)}">${f.name}</a>`;
      return `<img src="/icons/compressed.gif" alt="[   ]"> ${link}${" ".repeat(Math.max(1, 40 - f.name.length))}${when}  ${f.bytes.length}`;
    }),
  );
  const title = `Index of /dist/${project}`;
  const body = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">
<html>
 <head>
  <title>${title}</title>
 </head>
 <body>
<h1>${title}</h1>
<pre><img src="/icons/blank.gif" alt="Icon "> <a href="?C=N;O=D">Name</a>                    <a href="?C=M;O=A">Last modified</a>      <a href="?C=S;O=A">Size</a><hr><img src="/icons/back.gif" alt="[PARENTDIR]"> <a href="/dist/">Parent Directory</a>                             -
${rows.join("\n")}
<hr></pre>
</body></html>
`;
  return { contentType: "text/html;charset=UTF-8", body };
}

function sha1(s: string): string {
  return createHash("sha1").update(s).digest("hex");
}
