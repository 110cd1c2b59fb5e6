// The farm's API from a test: a typed client over src/api/client.ts's ApiClient and the zod
// schemas of src/api/schemas.ts (every answer parsed, so a test reads typed values), and the raw
// call the hostile tests need to send what no client would.
import { z } from "zod";
import { ApiClient, ApiError } from "../../src/api/client.js";
import {
  AgentView,
  BuildView,
  EnrolResponse,
  ErrorBody,
  JobView,
  PackageSummary,
  RepositoryView,
  type RequestPackage,
  RequestView,
  TokenResponse,
} from "../../src/api/schemas.js";

/** What POST /hooks/git answers (SourceCheckView of the server's hook route). */
export const HookAnswer = z.object({
  commit: z.string().nullable(),
  request: z.number().nullable(),
  changed: z.array(z.string()),
  note: z.string(),
});
export type HookAnswer = z.infer<typeof HookAnswer>;

/** The lists the API answers, as src/server/routes declares them. */
export const BuildList = z.object({ builds: z.array(BuildView) });
export const JobList = z.object({ jobs: z.array(JobView) });
export const RepositoryList = z.object({ repositories: z.array(RepositoryView) });
export const PackageList = z.object({ packages: z.array(PackageSummary), total: z.number() });
export const AgentList = z.object({ agents: z.array(AgentView) });

/** An answer that is either `schema`'s or a refusal (an ErrorBody): each of their keys optional. */
export const orRefusal = <T extends z.ZodRawShape>(schema: z.ZodObject<T>) =>
  schema.partial().extend(ErrorBody.partial().shape);

/** A package of a request as the API shows it: how it ended, or stands. */
export type RequestPackageView = z.infer<typeof RequestPackage>;

const Approved = z.object({ approved: z.array(z.number()), by: z.string() });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class TestApi extends ApiClient {
  /** The same API with another token. */
  as(token: string | undefined): TestApi {
    return new TestApi(this.base, token);
  }

  request(id: number): Promise<RequestView> {
    return this.json(RequestView, "GET", `/requests/${id}`);
  }

  /** POST /requests: everything not up to date, or the named packages and what they need. */
  submit(body: { packages?: string[]; force?: boolean } = {}): Promise<RequestView> {
    return this.json(RequestView, "POST", "/requests", body);
  }

  build(id: number): Promise<BuildView> {
    return this.json(BuildView, "GET", `/builds/${id}`);
  }

  async builds(limit = 100): Promise<BuildView[]> {
    return (await this.json(BuildList, "GET", `/builds?limit=${limit}`)).builds;
  }

  approve(job: number): Promise<z.infer<typeof Approved>> {
    return this.json(Approved, "POST", `/jobs/${job}/approve`, {});
  }

  newToken(name: string, role: "viewer" | "maintainer" | "admin"): Promise<z.infer<typeof TokenResponse>> {
    return this.json(TokenResponse, "POST", "/tokens", { name, role });
  }

  /** A push announced as GitLab sends it: the secret in X-Gitlab-Token, a body the server does not need. */
  hook(secret: string): Promise<HookAnswer> {
    // Without the token: a Bearer token would make it a maintainer's manual trigger.
    const anonymous = new ApiClient(this.base);
    return anonymous.json(
      HookAnswer,
      "POST",
      "/hooks/git",
      { object_kind: "push" },
      { "x-gitlab-token": secret },
    );
  }

  /** Polls the request until `done` says so (default: it is no longer active); returns that view. */
  async waitForRequest(
    id: number,
    o: { ms?: number; everyMs?: number; until?: (r: RequestView) => boolean } = {},
  ): Promise<RequestView> {
    const until = o.until ?? ((r: RequestView) => r.status !== "active");
    const deadline = Date.now() + (o.ms ?? 120_000);
    for (;;) {
      const r = await this.request(id);
      if (until(r)) return r;
      if (Date.now() > deadline)
        throw new Error(
          `request ${id}: not there after ${o.ms ?? 120_000} ms: ${JSON.stringify(r, null, 1)}`,
        );
      await sleep(o.everyMs ?? 100);
    }
  }

  /** The ApiError a call ends with (the test fails if it succeeds). */
  async refusal(call: Promise<unknown>): Promise<ApiError> {
    try {
      await call;
    } catch (e) {
      if (e instanceof ApiError) return e;
      throw e;
    }
    throw new Error("expected the server to refuse this call");
  }
}

/** Each package of a request with how it ended (or stands). */
export const statuses = (r: RequestView): Record<string, string> =>
  Object.fromEntries(r.packages.map((j) => [j.package, j.status]));

