// When a watch is looked at next: pure, so the rules are tested without clocks or upstreams.

/** After failures the wait doubles from an eighth of the interval, up to this many intervals. */
const MAX_BACKOFF = 16;

/**
 * When to look next: the interval moved by up to ±jitter of it; after failures, a shorter first
 * retry that doubles each time up to the interval × 16; never before the upstream's Retry-After.
 */
export function nextLook(
  now: Date,
  intervalMs: number,
  jitter: number,
  failures: number,
  retryAt?: Date,
  random = Math.random,
): Date {
  const base =
    failures > 0
      ? Math.min(intervalMs * MAX_BACKOFF, (intervalMs / 8) * 2 ** Math.min(failures - 1, 10))
      : intervalMs;
  const at = now.getTime() + base * (1 + jitter * (2 * random() - 1));
  return new Date(Math.max(at, retryAt?.getTime() ?? 0));
}
