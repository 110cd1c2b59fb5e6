// useApi(path): the data of an API path, fetched again whenever the server announces a change.
import { useCallback, useEffect, useState } from "react";
import { ApiError, apiGet, isAbort } from "./api";
import { onChange } from "./live";

export interface ApiState<T> {
  data: T | undefined;
  error: ApiError | undefined;
  /** Nothing fetched yet for this path. */
  loading: boolean;
  /** The data shown is the previous path's (with `keep`), this one's is on its way. */
  stale: boolean;
  reload: () => void;
}

interface Loaded<T> {
  path: string | null;
  data: T | undefined;
  error: ApiError | undefined;
}

/**
 * GET `path` (under /api/v1; null: nothing to fetch) and again on every change event. With
 * `keep`, the previous path's data stays shown while the new path loads (a search as you type).
 */
export function useApi<T>(path: string | null, opts: { keep?: boolean; live?: boolean } = {}): ApiState<T> {
  const { keep = false, live = true } = opts;
  const [loaded, setLoaded] = useState<Loaded<T>>({ path: null, data: undefined, error: undefined });
  const [nonce, setNonce] = useState(0);

  useEffect(() => {
    if (path === null) return;
    let cancelled = false;
    let inFlight = false;
    let again = false;
    const controller = new AbortController();
    const load = async (): Promise<void> => {
      // Changes come in bursts: one fetch at a time, and one more after it if something changed.
      if (inFlight) {
        again = true;
        return;
      }
      inFlight = true;
      try {
        const data = await apiGet<T>(path, controller.signal);
        if (!cancelled) setLoaded({ path, data, error: undefined });
      } catch (e) {
        if (!cancelled && !isAbort(e)) {
          const error = e instanceof ApiError ? e : new ApiError(String(e), 0, undefined, {});
          setLoaded((prev) => ({ path, data: prev.path === path ? prev.data : undefined, error }));
        }
      } finally {
        inFlight = false;
        if (again && !cancelled) {
          again = false;
          void load();
        }
      }
    };
    void load();
    const off = live ? onChange(() => void load()) : () => undefined;
    return () => {
      cancelled = true;
      controller.abort();
      off();
    };
  }, [path, nonce, live]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  const current = loaded.path === path;
  const data = current || keep ? loaded.data : undefined;
  return {
    data,
    error: current ? loaded.error : undefined,
    loading: path !== null && !current && data === undefined,
    stale: !current && data !== undefined,
    reload,
  };
}
