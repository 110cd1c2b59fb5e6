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

/** Stable codes for every error a user can cause; tests and the API match on them. */
export type UserErrorCode =
  | "CONFIG_INVALID"
  | "CONFIG_MISSING"
  | "SET_INVALID"
  | "SPEC_PARSE"
  | "SPEC_NAME_MISMATCH"
  | "SPEC_MISSING"
  | "SPEC_TIMEOUT"
  | "SPEC_TOO_LARGE"
  | "SPEC_READER_STOPPED"
  | "SOURCE_INVALID"
  | "SOURCE_MISSING"
  | "PACKAGE_DUPLICATE"
  | "BUILDREQUIRES_UNKNOWN"
  | "BUILDREQUIRES_AMBIGUOUS"
  | "CYCLE"
  | "PACKAGE_UNKNOWN"
  | "DATA_LOCKED"
  | "REPO_CLOSURE"
  | "PROMOTION_REFUSED"
  | "SANDBOX_UNAVAILABLE"
  | "DATABASE_UNAVAILABLE"
  | "FILE_REFUSED"
  | "SANDBOX_POLICY"
  | "USAGE";

export class UserError extends Error {
  override readonly name = "UserError";
  constructor(
    readonly code: UserErrorCode,
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

export class ExternalError extends Error {
  override readonly name = "ExternalError";
}
