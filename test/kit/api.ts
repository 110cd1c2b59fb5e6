// The farm's API from a test: a typed client over src/api/client.ts's ApiClient and the zod
// schemas of src/api/schemas.ts (every answer parsed, so a test reads typed values), and the raw
// call the hostile tests need to send what no client would.
import { z } from "zod";
import { ApiClient, ApiError } from "../../src/api/client.js";
import { BuildView, RequestView, TokenResponse } from "../../src/api/schemas.js";

/** What POST /hooks/git answers (SourceCheckView of the server's hook route). */
export const HookAnswer = z.object({
  commit: z.string().nullable(),
  request: z.number().nullable(),
  changed: z.array(z.string()),
  note: z.string(),
});
export type HookAnswer = z.infer<typeof HookAnswer>;

const BuildList = z.object({ builds: z.array(BuildView) });
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

/**
 * A raw JSON API call; returns the status and the parsed body as it came. For the tests that send
 * what a client would not and read whatever comes back; new tests use TestApi.
 */
export async function api(
  url: string,
  method: string,
  path: string,
  o: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string | Buffer } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above: whatever the API answered
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/api/v1${path}`, {
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
  return { status: res.status, body };
}

/** Polls a request until it is no longer active (raw, as api() reads it; TestApi has the typed one). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as api()
export async function waitForRequest(url: string, id: number, ms = 120_000): Promise<any> {
  const t0 = Date.now();
  for (;;) {
    const r = await api(url, "GET", `/requests/${id}`);
    if (r.status === 200 && r.body.status !== "active") return r.body;
    if (Date.now() - t0 > ms) throw new Error(`request ${id} still active: ${JSON.stringify(r.body)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}
