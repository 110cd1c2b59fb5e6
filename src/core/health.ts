// The farm's checks of itself, as pure decisions: from what was measured (free space, when an
// agent was last heard from, how long the database took) to a state and a sentence that says why
// and what to do. The health monitor (src/health/) measures and records; this decides.

export type HealthState = "ok" | "warning" | "failing";

export interface CheckResult {
  /** Stable name of what is checked: "server:disk", "agent:a1:disk", "agent:a1:silent". */
  key: string;
  /** Who it is about, in words. */
  subject: string;
  state: HealthState;
  sentence: string;
}

/** The check of an agent's work directory: while it is failing, the agent is given no jobs. */
export const agentDiskKey = (agent: string): string => `agent:${agent}:disk`;

/** Free space of one file system, as statfs gives it. */
export interface DiskReport {
  path: string;
  freeBytes: number;
  totalBytes: number;
  freeInodes: number;
  totalInodes: number;
}

export interface DiskLimits {
  /** Below this many free bytes (or this fraction of the file system) it warns. */
  warnBytes: number;
  warnFraction: number;
  /** Below this many free bytes it fails: an agent takes no jobs. */
  failBytes: number;
  /** The same for free inodes. */
  warnInodes: number;
  failInodes: number;
}

export const DEFAULT_DISK_LIMITS: DiskLimits = {
  warnBytes: 5 * 2 ** 30,
  warnFraction: 0.05,
  failBytes: 2 ** 30,
  warnInodes: 50_000,
  failInodes: 10_000,
};

/** A byte count for people: 1.5 GiB, 230 MiB, 12 KiB. */
export function bytesInWords(n: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${v >= 10 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

/**
 * The free space of a directory Kiln writes to. `what` names it ("the data directory", "agent a1's
 * work directory"); `failing` says what happens below the hard limit.
 */
export function diskCheck(
  key: string,
  subject: string,
  what: string,
  d: DiskReport,
  limits: DiskLimits,
  failing: string,
): CheckResult {
  const free = `${what} ${d.path} has ${bytesInWords(d.freeBytes)} free of ${bytesInWords(d.totalBytes)}`;
  // A file system without inode accounting (btrfs, some tmpfs) reports 0 of 0: no inode figure.
  const inodes = d.totalInodes > 0;
  const inodeWords = `${d.freeInodes} free inodes of ${d.totalInodes}`;
  if (d.freeBytes < limits.failBytes)
    return {
      key,
      subject,
      state: "failing",
      sentence: `${free}, below the hard limit of ${bytesInWords(limits.failBytes)}: ${failing}; free space there (old build roots, logs) or give it a bigger disk`,
    };
  if (inodes && d.freeInodes < limits.failInodes)
    return {
      key,
      subject,
      state: "failing",
      sentence: `${what} ${d.path} has ${inodeWords}, below the hard limit of ${limits.failInodes}: ${failing}; remove files there or give it a file system with more inodes`,
    };
  if (d.freeBytes < limits.warnBytes || d.freeBytes < d.totalBytes * limits.warnFraction)
    return {
      key,
      subject,
      state: "warning",
      sentence: `${free}, below the warning level of ${bytesInWords(limits.warnBytes)} or ${Math.round(limits.warnFraction * 100)}%: free space there before it reaches ${bytesInWords(limits.failBytes)}, when ${failing}`,
    };
  if (inodes && d.freeInodes < limits.warnInodes)
    return {
      key,
      subject,
      state: "warning",
      sentence: `${what} ${d.path} has ${inodeWords}, below the warning level of ${limits.warnInodes}: remove files there before it reaches ${limits.failInodes}, when ${failing}`,
    };
  return { key, subject, state: "ok", sentence: `${free}${inodes ? ` and ${inodeWords}` : ""}` };
}

/** An enrolled, enabled agent not heard from: its heartbeats stopped. */
export function silenceCheck(
  agent: string,
  lastSeenMs: number,
  nowMs: number,
  silentAfterMs: number,
): CheckResult {
  const key = `agent:${agent}:silent`;
  const subject = `agent ${agent}`;
  const ago = Math.round((nowMs - lastSeenMs) / 1000);
  if (nowMs - lastSeenMs > silentAfterMs)
    return {
      key,
      subject,
      state: "warning",
      sentence: `agent ${agent} has not been heard from for ${ago} s: its jobs go to other agents once their leases expire; check that its process runs and reaches the server, or disable it (kiln agents disable ${agent})`,
    };
  return { key, subject, state: "ok", sentence: `agent ${agent} was heard from ${ago} s ago` };
}

/** How long a trivial query took. */
export function databaseCheck(
  ms: number | undefined,
  error: string | undefined,
  slowMs: number,
): CheckResult {
  const key = "server:database";
  const subject = "the server";
  if (error !== undefined)
    return {
      key,
      subject,
      state: "failing",
      sentence: `the database does not answer: ${error}; check that it runs and that the server can reach it`,
    };
  if (ms! > slowMs)
    return {
      key,
      subject,
      state: "warning",
      sentence: `the database took ${ms!.toFixed(0)} ms to answer a trivial query (more than ${slowMs} ms): every request and lease waits on it; look at its load and its disk`,
    };
  return { key, subject, state: "ok", sentence: `the database answers in ${ms!.toFixed(1)} ms` };
}

/** The checks whose state differs from what was recorded (a check seen for the first time counts). */
export function changedStates(
  recorded: ReadonlyMap<string, HealthState>,
  results: readonly CheckResult[],
): CheckResult[] {
  return results.filter((r) => recorded.get(r.key) !== r.state);
}

/** The worst of some states: failing over warning over ok. */
export function worst(states: Iterable<HealthState>): HealthState {
  let w: HealthState = "ok";
  for (const s of states) if (s === "failing" || (s === "warning" && w === "ok")) w = s;
  return w;
}
