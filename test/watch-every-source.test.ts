// Every kind of watch source through the whole of `kiln watch`: the set's kiln.yaml, the real
// fetcher (conditional requests, limits), `git ls-remote` for git tags, the time-limited regex over
// a directory listing, the choice by each ecosystem's rules, against the fake upstreams on
// 127.0.0.1 (the server's config points every service at them and lets the set's own URLs reach
// this machine).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { WatchList, type WatchView } from "../src/api/watch-schemas.js";
import { startFakeUpstreams } from "./kit/fake-upstreams.js";
import { kiln, makeGitRepo, makeSet, noarchSpec, tempDir } from "./kit/index.js";

const OLD = "2026-01-01T00:00:00Z";

test("each source finds the newest acceptable release, in its ecosystem's order", async () => {
  const up = await startFakeUpstreams();
  const add = (
    service: Parameters<typeof up.addRelease>[0],
    project: string,
    versions: (string | [string, object])[],
  ) => {
    for (const v of versions) {
      const [version, more] = typeof v === "string" ? [v, {}] : v;
      up.addRelease(service, project, { version, publishedAt: OLD, ...more });
    }
  };
  add("github", "acme/gh-rel", ["v1.0", "v1.1", ["v1.2", { prerelease: true }], ["v1.3", { draft: true }]]);
  add("github", "acme/gh-tag", ["v1.0", "v1.1", "v-nightly"]);
  add("gitlab", "group/sub/gl", ["1.0", "1.1", "1.2-rc1"]);
  add("pypi", "py-pkg", ["1.0", "1.1", "1.2a1", ["1.3", { yanked: true }], "1.1.post1"]);
  add("rubygems", "rb-gem", ["1.0", "1.1", "1.2.0.rc1", ["1.5", { platform: "java" }]]);
  add("packagist", "acme/php-lib", ["1.0.0", "1.1.0", "1.2.0-beta1"]);
  add("pecl", "pecl_ext", ["1.0.0", "1.1.0", ["1.2.0RC1", { prerelease: true }]]);
  add("npm", "js-lib", ["1.0.0", "1.1.0", ["2.0.0-next.1", { prerelease: true }]]);
  add("dist", "listed", ["1.0", "1.1", "0.9"]);
  const repo = makeGitRepo(["v1.0", { name: "v1.1", annotated: true }, "v2.0-rc1", "nightly"]);
  const gitUrl = up.serveGit("tagged", repo.gitDir);

  const watches: Record<string, string> = {
    "gh-rel": "source: github-releases\n  project: acme/gh-rel\n  prefix: v",
    "gh-tag": "source: github-tags\n  project: acme/gh-tag\n  prefix: v\n  exclude: nightly",
    gl: "source: gitlab-tags\n  project: group/sub/gl",
    "py-pkg": "source: pypi\n  project: py-pkg",
    "rb-gem": "source: rubygems\n  project: rb-gem",
    "php-lib": "source: packagist\n  project: acme/php-lib",
    "pecl-ext": "source: pecl\n  project: pecl_ext",
    "js-lib": "source: npm\n  project: js-lib",
    listed: `source: regex\n  page: ${up.listingUrl("listed")}\n  regex: 'listed-([0-9.]+)\\.tar\\.gz'`,
    tagged: `source: git\n  repository: ${gitUrl}\n  prefix: v\n  include: '^[0-9.]+(-rc[0-9]+)?$'`,
  };
  const files: Record<string, string> = { "kiln.yaml": "name: sources\n" };
  for (const [name, w] of Object.entries(watches)) {
    files[`packages/${name}/${name}.spec`] = noarchSpec(name, { version: "1.0" });
    files[`packages/${name}/kiln.yaml`] = `watch:\n  ${w}\n`;
  }
  const set = makeSet(files);
  const config = join(tempDir("kiln-sources-config-"), "server.yaml");
  const upstreams = Object.entries(up.endpoints).map(([n, u]) => `  ${n}: {url: "${u}"}`);
  writeFileSync(
    config,
    `upstreams:\n${upstreams.join("\n")}\nwatch:\n  host-gap: 0\n  allow-private: true\n`,
  );

  const r = await kiln([
    "watch",
    "--set",
    set,
    "--data",
    tempDir("kiln-sources-data-"),
    "--config",
    config,
    "--format",
    "json",
  ]);
  expect(r.stderr).toBe("");
  const seen = new Map(WatchList.parse(JSON.parse(r.stdout)).watches.map((w) => [w.package, w]));
  const newest = (p: string): Pick<WatchView, "outcome" | "newest" | "error"> | undefined => {
    const w = seen.get(p);
    return w && { outcome: w.outcome, newest: w.newest, error: w.error };
  };
  const want = { outcome: "newer", newest: "1.1", error: null };
  for (const p of ["gh-rel", "gh-tag", "gl", "rb-gem", "php-lib", "js-lib", "listed", "tagged"])
    expect(newest(p), p).toEqual(p === "php-lib" || p === "js-lib" ? { ...want, newest: "1.1.0" } : want);
  // PyPI: the yanked 1.3 and the alpha skipped; 1.1.post1 is after 1.1 (PEP 440).
  expect(newest("py-pkg")).toEqual({ ...want, newest: "1.1.post1" });
  expect(newest("pecl-ext")).toEqual({ ...want, newest: "1.1.0" });
  expect(seen.get("py-pkg")!.skipped).toEqual(
    expect.arrayContaining([
      { raw: "1.3", why: "yanked upstream" },
      { raw: "1.2a1", why: "a prerelease" },
    ]),
  );
  expect(seen.get("gh-tag")!.skipped).toEqual(
    expect.arrayContaining([{ raw: "v-nightly", why: "excluded by exclude" }]),
  );
  expect(seen.get("tagged")!.skipped.map((s) => s.raw)).toEqual(
    expect.arrayContaining(["nightly", "v2.0-rc1"]),
  );
  expect(r.code).toBe(0);
  // What a look costs each upstream (for the bench of watching): requests per source.
  console.log([...seen.values()].map((w) => `${w.source.split(" ")[0]}: ${w.requests ?? "?"}`).join(", "));
});
