// Why a job that is not running is not running, in words: the question Open Build Service and
// GoCD users ask most. A pure function of the job, what it waits for, and the agents.
import { formatLabels, labelsMatch, type Labels } from "./labels.js";

export interface WaitingJob {
  package: string;
  status: string;
  labels: Labels;
  /** Jobs of the same request it needs, with their state. */
  deps: { package: string; status: string; agent?: string | undefined }[];
  error?: string | null | undefined;
  agent?: string | undefined;
  /** Ready jobs that go before it (a longer chain below them). */
  ahead?: number;
}

export interface AgentState {
  name: string;
  labels: Labels;
  slots: number;
  /** Jobs it holds now. */
  running: number;
  /** Heartbeat seen recently. */
  online: boolean;
}

const DONE = new Set(["green", "cut-off", "up-to-date"]);

export function whyWaiting(job: WaitingJob, agents: readonly AgentState[]): string {
  switch (job.status) {
    case "leased":
      return `building on agent ${job.agent ?? "?"}`;
    case "green":
      return "built";
    case "cut-off":
      return "built, with the same output as its published build: cut off, not published";
    case "up-to-date":
      return "up to date: its inputs match its last green build";
    case "failed":
    case "blocked":
    case "cancelled":
      return job.error ? `${job.status}: ${job.error}` : job.status;
  }
  const pending = job.deps.filter((d) => !DONE.has(d.status));
  if (pending.length > 0) {
    const say = (d: WaitingJob["deps"][number]): string =>
      d.status === "leased"
        ? `${d.package} (building on ${d.agent ?? "an agent"})`
        : `${d.package} (${d.status === "queued" ? "queued" : d.status})`;
    return `waits for ${pending.map(say).join(", ")}`;
  }
  const online = agents.filter((a) => a.online);
  if (online.length === 0) {
    return agents.length === 0
      ? "ready, but no agent has enrolled"
      : `ready, but no agent is online (${agents.length} enrolled, none heard from recently)`;
  }
  const matching = online.filter((a) => labelsMatch(a.labels, job.labels));
  if (matching.length === 0) {
    const missing = Object.entries(job.labels).filter(([k, v]) => !online.some((a) => a.labels[k] === v));
    if (missing.length > 0) {
      const what = missing.map(([k, v]) => `${k}=${v}`).join(", ");
      return `ready, but no online agent has label ${what}`;
    }
    return `ready, but no online agent has all of ${formatLabels(job.labels)}`;
  }
  const idle = matching.filter((a) => a.running < a.slots);
  const ahead = job.ahead ?? 0;
  if (idle.length === 0) {
    const busy = matching.map((a) => `${a.name} ${a.running}/${a.slots}`).join(", ");
    const queue =
      ahead > 0 ? `; ${ahead} ready job${ahead > 1 ? "s" : ""} go${ahead > 1 ? "" : "es"} first` : "";
    return `ready; all ${matching.length} matching agent${matching.length > 1 ? "s are" : " is"} busy (${busy})${queue}`;
  }
  if (ahead >= idle.reduce((n, a) => n + a.slots - a.running, 0)) {
    return `ready; ${ahead} ready job${ahead > 1 ? "s" : ""} with a longer chain below go${ahead > 1 ? "" : "es"} first`;
  }
  return `ready: the next lease by ${idle.map((a) => a.name).join(" or ")} takes it`;
}