/** The build of a package in a request (the test fails if it has none). */
export function buildOf(r: RequestView, pkg: string): number {
  const b = r.packages.find((p) => p.package === pkg)?.build;
  if (b === undefined || b === null) throw new Error(`request ${r.id}: no build of ${pkg}`);
  return b;
}

/** What a raw call sends: anything, including what no client would. */
export interface RawOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  raw?: string | Buffer;
}

/** An answer as it came: its status, headers, text, and the text parsed when it is JSON. */
export interface RawAnswer<B = unknown> {
  status: number;
  headers: Headers;
  text: string;
  body: B;
}

/** One HTTP request to a full URL, sent as given; the answer as it came. */
export async function rawCall(url: string, method: string, o: RawOptions = {}): Promise<RawAnswer> {
  const res = await fetch(url, {
    method,
    headers: {
      ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
      ...(o.body !== undefined ? { "content-type": "application/json" } : {}),
      ...o.headers,
    },
    ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : o.raw !== undefined ? { body: o.raw } : {}),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, text, body };
}

/**
 * The answer with its body checked against `schema` (the test fails if it does not match), and
 * typed as what the schema accepts: the body stays as the server sent it, neither stripped of keys
 * the schema does not name nor given its defaults, so that what a test asserts is what came.
 */
export function checked<S extends z.ZodType>(
  schema: S,
  a: RawAnswer,
  what = "the answer",
): RawAnswer<z.input<S>> {
  const r = schema.safeParse(a.body);
  if (!r.success)
    throw new Error(
      `${what} (${a.status}) is not what the test expected: ${z.prettifyError(r.error)}\n${a.text}`,
    );
  return a as RawAnswer<z.input<S>>;
}

/** A raw call of a method on a path, with api()'s `schema` option. */
export interface RawCaller {
  (method: string, path: string, o?: RawOptions): Promise<RawAnswer>;
  <S extends z.ZodType>(
    method: string,
    path: string,
    o: RawOptions & { schema: S },
  ): Promise<RawAnswer<z.input<S>>>;
}

/** A RawCaller over `send`, which makes the request: `schema` checks its answer, as api()'s. */
export function rawCaller(
  send: (method: string, path: string, o: RawOptions) => Promise<RawAnswer>,
): RawCaller {
  return (async (method: string, path: string, o: RawOptions & { schema?: z.ZodType } = {}) => {
    const { schema, ...rest } = o;
    const a = await send(method, path, rest);
    return schema ? checked(schema, a, `${method} ${path}`) : a;
  }) as RawCaller;
}

/**
 * A raw JSON API call; returns the status and the parsed body as it came (unknown: a test narrows
 * it, or passes `schema` for a body checked and typed by it, see checked()). For the tests that
 * send what a client would not and read whatever comes back; new tests use TestApi.
 */
export function api(url: string, method: string, path: string, o?: RawOptions): Promise<RawAnswer>;
export function api<S extends z.ZodType>(
  url: string,
  method: string,
  path: string,
  o: RawOptions & { schema: S },
): Promise<RawAnswer<z.input<S>>>;
export async function api(
  url: string,
  method: string,
  path: string,
  o: RawOptions & { schema?: z.ZodType } = {},
): Promise<RawAnswer> {
  return rawCaller((m, p, send) => rawCall(`${url}/api/v1${p}`, m, send))(method, path, o);
}

/**
 * Enrols an agent over the raw API with the server's enrolment token (it fails unless the server
 * answers 201); its credential. Labels: x86_64 Linux unless given.
 */
export async function enrolAgent(
  server: { url: string; enrol: string },
  name: string,
  o: { labels?: Record<string, string>; slots?: number } = {},
): Promise<string> {
  const r = await api(server.url, "POST", "/agents", {
    token: server.enrol,
    body: { name, labels: o.labels ?? { arch: "x86_64", os: "linux" }, slots: o.slots ?? 1 },
  });
  if (r.status !== 201) throw new Error(`enrolment of ${name}: ${r.status} ${r.text}`);
  return checked(EnrolResponse, r, `enrolment of ${name}`).body.token;
}

/** Polls a request until it is no longer active (raw, as api() reads it; TestApi has the typed one). */
export async function waitForRequest(
  url: string,
  id: number,
  ms = 120_000,
): Promise<z.input<typeof RequestView>> {
  const t0 = Date.now();
  for (;;) {
    const r = await api(url, "GET", `/requests/${id}`);
    if (r.status === 200) {
      const view = checked(RequestView, r, `GET /requests/${id}`).body;
      if (view.status !== "active") return view;
    }
    if (Date.now() - t0 > ms) throw new Error(`request ${id} still active: ${r.text}`);
    await sleep(100);
  }
}
