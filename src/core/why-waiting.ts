// Why a job that is not running is not running, in words: the question Open Build Service and
// GoCD users ask most. A pure function of the job, what it waits for, and the agents.
import { DONE_STATUSES } from "./status.js";
import { formatLabels, labelsMatch, type Labels } from "./labels.js";
import { decide, type SandboxMode } from "./sandbox-policy.js";

export interface WaitingJob {
  package: string;
  status: string;
  labels: Labels;
  /** Jobs it needs: another package's publication, or (`job` set) an earlier stage's job of its own. */
  deps: { package: string; status: string; agent?: string | undefined; job?: string | undefined }[];
  error?: string | null | undefined;
  agent?: string | undefined;
  /** Ready jobs that go before it (a longer chain below them). */
  ahead?: number;
  /** The server runs it (publish): no agent is needed. */
  runsOnServer?: boolean;
  /** Its stage waits for a maintainer's approval, not given yet (`kiln approve JOB`). */
  approvalOf?: { stage: string; job: number };
  /** The sandbox mode it asks for (unknown for jobs queued by an older Kiln). */
  sandbox?: SandboxMode | undefined;
}

export interface AgentState {
  name: string;
  labels: Labels;
  slots: number;
  /** Jobs it holds now. */
  running: number;
  /** Heartbeat seen recently. */
  online: boolean;
  /** Its sandbox policy and whether bubblewrap works there (unknown before its first lease). */
  sandbox?: { policy: SandboxMode; available: boolean } | undefined;
  /** Why it takes no jobs now (its work directory nearly full), in words; undefined: it takes them. */
  refusal?: string | undefined;
}

/** Whether the agent would run a job in this sandbox mode (it is offered only those). */
export function takes(a: AgentState, mode: SandboxMode | undefined): boolean {
  return !mode || !a.sandbox || !("refuse" in decide(mode, a.sandbox.policy, a.sandbox.available));
}

export function whyWaiting(job: WaitingJob, agents: readonly AgentState[]): string {
  switch (job.status) {
    case "leased":
      return job.runsOnServer ? "being published by the server" : `building on agent ${job.agent ?? "?"}`;
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
  const approval = job.approvalOf
    ? `approval of stage ${job.approvalOf.stage} (kiln approve ${job.approvalOf.job})`
    : undefined;
  const pending = job.deps.filter((d) => !DONE_STATUSES.has(d.status));
  if (pending.length > 0) {
    const say = (d: WaitingJob["deps"][number]): string => {
      const how = d.status !== "leased" ? d.status : d.agent ? `building on ${d.agent}` : "being published";
      return `${d.job ?? d.package} (${how})`;
    };
    return `waits for ${pending.map(say).join(", ")}${approval ? `, then for ${approval}` : ""}`;
  }
  if (approval) return `waits for ${approval}`;
  if (job.runsOnServer) return "ready: the server publishes it next";
  const online = agents.filter((a) => a.online);
  if (online.length === 0) {
    return agents.length === 0
      ? "ready, but no agent has enrolled"
      : `ready, but no agent is online (${agents.length} enrolled, none heard from recently)`;
  }
  const matching = online.filter((a) => labelsMatch(a.labels, job.labels));
  if (matching.length === 0) {
    const missing = Object.entries(job.labels).filter(([k, v]) => !online.some((a) => a.labels[k] === v));
    if (missing.length > 0)
      return `ready, but no online agent has label ${missing.map(([k, v]) => `${k}=${v}`).join(", ")}`;
    return `ready, but no online agent has all of ${formatLabels(job.labels)}`;
  }
  const willing = matching.filter((a) => takes(a, job.sandbox));
  if (willing.length === 0) {
    return job.sandbox === "off"
      ? "ready, but it runs without the sandbox and no online agent takes that (only agents started with --sandbox off do)"
      : `ready, but the sandbox is ${job.sandbox ?? "required"} and no online agent can run it in one (bubblewrap does not work on ${matching.map((a) => a.name).join(", ")})`;
  }
  const taking = willing.filter((a) => a.refusal === undefined);
  if (taking.length === 0) {
    return `ready, but no matching agent takes jobs now: ${willing.map((a) => a.refusal).join("; ")}`;
  }
  const idle = taking.filter((a) => a.running < a.slots);
  const ahead = job.ahead ?? 0;
  if (idle.length === 0) {
    const busy = taking.map((a) => `${a.name} ${a.running}/${a.slots}`).join(", ");
    const queue =
      ahead > 0 ? `; ${ahead} ready job${ahead > 1 ? "s" : ""} go${ahead > 1 ? "" : "es"} first` : "";
    return `ready; all ${taking.length} matching agent${taking.length > 1 ? "s are" : " is"} busy (${busy})${queue}`;
  }
  if (ahead >= idle.reduce((n, a) => n + a.slots - a.running, 0)) {
    return `ready; ${ahead} ready job${ahead > 1 ? "s" : ""} with a longer chain below go${ahead > 1 ? "" : "es"} first`;
  }
  return `ready: the next lease by ${idle.map((a) => a.name).join(" or ")} takes it`;
}
