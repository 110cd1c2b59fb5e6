// The API client: the token (kept in localStorage, sent as Bearer on every call), JSON fetches,
// and errors that carry the server's message and code.
import { useSyncExternalStore } from "react";

export const API = "/api/v1";
const TOKEN_KEY = "kiln.token";

// ---- the token ----

const tokenListeners = new Set<() => void>();

function readStoredToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

let token: string | null = readStoredToken();

export function getToken(): string | null {
  return token;
}

export function setToken(value: string | null): void {
  token = value;
  try {
    if (value) localStorage.setItem(TOKEN_KEY, value);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Private mode: the token lives for this page only.
  }
  for (const fn of tokenListeners) fn();
}

function subscribeToken(fn: () => void): () => void {
  tokenListeners.add(fn);
  return () => tokenListeners.delete(fn);
}

export function useToken(): string | null {
  return useSyncExternalStore(subscribeToken, getToken);
}

// ---- calls ----

/** An answer other than 2xx: the server's `error` text, its `code`, and the whole body (details). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

function headers(extra: Record<string, string>, withToken: string | null): Headers {
  const h = new Headers({ accept: "application/json", ...extra });
  if (withToken) h.set("authorization", `Bearer ${withToken}`);
  return h;
}

async function handle<T>(res: Response): Promise<T> {
  const text = await res.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  if (!res.ok) {
    const obj = body && typeof body === "object" ? (body as Record<string, unknown>) : {};
    const message =
      typeof obj.error === "string" ? obj.error : `${res.status} ${res.statusText || "error"}`.trim();
    throw new ApiError(message, res.status, typeof obj.code === "string" ? obj.code : undefined, obj);
  }
  return body as T;
}

async function call<T>(path: string, init: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${API}${path}`, init);
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError("cannot reach the server (is it running?)", 0, "NETWORK", {});
  }
  return handle<T>(res);
}

/** GET an API path (relative to /api/v1). */
export function apiGet<T>(path: string, signal?: AbortSignal): Promise<T> {
  return call<T>(path, { headers: headers({}, token), ...(signal ? { signal } : {}) });
}

/** POST JSON to an API path with the saved token. */
export function apiPost<T>(path: string, body: unknown = {}): Promise<T> {
  return call<T>(path, {
    method: "POST",
    headers: headers({ "content-type": "application/json" }, token),
    body: JSON.stringify(body),
  });
}

/** DELETE an API path with the saved token. */
export function apiDelete<T>(path: string): Promise<T> {
  return call<T>(path, { method: "DELETE", headers: headers({}, token) });
}

/** Who a token belongs to (without saving it). */
export function whoami(withToken: string | null): Promise<{ name: string | null; role: string | null }> {
  return call(`/whoami`, { headers: headers({}, withToken) });
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

export function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === "AbortError";
}
