// Which statuses of a queue job count as what, for the database, the scheduler's explanations and
// the CLI alike.

/** A job whose dependents may start: its output is published, or nothing new had to be. */
export const DONE_STATUSES: ReadonlySet<string> = new Set(["green", "cut-off", "up-to-date"]);

/** A job that has ended, one way or another. */
export const FINAL_STATUSES: ReadonlySet<string> = new Set([
  ...DONE_STATUSES,
  "failed",
  "blocked",
  "cancelled",
]);
