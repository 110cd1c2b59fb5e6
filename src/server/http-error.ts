// An error of the HTTP edge itself (credentials, content types, sizes; a domain error a route
// answers with its own details, such as the reasons a promotion was refused). The coordinator
// throws UserErrors (src/util/errors.ts), which error-handler.ts maps to a status.
import { ErrorBody } from "../api/schemas.js";
import type { ErrorCode } from "../util/errors.js";

/** The error responses most routes declare. */
export const ERRORS = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

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
