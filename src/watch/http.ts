// The one way a watch talks to an upstream over HTTP: conditional requests answered from a cache
// on 304, a gap between requests to one host, rate-limit and Retry-After answers honoured (the host
// is left alone until then), a time and a size limit on every answer, tokens only to the service
// they belong to, and no set-provided URL reaching a private address (address-policy.ts), checked
// on the address actually connected to, so DNS cannot be used to slip past it.
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http, { type IncomingHttpHeaders } from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import type { AnswerCache } from "../db/watches.js";
import { isPrivateAddress } from "./address-policy.js";
import type { Endpoints, ServiceName, UpstreamPage, UpstreamRequest } from "./sources/source.js";

export interface FetchPolicy {
  endpoints: Endpoints;
  /** Tokens by service (read from files the server's config names), sent only to that service. */
  tokens: Partial<Record<ServiceName, string>>;
  /** Whether URLs from the set may reach loopback and private addresses (server config only). */
  allowPrivate: boolean;
  timeoutMs: number;
  maxBytes: number;
  /** Least time between two requests to one host. */
  hostGapMs: number;
}

/** An upstream could not be asked or answered badly; the message is for maintainers. */
export class UpstreamError extends Error {
  constructor(
    message: string,
    /** Not before this time: the upstream asked to be left alone until then. */
    readonly retryAt?: Date,
  ) {
    super(message);
  }
}

interface RawAnswer {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const MAX_REDIRECTS = 5;
const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (ms <= 0) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });

const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(n < 1024 * 1024 ? 2 : 0)} MB`;

export class UpstreamFetcher {
  private readonly nextSlot = new Map<string, number>();
  private readonly blockedUntil = new Map<string, number>();
  /** Requests sent, by host (for "how many requests each upstream received per poll"). */
  readonly sent = new Map<string, number>();

  constructor(
    private readonly policy: FetchPolicy,
    private readonly cache: AnswerCache,
  ) {}

  /** GET a page; a 304 answers from the cache. Anything but 2xx/304 is an UpstreamError. */
  async get(req: UpstreamRequest, signal?: AbortSignal): Promise<UpstreamPage & { fromCache: boolean }> {
    const cached = await this.cache.get(req.url);
    const headers: Record<string, string> = { accept: req.accept ?? "application/json" };
    if (cached?.etag) headers["if-none-match"] = cached.etag;
    if (cached?.lastModified) headers["if-modified-since"] = cached.lastModified;
    const a = await this.request(req.url, headers, req.service, this.policy.maxBytes, signal);
    const h = toHeaders(a.headers);
    if (a.status === 304 && cached) return { status: 200, headers: h, body: cached.body, fromCache: true };
    if (a.status >= 200 && a.status < 300) {
      const body = a.body.toString("utf8");
      const etag = h.get("etag") ?? undefined;
      const lastModified = h.get("last-modified") ?? undefined;
      if (etag || lastModified)
        await this.cache.put(req.url, {
          body,
          ...(etag ? { etag } : {}),
          ...(lastModified ? { lastModified } : {}),
        });
      return { status: a.status, headers: h, body, fromCache: false };
    }
    throw this.refusal(new URL(req.url), a, h);
  }

  /** GET a file (a release tarball) into memory, at most `maxBytes`. */
  async download(url: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
    const a = await this.request(url, { accept: "*/*" }, undefined, maxBytes, signal);
    if (a.status >= 200 && a.status < 300) return a.body;
    throw this.refusal(new URL(url), a, toHeaders(a.headers));
  }

  private refusal(url: URL, a: RawAnswer, h: Headers): UpstreamError {
    const host = url.host;
    const what = `${host} answered ${a.status}${a.statusText ? ` ${a.statusText}` : ""} for ${url.pathname}`;
    const retryAt = rateLimitedUntil(a.status, h);
    if (retryAt) {
      this.blockedUntil.set(host, retryAt.getTime());
      return new UpstreamError(
        `${what}: rate limited; Kiln leaves ${host} alone until ${retryAt.toISOString()}` +
          (this.tokenFor(url) ? "" : " (a token in the server's config raises the limit)"),
        retryAt,
      );
    }
    if (a.status === 404) return new UpstreamError(`${what}: no such project or file upstream`);
    return new UpstreamError(what);
  }

  private tokenFor(url: URL, service?: ServiceName): string | undefined {
    for (const [name, base] of Object.entries(this.policy.endpoints) as [ServiceName, string][]) {
      if (service && name !== service) continue;
      if (new URL(base).origin === url.origin && this.policy.tokens[name]) return this.policy.tokens[name];
    }
    return undefined;
  }

  /** Configured endpoints are the server's own choice and may be private; anything else is the set's. */
  private trusted(url: URL): boolean {
    return (
      this.policy.allowPrivate ||
      Object.values(this.policy.endpoints).some((b) => new URL(b).origin === url.origin)
    );
  }

  private async waitTurn(host: string, signal?: AbortSignal): Promise<void> {
    const blocked = this.blockedUntil.get(host);
    if (blocked !== undefined && blocked > Date.now())
      throw new UpstreamError(
        `${host} asked to be left alone until ${new Date(blocked).toISOString()}`,
        new Date(blocked),
      );
    const now = Date.now();
    const at = Math.max(now, this.nextSlot.get(host) ?? 0);
    this.nextSlot.set(host, at + this.policy.hostGapMs);
    await sleep(at - now, signal);
  }

  private async request(
    first: string,
    headers: Record<string, string>,
    service: ServiceName | undefined,
    maxBytes: number,
    signal?: AbortSignal,
  ): Promise<RawAnswer> {
    let url = new URL(first);
    for (let hop = 0; ; hop++) {
      if (url.protocol !== "https:" && url.protocol !== "http:")
        throw new UpstreamError(`refusing ${url.protocol} URL ${url.href}: only http and https`);
      if (url.username || url.password)
        throw new UpstreamError(`refusing a URL with credentials (${url.host})`);
      await this.waitTurn(url.host, signal);
      const h: Record<string, string> = {
        ...headers,
        "user-agent": "Kiln (release watch)",
        "accept-encoding": "identity",
      };
      const token = this.tokenFor(url, service);
      if (token) h.authorization = `Bearer ${token}`;
      this.sent.set(url.host, (this.sent.get(url.host) ?? 0) + 1);
      const a = await requestOnce(url, h, this.trusted(url), this.policy.timeoutMs, maxBytes, signal);
      const location = a.headers.location;
      if (a.status >= 300 && a.status < 400 && a.status !== 304 && location) {
        if (hop >= MAX_REDIRECTS)
          throw new UpstreamError(`${url.host}: more than ${MAX_REDIRECTS} redirects`);
        url = new URL(location, url);
        continue;
      }
      return a;
    }
  }
}

function requestOnce(
  url: URL,
  headers: Record<string, string>,
  trusted: boolean,
  timeoutMs: number,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<RawAnswer> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (!trusted && isIP(host) && isPrivateAddress(host)) return Promise.reject(privateRefusal(url.host, host));
  const lookup = (
    hostname: string,
    options: { all?: boolean },
    cb: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    dnsLookup(hostname, { all: true }, (err, addresses) => {
      if (err) return cb(new UpstreamError(`cannot resolve ${hostname}: ${err.code ?? err.message}`), []);
      const bad = addresses.find((a) => isPrivateAddress(a.address));
      if (!trusted && bad) return cb(privateRefusal(hostname, bad.address), []);
      if (options.all) return cb(null, addresses);
      cb(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
  return new Promise((resolve, reject) => {
    const lib = url.protocol === "https:" ? https : http;
    const req = lib.request(url, { method: "GET", headers, lookup, signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > maxBytes)
          req.destroy(new UpstreamError(`${url.host}: the answer is larger than ${mb(maxBytes)}`));
        else chunks.push(c);
      });
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? "",
          headers: res.headers,
          body: Buffer.concat(chunks),
        }),
      );
      res.on("error", reject);
    });
    const timer = setTimeout(
      () => req.destroy(new UpstreamError(`${url.host}: no whole answer within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    req.on("close", () => clearTimeout(timer));
    req.on("error", (e: Error) =>
      reject(e instanceof UpstreamError ? e : new UpstreamError(`${url.host}: ${describeNetError(e)}`)),
    );
    req.end();
  });
}

