// The one-line summary every build command ends with, locally and through a server, and what set
// a request off, in words.
import type { RequestCause } from "../api/schemas.js";

export interface Counts {
  built: number;
  upToDate: number;
  cutOff: number;
  failed: number;
  blocked: number;
  invalid?: number;
  cancelled?: number;
  awaitingApproval?: number;
}

/** `built N, up to date N, cut off N, failed N, blocked N` (then invalid and cancelled when any). */
export function summaryLine(c: Counts): string {
  const parts = [
    `built ${c.built}`,
    `up to date ${c.upToDate}`,
    `cut off ${c.cutOff}`,
    `failed ${c.failed}`,
    `blocked ${c.blocked}`,
  ];
  if (c.awaitingApproval) parts.push(`awaiting approval ${c.awaitingApproval}`);
  if (c.invalid) parts.push(`invalid ${c.invalid}`);
  if (c.cancelled) parts.push(`cancelled ${c.cancelled}`);
  return parts.join(", ");
}

/** The counts of a request's jobs (the API's job statuses), with what was up to date at submission. */
export function requestCounts(jobs: readonly { status: string }[], upToDateAtSubmit: number): Counts {
  const n = (s: string): number => jobs.filter((j) => j.status === s).length;
  return {
    built: n("green"),
    upToDate: n("up-to-date") + upToDateAtSubmit,
    cutOff: n("cut-off"),
    failed: n("failed"),
    blocked: n("blocked"),
    invalid: n("invalid"),
    cancelled: n("cancelled"),
  };
}

/** What set a request off, in words. */
export function describeCause(c: RequestCause): string {
  switch (c.kind) {
    case "commit":
      return `commit ${c.commit.slice(0, 12)} "${c.subject}", which changed ${c.changed.join(", ")}`;
    case "rebuild":
      return `a rebuild of ${c.packages.join(", ")}${c.downstream ? " and everything below" : ""}`;
    case "submit":
      return "a build request";
    case "command":
      return `the command ${JSON.stringify(c.command)}${c.unsandboxed ? ", run WITHOUT the sandbox by an admin" : ""}`;
  }
}
