// An error of the HTTP edge itself (credentials, content types, sizes; a domain error a route
// answers with its own details): a 4xx status and a sentence saying what was wrong (and, where a
// client can act on them, details: the reasons a promotion was refused, what it would need). The
// coordinator throws UserErrors (src/util/errors.ts), which error-handler.ts maps to a status.
import type { ErrorCode } from "../util/errors.js";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: ErrorCode,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}
