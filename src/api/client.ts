// A small typed client of the farm's API over fetch, for agents and the CLI.
import type { z } from "zod";
import { API_PREFIX } from "./schemas.js";

export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    /** 0 when the server could not be reached at all. */
    readonly status: number,
    message: string,
    readonly code?: string,
    /** The rest of the error body (the reasons a promotion was refused, …). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
  /** Worth trying again later: the server is down, restarting or overloaded. */
  get transient(): boolean {
    return this.status === 0 || this.status === 502 || this.status === 503 || this.status === 504;
  }
}

export class ApiClient {
  readonly base: string;
  constructor(
    server: string,
    public token?: string,
  ) {
    this.base = server.replace(/\/+$/, "");
  }

  /** A request to an API path; errors become ApiError with the server's own message. */
  async fetch(
    path: string,
    init: RequestInit & { headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const url = `${this.base}${path.startsWith("/api") ? "" : API_PREFIX}${path}`;
    let res: Response;
    try {
      const auth = this.token ? { authorization: `Bearer ${this.token}` } : {};
      res = await fetch(url, { ...init, headers: { ...auth, ...init.headers } });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new ApiError(
        0,
        `cannot reach the Kiln server at ${this.base}: ${cause?.code ?? cause?.message ?? (e as Error).message}`,
      );
    }
    if (!res.ok) {
      // A body that is not JSON (a proxy's error page): the status line says it.
      const body = (await res.json().catch(() => undefined)) as { error?: string; code?: string } | undefined;
      throw new ApiError(
        res.status,
        body?.error || `${res.status} ${res.statusText}`,
        body?.code,
        body ?? undefined,
      );
    }
    return res;
  }

  async json<S extends z.ZodType>(
    schema: S,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    signal?: AbortSignal,
  ): Promise<z.output<S>> {
    const res = await this.fetch(path, {
      method,
      ...(signal ? { signal } : {}),
      headers: body !== undefined ? { "content-type": "application/json", ...headers } : headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return schema.parse(await cutOff(res.json() as Promise<unknown>, `${method} ${path}`));
  }
}

/** A body cut off half-way (the server went away) becomes a transient ApiError: worth sending again. */
export async function cutOff<T>(p: Promise<T>, what: string): Promise<T> {
  try {
    return await p;
  } catch (e) {
    const err = e as Error & { code?: string; cause?: { code?: string } };
    const code = err.code ?? err.cause?.code ?? "";
    if (
      err.name === "TypeError" ||
      /^(ECONNRESET|EPIPE|UND_ERR_SOCKET|ERR_STREAM_PREMATURE_CLOSE)$/.test(code)
    ) {
      throw new ApiError(0, `the answer to ${what} was cut off (${code || err.message})`);
    }
    throw e;
  }
}
