// What every build command prints at its end, locally and through a server: the summary line,
// then the packages that need a look, by what happened to them.
export interface Outcome {
  built: readonly string[];
  upToDate: readonly string[];
  cutOff: readonly string[];
  awaitingApproval: readonly string[];
  failed: readonly string[];
  blocked: readonly string[];
  invalid: readonly string[];
  cancelled: readonly string[];
}

/** `built N, up to date N, cut off N, failed N, blocked N` (then awaiting approval, invalid and cancelled when any). */
export function summaryLine(s: Outcome): string {
  const parts = [
    `built ${s.built.length}`,
    `up to date ${s.upToDate.length}`,
    `cut off ${s.cutOff.length}`,
    `failed ${s.failed.length}`,
    `blocked ${s.blocked.length}`,
  ];
  if (s.awaitingApproval.length) parts.push(`awaiting approval ${s.awaitingApproval.length}`);
  if (s.invalid.length) parts.push(`invalid ${s.invalid.length}`);
  if (s.cancelled.length) parts.push(`cancelled ${s.cancelled.length}`);
  return parts.join(", ");
}

export function printOutcome(s: Outcome): void {
  console.log(summaryLine(s));
  if (s.awaitingApproval.length)
    console.log(`awaiting approval (run kiln build --approve): ${s.awaitingApproval.join(", ")}`);
  if (s.cutOff.length) console.log(`cut off (same output as what is published): ${s.cutOff.join(", ")}`);
  if (s.failed.length) console.log(`failed: ${s.failed.join(", ")}`);
  if (s.blocked.length) console.log(`blocked: ${s.blocked.join(", ")}`);
  if (s.invalid.length) console.log(`invalid (see the errors above): ${s.invalid.join(", ")}`);
}

/** A request's packages (the API's statuses) by how they ended, with those up to date when it was submitted. */
export function outcomeOf(
  packages: readonly { package: string; status: string }[],
  upToDateAtSubmit: readonly string[],
): Outcome {
  const pick = (st: string): string[] => packages.filter((p) => p.status === st).map((p) => p.package);
  return {
    built: pick("green"),
    upToDate: [...upToDateAtSubmit, ...pick("up-to-date")],
    cutOff: pick("cut-off"),
    awaitingApproval: [],
    failed: pick("failed"),
    blocked: pick("blocked"),
    invalid: pick("invalid"),
    cancelled: pick("cancelled"),
  };
}
