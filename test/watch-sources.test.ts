// Every watch source against the fake upstreams, through plain fetch and each source's
// first()/parse()/next loop (the real fetcher adds conditional requests and limits), and the fake
// upstreams' own behaviour that the fetcher's tests rely on: ETag and Last-Modified, 304, GitHub's
// rate limit, 429 with Retry-After, request counts, a git repository over dumb HTTP.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { watchSchema } from "../src/config/watch-schema.js";
import type { Release } from "../src/watch/types.js";
import {
  lsRemoteArgs,
  MAX_PAGES,
  parseLsRemoteTags,
  sourceFor,
  type HttpWatch,
  type UpstreamRequest,
} from "../src/watch/sources/index.js";
import { makeGitRepo, startFakeUpstreams, type FakeUpstreams } from "./kit/index.js";

let up: FakeUpstreams;
beforeAll(async () => {
  up = await startFakeUpstreams();
});

function watch(w: Record<string, unknown>): HttpWatch {
  return watchSchema.parse(w) as HttpWatch;
}

/** Asks the upstream as a watch's source says, page after page; every answer must be a 200. */
async function look(w: HttpWatch): Promise<Release[]> {
  const def = sourceFor(w);
  const out: Release[] = [];
  let req: UpstreamRequest | undefined = def.first(w, up.endpoints);
  for (let i = 0; req && i < MAX_PAGES; i++) {
    const res = await fetch(req.url, { headers: req.accept ? { accept: req.accept } : {} });
    const body = await res.text();
    expect(res.status, `${req.url}: ${body}`).toBe(200);
    const page = def.parse({ status: res.status, headers: res.headers, body }, w, req);
    out.push(...page.releases);
    req = page.next;
  }
  return out;
}

async function bytesAt(url: string): Promise<string> {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  return Buffer.from(await res.arrayBuffer()).toString();
}

const sha256 = (s: string): string => createHash("sha256").update(s).digest("hex");
const raws = (rs: Release[]): string[] => rs.map((r) => r.raw);

