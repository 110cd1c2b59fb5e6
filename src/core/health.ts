// The farm's checks of itself, as pure decisions: from what was measured (free space, when an
// agent was last heard from, how long the database took) to a state and a sentence that says why
// and what to do. The health monitor (src/health/) measures and records; this decides.
import { formatLabels, labelsMatch, type Labels } from "./labels.js";
import type { SandboxMode } from "./sandbox-policy.js";
import { takes, type AgentState } from "./why-waiting.js";
import type { DiskReport } from "../util/disk.js";

export type { DiskReport };

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

/** A job that could be leased now, and since when (its creation, or its last dependency's end). */
export interface ReadyJob {
  id: number;
  package: string;
  labels: Labels;
  sandbox?: SandboxMode | undefined;
  readySinceMs: number;
}

/**
 * The queue: stalled when a job has been ready for longer than `stallMs` while an agent that would
 * take it sits with a free slot; and jobs whose labels no enabled agent has, which no agent ever takes.
 */
export function queueChecks(
  ready: readonly ReadyJob[],
  agents: readonly (AgentState & { enabled: boolean })[],
  nowMs: number,
  stallMs: number,
): CheckResult[] {
  const subject = "the queue";
  const secs = (ms: number): string => `${Math.round(ms / 1000)} s`;
  const takers = (j: ReadyJob) =>
    agents.filter(
      (a) => a.online && labelsMatch(a.labels, j.labels) && takes(a, j.sandbox) && a.refusal === undefined,
    );
  const stalled = ready
    .filter((j) => nowMs - j.readySinceMs > stallMs)
    .map((j) => ({ j, idle: takers(j).filter((a) => a.running < a.slots) }))
    .filter((x) => x.idle.length > 0)
    .sort((a, b) => a.j.readySinceMs - b.j.readySinceMs);
  const first = stalled[0];
  const stall: CheckResult = first
    ? {
        key: "server:queue-stall",
        subject,
        state: "failing",
        sentence: `the queue is not moving: ${stalled.length} job(s) ready for more than ${secs(stallMs)} (the oldest: ${first.j.package}, job ${first.j.id}, ${secs(nowMs - first.j.readySinceMs)}) while ${first.idle.map((a) => `${a.name} (${a.running}/${a.slots})`).join(", ")} could take it; look at those agents' logs, or restart them`,
      }
    : {
        key: "server:queue-stall",
        subject,
        state: "ok",
        sentence:
          ready.length === 0
            ? "no job is waiting for an agent"
            : `${ready.length} ready job(s), none stalled`,
      };
  const enabled = agents.filter((a) => a.enabled);
  const orphans = ready.filter((j) => !enabled.some((a) => labelsMatch(a.labels, j.labels)));
  const labels: CheckResult =
    orphans.length > 0
      ? {
          key: "server:queue-labels",
          subject,
          state: "warning",
          sentence: `${orphans.length} ready job(s) ask for labels no enabled agent has (${[...new Set(orphans.map((j) => `${j.package}: ${formatLabels(j.labels)}`))].slice(0, 5).join("; ")}): enrol an agent with those labels (kiln agent --label K=V) or change build.labels in kiln.yaml`,
        }
      : {
          key: "server:queue-labels",
          subject,
          state: "ok",
          sentence: "every ready job's labels are some agent's",
        };
  return [stall, labels];
}

/** The event loop's delay: a server whose loop lags answers every request and lease late. */
export function eventLoopCheck(p99Ms: number, slowMs: number): CheckResult {
  const key = "server:event-loop";
  const subject = "the server";
  return p99Ms > slowMs
    ? {
        key,
        subject,
        state: "warning",
        sentence: `the server's event loop lagged ${p99Ms.toFixed(0)} ms (99th percentile since the last check; more than ${slowMs} ms): requests and leases wait; look at what the server's log says it was doing, and at the machine's load`,
      }
    : {
        key,
        subject,
        state: "ok",
        sentence: `the server's event loop lags ${p99Ms.toFixed(1)} ms at most (99th percentile)`,
      };
}