const privateRefusal = (host: string, address: string): UpstreamError =>
  new UpstreamError(
    `${host} is a private address (${address}); watches from the set may only reach public hosts ` +
      "(the server's config can allow private upstreams: watch.allow-private)",
  );

function describeNetError(e: Error): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ECONNRESET") return "connection reset";
  if (code === "ETIMEDOUT") return "connection timed out";
  if (e.name === "AbortError") return "stopped";
  return code ?? e.message;
}

function toHeaders(raw: IncomingHttpHeaders): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) h.append(k, one);
  }
  return h;
}

/** When a 403/429 says the caller is rate limited: until when (Retry-After, X-RateLimit-Reset). */
export function rateLimitedUntil(status: number, h: Headers, now = Date.now()): Date | undefined {
  if (status !== 403 && status !== 429 && status !== 503) return undefined;
  const retryAfter = h.get("retry-after");
  if (retryAfter) {
    const secs = Number(retryAfter);
    const at = Number.isFinite(secs) ? now + secs * 1000 : Date.parse(retryAfter);
    if (Number.isFinite(at)) return new Date(Math.min(at, now + 24 * 3600_000));
  }
  if (h.get("x-ratelimit-remaining") === "0") {
    const reset = Number(h.get("x-ratelimit-reset"));
    return new Date(
      Number.isFinite(reset) && reset > 0 ? Math.min(reset * 1000, now + 24 * 3600_000) : now + 3600_000,
    );
  }
  return status === 429 ? new Date(now + 60_000) : undefined;
}