describe("each source against its fake upstream", () => {
  it("github-releases: drafts dropped, the prerelease flag, dates, assets that download", async () => {
    up.addRelease("github", "acme/tool", {
      version: "v1.0",
      publishedAt: "2026-01-02T03:04:05.000Z",
      files: [{ name: "tool-1.0.tar.gz", bytes: "tool one" }],
    });
    up.addRelease("github", "acme/tool", { version: "v1.1-rc1", prerelease: true });
    up.addRelease("github", "acme/tool", { version: "v2.0", draft: true });
    const rs = await look(watch({ source: "github-releases", project: "acme/tool" }));
    expect(raws(rs)).toEqual(["v1.1-rc1", "v1.0"]);
    expect(rs.map((r) => r.prerelease)).toEqual([true, false]);
    expect(rs[1]!.publishedAt).toBe("2026-01-02T03:04:05.000Z");
    expect(rs[1]!.files).toEqual([
      { name: "tool-1.0.tar.gz", url: up.tarballUrl("github", "acme/tool", "v1.0", "tool-1.0.tar.gz") },
    ]);
    expect(await bytesAt(rs[1]!.files![0]!.url)).toBe("tool one");
  });

  it("github-tags: follows the Link header over pages, and each tag's tarball redirects to its bytes", async () => {
    for (let i = 1; i <= 150; i++) up.addRelease("github", "acme/many", { version: `1.${i}` });
    const before = up.requests("/repos/acme/many/tags");
    const rs = await look(watch({ source: "github-tags", project: "acme/many" }));
    expect(up.requests("/repos/acme/many/tags") - before).toBe(2);
    expect(rs).toHaveLength(150);
    expect(rs[0]!.raw).toBe("1.150");
    expect(rs[149]!.raw).toBe("1.1");
    expect(await bytesAt(rs[0]!.files![0]!.url)).toBe("fake github acme/many 1.150\n");
  });

  it("gitlab-tags: a nested group's project, pages by x-next-page, dates from the commit", async () => {
    for (let i = 1; i <= 120; i++) {
      up.addRelease("gitlab", "grp/sub/proj", {
        version: `v0.${i}`,
        publishedAt: new Date(Date.UTC(2025, 0, i)).toISOString(),
      });
    }
    const rs = await look(watch({ source: "gitlab-tags", project: "grp/sub/proj" }));
    expect(up.requests("/api/v4/projects/grp%2Fsub%2Fproj/repository/tags")).toBe(2);
    expect(rs).toHaveLength(120);
    expect(rs[0]).toMatchObject({
      raw: "v0.120",
      publishedAt: new Date(Date.UTC(2025, 0, 120)).toISOString(),
    });
    expect(await bytesAt(rs[0]!.files![0]!.url)).toBe("fake gitlab grp/sub/proj v0.120\n");
  });

  it("pypi: sdists with their sha256, yanked only when every file is, versions without files skipped", async () => {
    up.addRelease("pypi", "snake", {
      version: "1.0",
      publishedAt: "2025-05-01T10:00:00.000Z",
      files: [{ name: "snake-1.0.tar.gz", bytes: "s1" }],
    });
    up.addRelease("pypi", "snake", {
      version: "1.1",
      files: [
        { name: "snake-1.1.tar.gz", bytes: "s11" },
        { name: "snake-1.1-py3-none-any.whl", bytes: "w11", yanked: true },
      ],
    });
    up.addRelease("pypi", "snake", { version: "1.2", yanked: true });
    up.addRelease("pypi", "snake", { version: "2.0", files: [] });
    const rs = await look(watch({ source: "pypi", project: "snake" }));
    expect(raws(rs)).toEqual(["1.0", "1.1", "1.2"]);
    expect(rs.map((r) => r.yanked)).toEqual([false, false, true]);
    expect(rs[0]).toMatchObject({ publishedAt: "2025-05-01T10:00:00.000Z" });
    expect(rs[1]!.files).toEqual([
      {
        name: "snake-1.1.tar.gz",
        url: up.tarballUrl("pypi", "snake", "1.1", "snake-1.1.tar.gz"),
        sha256: sha256("s11"),
      },
    ]);
    expect(await bytesAt(rs[1]!.files![0]!.url)).toBe("s11");
  });

  it("rubygems: only the ruby platform, prereleases marked, yanked gems absent", async () => {
    up.addRelease("rubygems", "gemmy", {
      version: "1.0",
      files: [{ name: "gemmy-1.0.gem", bytes: "gem one" }],
    });
    up.addRelease("rubygems", "gemmy", { version: "1.0", platform: "java" });
    up.addRelease("rubygems", "gemmy", { version: "1.1.pre" });
    up.addRelease("rubygems", "gemmy", { version: "1.2", yanked: true });
    const rs = await look(watch({ source: "rubygems", project: "gemmy" }));
    expect(raws(rs)).toEqual(["1.1.pre", "1.0"]);
    expect(rs.map((r) => r.prerelease)).toEqual([true, false]);
    expect(rs[1]!.files![0]).toEqual({
      name: "gemmy-1.0.gem",
      url: up.tarballUrl("rubygems", "gemmy", "1.0", "gemmy-1.0.gem"),
      sha256: sha256("gem one"),
    });
    expect(await bytesAt(rs[1]!.files![0]!.url)).toBe("gem one");
  });

  it("packagist: the minified answer expanded, dist URLs inherited or unset, stability from version_normalized", async () => {
    up.addRelease("packagist", "vend/lib", {
      version: "v1.0.0",
      files: [{ name: "lib.zip", bytes: "zip one" }],
    });
    up.addRelease("packagist", "vend/lib", { version: "v1.1.0", files: [] });
    up.addRelease("packagist", "vend/lib", { version: "v2.0.0-beta1" });
    const body = await (await fetch(`${up.url}/p2/vend/lib.json`)).text();
    expect(body).toContain('"__unset"');
    const rs = await look(watch({ source: "packagist", project: "vend/lib" }));
    expect(raws(rs)).toEqual(["v2.0.0-beta1", "v1.1.0", "v1.0.0"]);
    expect(rs.map((r) => r.prerelease)).toEqual([true, false, false]);
    expect(rs[1]!.files).toEqual([]);
    expect(await bytesAt(rs[2]!.files![0]!.url)).toBe("zip one");
  });

  it("pecl: asks for the lowercased name, non-stable releases are prereleases, tarballs under /get/", async () => {
    up.addRelease("pecl", "APCu", { version: "5.1.22", files: [{ name: "APCu-5.1.22.tgz", bytes: "pecl" }] });
    up.addRelease("pecl", "APCu", { version: "5.1.23RC1", prerelease: true });
    const rs = await look(watch({ source: "pecl", project: "APCu" }));
    expect(up.requests("/rest/r/apcu/allreleases.xml")).toBe(1);
    expect(raws(rs)).toEqual(["5.1.23RC1", "5.1.22"]);
    expect(rs.map((r) => r.prerelease)).toEqual([true, false]);
    expect(await bytesAt(rs[1]!.files![0]!.url)).toBe("pecl");
  });

  it("npm: the full document (with times), deprecated kept, unpublished absent, a next tag ahead of latest is a prerelease", async () => {
    const w = watch({ source: "npm", project: "@kiln/thing" });
    up.addRelease("npm", "@kiln/thing", {
      version: "1.0.0",
      publishedAt: "2025-01-01T00:00:00.000Z",
      files: [{ name: "thing-1.0.0.tgz", bytes: "npm" }],
    });
    up.addRelease("npm", "@kiln/thing", {
      version: "1.1.0",
      publishedAt: "2025-02-01T00:00:00.000Z",
      deprecated: "use 2",
    });
    up.addRelease("npm", "@kiln/thing", { version: "1.2.0", yanked: true });
    up.addRelease("npm", "@kiln/thing", {
      version: "2.0.0",
      publishedAt: "2025-03-01T00:00:00.000Z",
      distTag: "next",
    });
    const req = sourceFor(w).first(w, up.endpoints);
    expect(req.accept).not.toContain("install-v1");
    const abbreviated = await (
      await fetch(req.url, { headers: { accept: "application/vnd.npm.install-v1+json" } })
    ).json();
    expect(abbreviated).not.toHaveProperty("time");
    const rs = await look(w);
    expect(raws(rs)).toEqual(["1.0.0", "1.1.0", "2.0.0"]);
    expect(rs.map((r) => [r.yanked, r.prerelease])).toEqual([
      [undefined, undefined],
      [undefined, undefined],
      [undefined, true],
    ]);
    expect(rs[0]!.publishedAt).toBe("2025-01-01T00:00:00.000Z");
    expect(await bytesAt(rs[0]!.files![0]!.url)).toBe("npm");
  });

  it("regex: versions from an Apache directory listing, each once", async () => {
    for (const v of ["3.3.0", "3.3.1"]) {
      up.addRelease("dist", "ruby", {
        version: v,
        files: [
          { name: `ruby-${v}.tar.gz`, bytes: v },
          { name: `ruby-${v}.zip`, bytes: v },
        ],
      });
    }
    const rs = await look(
      watch({
        source: "regex",
        page: up.listingUrl("ruby"),
        regex: String.raw`ruby-(\d+\.\d+\.\d+)\.(?:tar\.gz|zip)`,
      }),
    );
    expect(raws(rs)).toEqual(["3.3.0", "3.3.1"]);
    expect(await bytesAt(new URL("ruby-3.3.1.tar.gz", up.listingUrl("ruby")).href)).toBe("3.3.1");
  });

  it("git: ls-remote over dumb HTTP, annotated tags once, a new tag seen on the next look", async () => {
    const repo = makeGitRepo(["v1.0", { name: "v1.1", annotated: true }]);
    const url = up.serveGit("tool", repo.gitDir);
    const w = watchSchema.parse({ source: "git", repository: url });
    if (w.source !== "git") throw new Error("not a git watch");
    const env = { ...process.env, GIT_TERMINAL_PROMPT: "0" };
    // Not execFileSync: the fake upstream answering git runs in this process.
    const run = async (args: string[]): Promise<string> =>
      (await promisify(execFile)("git", args, { env })).stdout;
    expect(raws(parseLsRemoteTags(await run(lsRemoteArgs(w)), url))).toEqual(["v1.0", "v1.1"]);
    const peeled = await run(["ls-remote", "--tags", url]);
    expect(peeled).toContain("refs/tags/v1.1^{}");
    expect(raws(parseLsRemoteTags(peeled, url))).toEqual(["v1.0", "v1.1"]);
    repo.tag("v1.2");
    repo.deleteTag("v1.0");
    expect(raws(parseLsRemoteTags(await run(lsRemoteArgs(w)), url))).toEqual(["v1.1", "v1.2"]);
  });
});

