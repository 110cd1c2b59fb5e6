// Words and numbers as the pages show them: durations, times, sizes, statuses.

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  if (m < 60) return rest ? `${m} min ${rest} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return `${h} h ${m - h * 60} min`;
}

export function ago(iso: string | null | undefined, now: number): string {
  if (!iso) return "never";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.round((now - t) / 1000);
  if (s < 5) return "just now";
  if (s < 60) return `${s} s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} days ago`;
}

/** "in 5 min" for a time to come ("due" once it has passed). */
export function until(iso: string | null | undefined, now: number): string {
  if (!iso) return "never";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.round((t - now) / 1000);
  if (s < 5) return "due now";
  if (s < 60) return `in ${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `in ${m} min`;
  const h = Math.round(m / 60);
  if (h < 48) return `in ${h} h`;
  return `in ${Math.round(h / 24)} days`;
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return "–";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export type Tone = "ok" | "failed" | "running" | "queued" | "neutral" | "cutoff";

const TONES: Record<string, Tone> = {
  green: "ok",
  ok: "ok",
  idle: "ok",
  done: "ok",
  failed: "failed",
  blocked: "failed",
  invalid: "failed",
  running: "running",
  leased: "running",
  queued: "queued",
  busy: "running",
  active: "running",
  "cut-off": "cutoff",
  // Release watches and update threads.
  current: "ok",
  newer: "running",
  error: "failed",
  detected: "queued",
  bumped: "running",
  building: "running",
  built: "running",
  testing: "running",
  ready: "ok",
  accepted: "running",
  promoted: "ok",
  "needs-hand": "failed",
};

export function toneOf(status: string): Tone {
  return TONES[status] ?? "neutral";
}

const LABELS: Record<string, string> = {
  "cut-off": "cut off",
  "up-to-date": "up to date",
  leased: "running",
  newer: "new",
  "needs-hand": "needs a hand",
};

export function statusLabel(status: string): string {
  return LABELS[status] ?? status;
}

/** A job or package of a request that has finished, one way or another. */
export function isDone(status: string): boolean {
  return status !== "queued" && status !== "leased";
}
