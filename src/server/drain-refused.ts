// A request refused before its body was read (a stale lease, a bad file name, a job that is gone)
// is answered once a small body has come off the wire: a client still sending it would otherwise
// see its write fail (EPIPE) instead of the answer. A large body is not read for nothing — the
// answer goes out at once and the connection closes.
import type { FastifyReply, FastifyRequest } from "fastify";

const DRAIN_MAX_BYTES = 1024 * 1024;
const DRAIN_MAX_MS = 5000;

export async function drainRefused(
  req: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
): Promise<unknown> {
  const raw = req.raw;
  if (reply.statusCode < 400 || raw.readableEnded || raw.destroyed) return payload;
  const declared = Number(req.headers["content-length"]);
  if (!Number.isFinite(declared) || declared <= 0 || declared > DRAIN_MAX_BYTES) return payload;
  await new Promise<void>((resolve) => {
    let read = 0;
    const done = (): void => {
      clearTimeout(timer);
      raw.off("data", onData);
      raw.off("end", done);
      raw.off("error", done);
      raw.off("close", done);
      resolve();
    };
    const onData = (chunk: Buffer): void => {
      read += chunk.length;
      if (read > DRAIN_MAX_BYTES) done();
    };
    const timer = setTimeout(done, DRAIN_MAX_MS);
    raw.on("data", onData);
    raw.once("end", done);
    raw.once("error", done);
    raw.once("close", done);
    raw.resume();
  });
  return payload;
}