describe("the fake upstreams", () => {
  it("answer with an ETag and Last-Modified, 304 on a match, 200 once the project changes", async () => {
    up.addRelease("pypi", "cond", { version: "1.0" });
    const url = `${up.url}/pypi/cond/json`;
    const first = await fetch(url);
    await first.text();
    const etag = first.headers.get("etag")!;
    const lastModified = first.headers.get("last-modified")!;
    expect(etag).toMatch(/^"[0-9a-f]{40}"$/);
    expect(Date.parse(lastModified)).not.toBeNaN();
    expect((await fetch(url, { headers: { "if-none-match": etag } })).status).toBe(304);
    expect((await fetch(url, { headers: { "if-modified-since": lastModified } })).status).toBe(304);
    up.addRelease("pypi", "cond", { version: "1.1" });
    const changed = await fetch(url, { headers: { "if-none-match": etag } });
    expect(changed.status).toBe(200);
    expect(Object.keys(((await changed.json()) as { releases: object }).releases)).toEqual(["1.0", "1.1"]);
    expect((await fetch(url, { headers: { "if-modified-since": lastModified } })).status).toBe(200);
  });

  it("count GitHub's rate limit, and refuse with 403 and X-RateLimit-Remaining: 0 when told to", async () => {
    up.addRelease("github", "acme/limited", { version: "1.0" });
    const url = `${up.url}/repos/acme/limited/releases`;
    const a = await fetch(url);
    const b = await fetch(url);
    expect(Number(b.headers.get("x-ratelimit-remaining"))).toBe(
      Number(a.headers.get("x-ratelimit-remaining")) - 1,
    );
    const reset = new Date(Date.now() + 600_000);
    up.rateLimitGitHub(true, reset);
    const refused = await fetch(url);
    expect(refused.status).toBe(403);
    expect(refused.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(refused.headers.get("x-ratelimit-reset")).toBe(String(Math.floor(reset.getTime() / 1000)));
    expect(((await refused.json()) as { message: string }).message).toMatch(/rate limit exceeded/);
    up.rateLimitGitHub(false);
    const again = await fetch(url);
    expect(again.status).toBe(200);
    expect(again.headers.get("x-ratelimit-remaining")).toBe("59");
  });

  it("throttle one service with 429 and Retry-After, leaving the others alone", async () => {
    up.addRelease("rubygems", "slow", { version: "1.0" });
    up.addRelease("pecl", "other", { version: "1.0" });
    up.throttle("rubygems", 7);
    const res = await fetch(`${up.url}/api/v1/versions/slow.json`);
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
    expect((await fetch(`${up.url}/rest/r/other/allreleases.xml`)).status).toBe(200);
    up.throttle(null);
    expect((await fetch(`${up.url}/api/v1/versions/slow.json`)).status).toBe(200);
  });

  it("answer 404 for a project they do not have, and count requests by path", async () => {
    const before = up.requests("/pypi/nothing-here/");
    expect((await fetch(`${up.url}/pypi/nothing-here/json`)).status).toBe(404);
    expect((await fetch(`${up.url}/no/such/path`)).status).toBe(404);
    expect(up.requests("/pypi/nothing-here/") - before).toBe(1);
    expect(up.log.at(-1)).toMatchObject({ path: "/no/such/path", status: 404 });
  });
});
