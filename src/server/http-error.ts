// An error the API answers with a 4xx status and a sentence saying what was wrong.
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}
