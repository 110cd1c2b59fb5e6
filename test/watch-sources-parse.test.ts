// The sources' parsers on canned answers: malformed ones refused in words, pagination, Packagist's
// minified form, PyPI's yanks, RubyGems' platforms, npm's tags, git ls-remote's peeled lines, the
// regex source and the cap on releases.
import { describe, expect, it } from "vitest";
import { watchSchema, type WatchConfig } from "../src/config/watch-schema.js";
import { nextLink } from "../src/watch/sources/github.js";
import {
  DEFAULT_ENDPOINTS,
  defaultScheme,
  matchVersions,
  MAX_PAGES,
  MAX_RELEASES,
  parseLsRemoteTags,
  schemeFor,
  sourceFor,
  type HttpWatch,
} from "../src/watch/sources/index.js";
import { expandMinified } from "../src/watch/sources/packagist.js";

function parse(
  w: Record<string, unknown>,
  body: unknown,
  headers: Record<string, string> = {},
  url?: string,
) {
  const watch = watchSchema.parse(w) as HttpWatch;
  const def = sourceFor(watch);
  const first = def.first(watch, DEFAULT_ENDPOINTS);
  const request = url ? { ...first, url } : first;
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return def.parse({ status: 200, headers: new Headers(headers), body: text }, watch, request);
}

const gh = { source: "github-releases", project: "o/r" };

describe("malformed answers are refused, naming the upstream and what was wrong", () => {
  it.each([
    [
      { source: "pypi", project: "p" },
      { info: {} },
      /^pypi\.org answered JSON that is not a PyPI project at releases: expected a releases map$/,
    ],
    [
      { source: "pypi", project: "p" },
      "<html>busy</html>",
      /^pypi\.org answered .* with something that is not JSON/,
    ],
    [
      { source: "pypi", project: "p" },
      { releases: { "1.0": [{ filename: "p.tar.gz" }] } },
      /^pypi\.org .* at releases\.1\.0\.0\.url:/,
    ],
    [
      gh,
      { message: "Moved" },
      /^api\.github\.com answered JSON that is not a list of GitHub releases: expected an array of releases$/,
    ],
    [{ source: "github-tags", project: "o/r" }, [{ name: 3 }], /^api\.github\.com .* at 0\.name:/],
    [
      { source: "gitlab-tags", project: "g/p" },
      { message: "404" },
      /^gitlab\.com answered JSON that is not a list of GitLab tags/,
    ],
    [{ source: "rubygems", project: "g" }, [{ platform: "ruby" }], /^rubygems\.org .* at 0\.number:/],
    [
      { source: "packagist", project: "v/n" },
      { packages: {} },
      /^repo\.packagist\.org answered Composer 2 metadata without the package v\/n$/,
    ],
    [
      { source: "packagist", project: "v/n" },
      { packages: { "v/n": [{ version: "1.0", dist: { url: 7 } }] } },
      /version 1 is malformed at dist\.url:/,
    ],
    [{ source: "packagist", project: "v/n" }, { packages: [] }, /at packages: expected a packages map/],
    [
      { source: "npm", project: "n" },
      { versions: { "1.0.0": {} } },
      /^registry\.npmjs\.org .* at versions\.1\.0\.0\.dist:/,
    ],
    [{ source: "npm", project: "n" }, { versions: [1] }, /at versions: expected a versions map/],
    [
      { source: "pecl", project: "x" },
      "<a><r><v>1.0</v></r",
      /^pecl\.php\.net answered XML that does not parse/,
    ],
    [
      { source: "pecl", project: "x" },
      "<html><body>maintenance</body></html>",
      /^pecl\.php\.net answered XML that is not a PECL release list at a: expected an <a> document/,
    ],
    [
      { source: "pecl", project: "x" },
      "<a><r><v>1.0</v><s>shiny</s></r></a>",
      /at a\.r\.0\.s: expected a stability/,
    ],
  ])("%j answering %j", (w, body, error) => {
    expect(() => parse(w, body)).toThrow(error);
  });

  it("git ls-remote output that is not refs/tags lines", () => {
    expect(() => parseLsRemoteTags("fatal: not a repo\n", "https://x.example/r.git")).toThrow(
      /^git ls-remote of https:\/\/x\.example\/r\.git printed line 1 that is not/,
    );
  });
});

