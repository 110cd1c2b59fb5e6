// What the API answers when a route throws. A 4xx says what was wrong in the caller's terms (with
// the server's own absolute paths made relative to the data directory or the package set); any other
// error is the server's: its body is only a reference to the log, which has the stack. Nothing a
// command wrote to stderr, no stack and no absolute path ever goes into a body.
import { randomBytes } from "node:crypto";
import { relative, sep } from "node:path";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { NameTakenError } from "../db/tokens.js";
import { UserError, type ErrorCode, type ErrorKind } from "../util/errors.js";
import { HttpError } from "./http-error.js";

/** The HTTP status each kind of user error is answered with (by this handler, and in process). */
export const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  "not-found": 404,
  conflict: 409,
  refused: 422,
  "too-large": 413,
};

export interface ErrorHandlerOptions {
  /** Directories whose absolute paths are shown relative to them (the data directory, the set). */
  roots: string[];
  /** Where the details of a 500 go (the server's log). */
  log: (line: string) => void;
}

/** Absolute paths under one of `roots` become relative; any other absolute path is elided. */
export function withoutPaths(message: string, roots: string[]): string {
  let out = message;
  // Longest first, so that a set inside the data directory is named from the set.
  for (const root of [...roots].sort((a, b) => b.length - a.length)) {
    if (!root.startsWith("/")) continue;
    const re = new RegExp(`${escape(root)}(${escape(sep)}[^\\s'"\`:,;)]*)?`, "g");
    out = out.replace(re, (_m, rest: string | undefined) => relative(root, root + (rest ?? "")) || ".");
  }
  // What is left: absolute paths elsewhere on the server (the system, a home directory).
  return out.replace(/(^|[\s'"`(=])\/(?:[\w.+-]+\/)+[\w.+-]*/g, "$1…");
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function setErrorHandler(app: FastifyInstance, o: ErrorHandlerOptions): void {
  const clean = (s: string): string => withoutPaths(s, o.roots);
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = err.validationContext ?? "request";
      const what = err.validation
        .map(
          (v) =>
            `${where}${v.instancePath ? v.instancePath.replaceAll("/", ".") : ""}: ${v.message ?? "invalid"}`,
        )
        .join("; ");
      return reply.code(400).send({ error: clean(what), code: "INVALID_REQUEST" satisfies ErrorCode });
    }
    if (err instanceof HttpError && err.status < 500) {
      return reply.code(err.status).send({ ...err.details, error: clean(err.message), code: err.code });
    }
    if (err instanceof NameTakenError) {
      return reply.code(409).send({ error: err.message, code: err.code, name: err.taken });
    }
    if (err instanceof UserError) {
      return reply.code(STATUS[err.kind]).send({ error: clean(err.format()), code: err.code });
    }
    const status = err.statusCode;
    if (!(err instanceof HttpError) && status && status >= 400 && status < 500) {
      // Fastify's own (a body too large, bad JSON, an unsupported content type): its message is
      // about the request.
      return reply.code(status).send({ error: clean(err.message), code: err.code });
    }
    const ref = randomBytes(6).toString("hex");
    o.log(`kiln serve: error ${ref}: ${req.method} ${req.url.split("?")[0]}: ${err.stack ?? String(err)}`);
    const code: ErrorCode = err instanceof HttpError && err.code ? err.code : "INTERNAL";
    return reply.code(err instanceof HttpError ? err.status : 500).send({
      error: `internal error (reference ${ref}); the server's log has the details`,
      code,
      reference: ref,
    });
  });
}
