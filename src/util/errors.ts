// Kiln's two kinds of failure, kept apart (see docs/ARCHITECTURE.md):
// - UserError: the input or the request is wrong. Says what and where; nothing was changed.
// - ExternalError: something outside Kiln failed (a tool, the disk); trying again may help.

/** Where in a user's file something is wrong. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

export function formatLocation(loc: SourceLocation): string {
  let s = loc.file;
  if (loc.line !== undefined) s += `:${loc.line}`;
  if (loc.line !== undefined && loc.column !== undefined) s += `:${loc.column}`;
  return s;
}

/** Every code the CLI and the API (an error body's `code`) report; scripts match on them: never renamed. */
export const ERROR_CODES = [
  // The input is wrong: kiln.yaml, the set, a spec, a source.
  "CONFIG_INVALID",
  "CONFIG_MISSING",
  "SET_INVALID",
  "SPEC_PARSE",
  "SPEC_NAME_MISMATCH",
  "SPEC_MISSING",
  "SPEC_TIMEOUT",
  "SPEC_TOO_LARGE",
  "SPEC_READER_STOPPED",
  "SOURCE_INVALID",
  "SOURCE_MISSING",
  "PACKAGE_DUPLICATE",
  "BUILDREQUIRES_UNKNOWN",
  "BUILDREQUIRES_AMBIGUOUS",
  "CYCLE",
  "PACKAGE_UNKNOWN",
  "DATA_LOCKED",
  "REPO_CLOSURE",
  "PROMOTION_REFUSED",
  "SANDBOX_UNAVAILABLE",
  "DATABASE_UNAVAILABLE",
  "FILE_REFUSED",
  "SANDBOX_POLICY",
  "USAGE",
  // The request is wrong: its body, its path, its size.
  "INVALID_REQUEST",
  "BAD_PATH",
  "BAD_TYPE",
  "TOO_LARGE",
  "TOO_MANY",
  // Who asks: credentials and roles.
  "UNAUTHORIZED",
  "TOKEN_REVOKED",
  "AGENT_DISABLED",
  "FORBIDDEN",
  "BAD_SIGNATURE",
  // What is asked for does not exist.
  "NOT_FOUND",
  // What is asked for conflicts with the state of the farm.
  "NAME_TAKEN",
  "AGENT_BUSY",
  "LAST_ADMIN",
  "NOT_WATCHING",
  "RUN_UNDER_WAY",
  "NOT_RUNNING",
  "NO_BUILD",
  "LEASE_LOST",
  "NO_APPROVAL",
  "APPROVED",
  "NOT_WAITING",
  "THREAD_ENDED",
  "THREAD_NOT_READY",
  // What an agent handed in is refused.
  "ARTIFACT_MISSING",
  "CHECKSUM",
  "RESULT_REFUSED",
  // The server's own.
  "CORRUPT",
  "INTERNAL",
] as const;

/** A code of ERROR_CODES: stable, and never carrying data (details go beside it). */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** What kind of wrong a UserError is; src/server/error-handler.ts maps each kind to an HTTP status. */
export type ErrorKind = "invalid" | "not-found" | "conflict" | "refused" | "too-large";

export class UserError extends Error {
  override readonly name = "UserError";
  readonly kind: ErrorKind = "invalid";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly location?: SourceLocation,
    /** What the user can do about it, one sentence. */
    readonly hint?: string,
  ) {
    super(message);
  }

  /** "file:line: message (hint)" as printed to a terminal. */
  format(): string {
    const where = this.location ? `${formatLocation(this.location)}: ` : "";
    return `${where}${this.message}${this.hint ? `\n  ${this.hint}` : ""}`;
  }
}

/** What is asked for does not exist (no such job, package, request). */
export class NotFoundError extends UserError {
  override readonly kind = "not-found";
}

/** What is asked conflicts with the state things are in (a lease lost, a stage approved already). */
export class ConflictError extends UserError {
  override readonly kind = "conflict";
}

/** What was handed in is refused (an artifact missing or damaged, a result not the job's). */
export class RefusedError extends UserError {
  override readonly kind = "refused";
}

/** What was handed in is larger than is taken (an upload past its limit, too many of them). */
export class TooLargeError extends UserError {
  override readonly kind = "too-large";
}

/** Said when names given are not packages of the set: the same error for kiln build and the farm. */
export function unknownPackages(names: readonly string[], hint?: string): NotFoundError {
  return new NotFoundError(
    "PACKAGE_UNKNOWN",
    `no package named ${names.join(", ")} in the set`,
    undefined,
    hint,
  );
}

export class ExternalError extends Error {
  override readonly name = "ExternalError";
}
