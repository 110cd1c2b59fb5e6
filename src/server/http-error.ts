// An error the API answers with a 4xx status and a sentence saying what was wrong (and, where a
// client can act on them, details: the reasons a promotion was refused, what it would need).
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}