describe("pagination", () => {
  const api = "https://api.github.com/repos/o/r/releases?per_page=100";
  const link = (page: number, host = "https://api.github.com"): string =>
    `<${host}/repositories/9/releases?per_page=100&page=${page}>; rel="next", <${host}/repositories/9/releases?per_page=100&page=12>; rel="last"`;

  it("GitHub: the Link header's rel=next is the next request, with the same accept and service", () => {
    const { next } = parse(gh, [], { link: link(2) });
    expect(next).toEqual({
      url: "https://api.github.com/repositories/9/releases?per_page=100&page=2",
      accept: "application/vnd.github+json",
      service: "github",
    });
  });

  it.each([
    ["no Link header", {}, api],
    ["only rel=prev", { link: '<https://api.github.com/x?page=1>; rel="prev"' }, api],
    ["another origin (the token must not go there)", { link: link(2, "https://evil.example") }, api],
    ["a page beyond the limit", { link: link(MAX_PAGES + 1) }, `${api}&page=${MAX_PAGES}`],
    ["a page back (a loop)", { link: link(2) }, `${api}&page=3`],
  ])("GitHub: no next page for %s", (_what, headers, url) => {
    expect(parse(gh, [], headers, url).next).toBeUndefined();
  });

  it.each([
    ['<a>; rel="next"', "a"],
    ['<a>; rel="prev", <b>; rel="next"', "b"],
    ["<a>; rel=next", "a"],
    ['<a>; title="next"; rel="last"', undefined],
  ])("nextLink(%s)", (header, want) => {
    expect(nextLink(header)).toBe(want);
  });

  it("GitLab: x-next-page, or none when it is empty; a self-hosted instance gets no service token", () => {
    const w = { source: "gitlab-tags", project: "g/p", host: "https://git.example.org/" };
    const first = parse(w, [], { "x-next-page": "2" });
    expect(first.next).toEqual({
      url: "https://git.example.org/api/v4/projects/g%2Fp/repository/tags?per_page=100&page=2",
      accept: "application/json",
    });
    expect(parse(w, [], { "x-next-page": "" }).next).toBeUndefined();
    const tags = parse(w, [{ name: "v1", commit: { created_at: "2025-01-02T03:04:05.000+01:00" } }]).releases;
    expect(tags).toEqual([
      {
        raw: "v1",
        publishedAt: "2025-01-02T02:04:05.000Z",
        files: [{ name: "p-v1.tar.gz", url: "https://git.example.org/g/p/-/archive/v1/p-v1.tar.gz" }],
      },
    ]);
  });
});

