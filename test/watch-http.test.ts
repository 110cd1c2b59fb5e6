// The release watch's HTTP fetcher against real servers on 127.0.0.1, with the conditional-request
// cache and the watch state in a real database (both engines): 304s answered from the cache,
// rate limits and Retry-After honoured, limits on time and size, tokens only to their service,
// and URLs from the set kept off private addresses.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Db } from "../src/db/connect.js";
import { answerCache, claimDue, claimNow, recordLook, syncWatches, watchRows } from "../src/db/watches.js";
import { UpstreamError, UpstreamFetcher, type FetchPolicy } from "../src/watch/http.js";
import { DEFAULT_ENDPOINTS } from "../src/watch/sources/source.js";
import { nextLook } from "../src/watch/schedule.js";
import { backends, databaseForSuite } from "./kit/index.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(handler: Handler): Promise<{ url: string; server: Server; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, seen };
}

describe.each(backends)("the upstream fetcher and watch state on %s", (kind) => {
  let d: Db;
  databaseForSuite(kind, (opened) => (d = opened));
  let api: Awaited<ReturnType<typeof serve>>;
  let other: Awaited<ReturnType<typeof serve>>;
  let limited = false;

  beforeAll(async () => {
    api = await serve((req, res) => {
      const path = req.url ?? "";
      if (path.startsWith("/etag")) {
        if (req.headers["if-none-match"] === '"v1"') return res.writeHead(304).end();
        return res.writeHead(200, { etag: '"v1"', "content-type": "application/json" }).end('{"n":1}');
      }
      if (path === "/limited" && limited)
        return res
          .writeHead(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600) })
          .end("{}");
      if (path === "/busy") return res.writeHead(429, { "retry-after": "120" }).end();
      if (path === "/big") return res.writeHead(200).end("x".repeat(64 * 1024));
      if (path === "/slow") return setTimeout(() => res.writeHead(200).end("late"), 3000);
      if (path === "/away") return res.writeHead(302, { location: `${other.url}/secret` }).end();
      if (path === "/missing") return res.writeHead(404).end("<html>not here</html>");
      res.writeHead(200).end(`auth=${req.headers.authorization ?? "none"}`);
    });
    other = await serve((req, res) => res.writeHead(200).end(`other auth=${req.headers.authorization ?? "none"}`));
  });
  afterAll(() => {
    api.server.close();
    other.server.close();
  });

  const fetcher = (o: Partial<FetchPolicy> = {}): UpstreamFetcher =>
    new UpstreamFetcher(
      {
        endpoints: { ...DEFAULT_ENDPOINTS, github: api.url },
        tokens: { github: "gh-token" },
        allowPrivate: false,
        timeoutMs: 1000,
        maxBytes: 16 * 1024,
        hostGapMs: 0,
        ...o,
      },
      answerCache(d.db),
    );

  test("an ETag is sent back and a 304 is answered from the cache in the database", async () => {
    const f = fetcher();
    const url = `${api.url}/etag/${kind}`;
    const first = await f.get({ url });
    expect([first.body, first.fromCache]).toEqual(['{"n":1}', false]);
    const again = await fetcher().get({ url }); // a new fetcher: the cache is the database's
    expect([again.body, again.fromCache]).toEqual(['{"n":1}', true]);
    expect(api.seen.at(-1)?.headers["if-none-match"]).toBe('"v1"');
  });

  test("a token goes to its own service only, never across a redirect to another host", async () => {
    const f = fetcher({ allowPrivate: true });
    expect((await f.get({ url: `${api.url}/who`, service: "github" })).body).toBe("auth=Bearer gh-token");
    expect((await f.get({ url: `${api.url}/away`, service: "github" })).body).toBe("other auth=none");
  });

  test("a rate-limited host is left alone until its reset, without another request", async () => {
    const f = fetcher();
    limited = true;
    const e = await f.get({ url: `${api.url}/limited` }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UpstreamError);
    expect((e as UpstreamError).message).toMatch(/answered 403 Forbidden for \/limited: rate limited; Kiln leaves/);
    expect((e as UpstreamError).retryAt!.getTime()).toBeGreaterThan(Date.now() + 3500_000);
    const before = api.seen.length;
    limited = false;
    await expect(f.get({ url: `${api.url}/who` })).rejects.toThrow(/asked to be left alone until/);
    expect(api.seen.length).toBe(before);
    const busy = (await fetcher().get({ url: `${api.url}/busy` }).catch((x: unknown) => x)) as UpstreamError;
    expect(busy.retryAt!.getTime() - Date.now()).toBeGreaterThan(110_000);
  });

  test("an answer too big or too slow is cut off, and a 404 says so in words", async () => {
    const f = fetcher();
    await expect(f.get({ url: `${api.url}/big` })).rejects.toThrow(/the answer is larger than 0.02 MB/);
    await expect(f.get({ url: `${api.url}/slow` })).rejects.toThrow(/no whole answer within 1 s/);
    const e = (await f.get({ url: `${api.url}/missing` }).catch((x: unknown) => x)) as Error;
    expect(e.message).toMatch(/answered 404 Not Found for \/missing: no such project or file upstream/);
    expect(e.message).not.toContain("not here");
  });

  test("a URL from the set may not reach a private address, directly or by a redirect", async () => {
    const f = fetcher();
    await expect(f.get({ url: `${other.url}/secret` })).rejects.toThrow(/is a private address \(127.0.0.1\)/);
    await expect(f.get({ url: `http://localhost:${new URL(other.url).port}/x` })).rejects.toThrow(
      /localhost is a private address/,
    );
    await expect(f.get({ url: `${api.url}/away` })).rejects.toThrow(/private address/);
    await expect(f.get({ url: "file:///etc/passwd" })).rejects.toThrow(/only http and https/);
    expect((await fetcher({ allowPrivate: true }).get({ url: `${other.url}/x` })).body).toMatch(/^other/);
  });

  test("requests to one host keep their gap", async () => {
    const f = fetcher({ hostGapMs: 150 });
    const t = Date.now();
    await Promise.all([1, 2, 3].map(() => f.get({ url: `${api.url}/who` })));
    expect(Date.now() - t).toBeGreaterThanOrEqual(290);
    expect(f.sent.get(new URL(api.url).host)).toBe(3);
  });

  test("watches follow the set, are claimed once, and keep the last good look through failures", async () => {
    const t0 = new Date("2026-01-01T00:00:00Z");
    await syncWatches(d.db, [{ package: "a", source: "pypi a" }, { package: "b", source: "npm b" }], t0);
    const lease = new Date(t0.getTime() + 600_000);
    expect((await claimDue(d.db, t0, lease)).map((r) => r.package)).toEqual(["a", "b"]);
    expect(await claimDue(d.db, t0, lease)).toEqual([]); // claimed: no second server gets them
    const look = { checked_at: t0.toISOString(), next_at: lease.toISOString(), note: "n" };
    await recordLook(d.db, "a", { ...look, outcome: "newer", current: "1.0", newest: "1.1", newest_raw: "v1.1", error: null, seen: null });
    await recordLook(d.db, "a", { ...look, outcome: "error", current: null, newest: null, newest_raw: null, error: "down", seen: null });
    await recordLook(d.db, "a", { ...look, outcome: "error", current: null, newest: null, newest_raw: null, error: "down", seen: null });
    const [a] = await watchRows(d.db, ["a"]);
    expect([a!.outcome, a!.newest, a!.current, a!.failures, a!.error_since]).toEqual(["error", "1.1", "1.0", 2, t0.toISOString()]);
    expect((await claimNow(d.db, ["a"], lease)).map((r) => r.package)).toEqual(["a"]);
    // b's source changed: due now, what it saw forgotten; a no longer watched: dropped.
    await syncWatches(d.db, [{ package: "b", source: "npm c" }], t0);
    expect((await watchRows(d.db)).map((r) => [r.package, r.source, r.next_at])).toEqual([["b", "npm c", t0.toISOString()]]);
  });
});

describe("when a watch is looked at next", () => {
  const now = new Date("2026-01-01T00:00:00Z");
  const h = 3600_000;
  test("its interval, moved by the jitter", () => {
    expect(nextLook(now, 6 * h, 0.1, 0, undefined, () => 0).getTime() - now.getTime()).toBe(5.4 * h);
    expect(nextLook(now, 6 * h, 0.1, 0, undefined, () => 1).getTime() - now.getTime()).toBe(6.6 * h);
  });
  test("sooner after a failure, backing off, never before the upstream's Retry-After", () => {
    const at = (f: number): number => (nextLook(now, 8 * h, 0, f, undefined).getTime() - now.getTime()) / h;
    expect([1, 2, 3, 4, 8, 20].map(at)).toEqual([1, 2, 4, 8, 128, 128]);
    const retry = new Date(now.getTime() + 30 * h);
    expect(nextLook(now, 8 * h, 0, 1, retry)).toEqual(retry);
  });
});
