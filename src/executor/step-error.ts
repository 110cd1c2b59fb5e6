/** A step failed for a reason said in its message (the log has the rest). */
export class StepError extends Error {}