describe("Packagist", () => {
  it("expands the minified form: each version inherits the one before, __unset removes a key", () => {
    expect(
      expandMinified([
        { version: "2.0", dist: { url: "u2" }, require: { php: ">=8" } },
        { version: "1.0", require: "__unset" },
        { version: "0.9", dist: "__unset" },
      ]),
    ).toEqual([
      { version: "2.0", dist: { url: "u2" }, require: { php: ">=8" } },
      { version: "1.0", dist: { url: "u2" } },
      { version: "0.9" },
    ]);
  });

  it("reads a minified answer, drops dev branches, takes stability from version_normalized", () => {
    const body = {
      minified: "composer/2.0",
      packages: {
        "v/n": [
          {
            version: "2.0.0-RC1",
            version_normalized: "2.0.0.0-RC1",
            dist: { url: "https://x/2", type: "zip" },
            time: "2025-03-01T00:00:00+00:00",
          },
          { version: "1.1.0", version_normalized: "1.1.0.0", dist: { url: "https://x/1", type: "zip" } },
          { version: "1.x-dev", version_normalized: "1.9999999.9999999.9999999-dev" },
          { version: "dev-main", version_normalized: "dev-main" },
          { version: "1.0.0-patch1", version_normalized: "1.0.0.0-patch1", time: "__unset" },
        ],
      },
    };
    const rs = parse({ source: "packagist", project: "V/N" }, body).releases;
    expect(rs.map((r) => [r.raw, r.prerelease, r.publishedAt, r.files?.[0]?.url])).toEqual([
      ["2.0.0-RC1", true, "2025-03-01T00:00:00.000Z", "https://x/2"],
      ["1.1.0", false, "2025-03-01T00:00:00.000Z", "https://x/1"],
      ["1.0.0-patch1", false, undefined, "https://x/1"],
    ]);
  });

  it("an own __proto__ key does not change what a version inherits", () => {
    const [e] = expandMinified([
      JSON.parse('{"version":"1","__proto__":{"polluted":true}}') as Record<string, unknown>,
    ]);
    expect(Object.getPrototypeOf(e)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("PyPI", () => {
  const file = (name: string, yanked: boolean, t = "2025-01-01T00:00:00.000000Z") => ({
    filename: name,
    url: `https://files.example/${name}`,
    packagetype: name.endsWith(".whl") ? "bdist_wheel" : "sdist",
    yanked,
    upload_time_iso_8601: t,
    digests: { sha256: "A".repeat(64) },
  });
  const rs = parse(
    { source: "pypi", project: "p" },
    {
      releases: {
        "1.0": [
          file("p-1.0.tar.gz", true, "2025-02-01T00:00:00.000000Z"),
          file("p-1.0-py3-none-any.whl", false, "2025-01-15T00:00:00Z"),
        ],
        "1.1": [file("p-1.1.tar.gz", true), file("p-1.1-py3-none-any.whl", true)],
        "1.2": [],
      },
    },
  ).releases;

  it("a release with one file left is not yanked; all files yanked is; no files is no release", () => {
    expect(rs.map((r) => [r.raw, r.yanked])).toEqual([
      ["1.0", false],
      ["1.1", true],
    ]);
  });

  it("dates a release by its first upload and lists only its sdists, sha256 in lower case", () => {
    expect(rs[0]).toMatchObject({ publishedAt: "2025-01-15T00:00:00.000Z" });
    expect(rs[0]!.files).toEqual([
      { name: "p-1.0.tar.gz", url: "https://files.example/p-1.0.tar.gz", sha256: "a".repeat(64) },
    ]);
  });
});

it("RubyGems: platform gems are not releases of their own", () => {
  const body = [
    {
      number: "2.0.0",
      platform: "java",
      prerelease: false,
      created_at: "2025-01-02T00:00:00.000Z",
      sha: "b".repeat(64),
    },
    {
      number: "2.0.0",
      platform: "ruby",
      prerelease: false,
      created_at: "2025-01-01T00:00:00.000Z",
      sha: "c".repeat(64),
    },
    { number: "1.9.0", platform: "x86_64-linux", prerelease: false },
  ];
  expect(parse({ source: "rubygems", project: "g" }, body).releases).toEqual([
    {
      raw: "2.0.0",
      publishedAt: "2025-01-01T00:00:00.000Z",
      prerelease: false,
      files: [
        { name: "g-2.0.0.gem", url: "https://rubygems.org/downloads/g-2.0.0.gem", sha256: "c".repeat(64) },
      ],
    },
  ]);
});

describe("npm", () => {
  const version = (v: string, extra = {}) => ({
    version: v,
    dist: { tarball: `https://registry.npmjs.org/n/-/n-${v}.tgz`, integrity: "sha256-AAEC" },
    ...extra,
  });
  it("deprecated is not yanked; only a tag ahead of latest makes a prerelease; sha256 from integrity", () => {
    const rs = parse(
      { source: "npm", project: "n" },
      {
        "dist-tags": { latest: "2.0.0", next: "3.0.0", legacy: "1.0.0" },
        versions: {
          "1.0.0": version("1.0.0", { deprecated: "old" }),
          "2.0.0": version("2.0.0"),
          "3.0.0": version("3.0.0"),
        },
        time: {
          created: "2024-01-01T00:00:00Z",
          "1.0.0": "2024-01-01T00:00:00Z",
          "2.0.0": "2024-06-01T00:00:00Z",
          "3.0.0": "2024-07-01T00:00:00Z",
        },
      },
    ).releases;
    expect(rs.map((r) => [r.raw, r.yanked, r.prerelease])).toEqual([
      ["1.0.0", undefined, undefined],
      ["2.0.0", undefined, undefined],
      ["3.0.0", undefined, true],
    ]);
    expect(rs[0]!.files).toEqual([
      { name: "n-1.0.0.tgz", url: "https://registry.npmjs.org/n/-/n-1.0.0.tgz", sha256: "000102" },
    ]);
  });

  it("a wholly unpublished package has no releases; a scoped name keeps its @", () => {
    expect(
      parse({ source: "npm", project: "n" }, { time: { unpublished: { time: "2025-01-01T00:00:00Z" } } })
        .releases,
    ).toEqual([]);
    const w = watchSchema.parse({ source: "npm", project: "@s/n" }) as HttpWatch;
    expect(sourceFor(w).first(w, DEFAULT_ENDPOINTS).url).toBe("https://registry.npmjs.org/@s%2Fn");
  });
});

describe("git ls-remote", () => {
  const a = "1".repeat(40);
  const b = "2".repeat(40);
  it("reads tags, a peeled ^{} line counting as its tag, and SHA-256 object names", () => {
    const out = `${a}\trefs/tags/v1.0\n${b}\trefs/tags/v1.1\n${a}\trefs/tags/v1.1^{}\n${"3".repeat(64)}\trefs/tags/v2.0\r\n\n`;
    expect(parseLsRemoteTags(out)).toEqual([{ raw: "v1.0" }, { raw: "v1.1" }, { raw: "v2.0" }]);
  });
  it("keeps at most MAX_RELEASES tags", () => {
    const out = Array.from({ length: MAX_RELEASES + 10 }, (_, i) => `${a}\trefs/tags/t${i}`).join("\n");
    const tags = parseLsRemoteTags(out);
    expect(tags).toHaveLength(MAX_RELEASES);
    expect(tags.at(-1)!.raw).toBe(`t${MAX_RELEASES + 9}`);
  });
});

describe("regex", () => {
  it.each([
    ["a capture group is the version", "x-1.0.tgz x-1.1.tgz", String.raw`x-([\d.]+)\.tgz`, ["1.0", "1.1"]],
    ["no group: the whole match", "v1 v2 v10", String.raw`v\d+`, ["v1", "v2", "v10"]],
    ["each version once, in the order first seen", "2.0 1.0 2.0 1.0", String.raw`\d\.\d`, ["2.0", "1.0"]],
    ["a group that did not take part is skipped", "a-1 b", String.raw`(?:a-(\d)|b)`, ["1"]],
    ["empty matches are no versions", "abc", "x*", []],
  ])("%s", (_what, page, re, want) => {
    expect(matchVersions(page, re)).toEqual(want);
  });

  it("stops at MAX_RELEASES, and the source gives raw releases", () => {
    const page = Array.from({ length: MAX_RELEASES + 5 }, (_, i) => `r${i}`).join(" ");
    expect(matchVersions(page, String.raw`r\d+`)).toHaveLength(MAX_RELEASES);
    const w = {
      source: "regex",
      page: "https://www.ruby-lang.org/en/downloads/releases/",
      regex: String.raw`Ruby (\d+\.\d+\.\d+)`,
    };
    expect(parse(w, "<td>Ruby 3.3.1</td><td>Ruby 3.2.4</td>").releases).toEqual([
      { raw: "3.3.1" },
      { raw: "3.2.4" },
    ]);
  });
});

it("caps a source at MAX_RELEASES, keeping the newest end of its order", () => {
  const releases = Object.fromEntries(
    Array.from({ length: MAX_RELEASES + 3 }, (_, i) => [`0.${i}`, [{ filename: "f", url: "u" }]]),
  );
  const rs = parse({ source: "pypi", project: "p" }, { releases }).releases;
  expect(rs).toHaveLength(MAX_RELEASES);
  expect(rs.at(-1)!.raw).toBe(`0.${MAX_RELEASES + 2}`);
});

it.each([
  ["pypi", "pep440"],
  ["rubygems", "rubygems"],
  ["npm", "semver"],
  ["packagist", "semver"],
  ["pecl", "rpm"],
  ["github-releases", "rpm"],
  ["github-tags", "rpm"],
  ["gitlab-tags", "rpm"],
  ["regex", "rpm"],
  ["git", "rpm"],
] as const)("the %s source orders by %s unless the watch says otherwise", (kind, scheme) => {
  expect(defaultScheme(kind)).toBe(scheme);
  const w = { source: "git", repository: "https://x.example/r.git", scheme: "semver" } as WatchConfig;
  expect(schemeFor(w)).toBe("semver");
});
