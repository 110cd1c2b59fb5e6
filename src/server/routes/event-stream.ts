// Server-sent events: the response is taken over from Fastify and kept open. A proxy in front
// (nginx) is asked not to buffer it, or events would arrive in bursts.
//
// A client that does not read must not make the server hold what it was sent: `write` waits for
// the socket to drain (a followed log reads on only as fast as the client takes it), and `send`
// (events nobody waits on) drops a client that has more than CAP bytes unread.
import { once } from "node:events";
import type { ServerResponse } from "node:http";
import type { FastifyReply } from "fastify";

/** Unread bytes past which a client of `send` is dropped (it reconnects when it reads again). */
export const CAP = 256 * 1024;

export interface EventStream {
  readonly res: ServerResponse;
  /** The client hung up (or was dropped). */
  readonly closed: boolean;
  /** Writes and waits until the client has taken it in; false when the client is gone. */
  write(chunk: string): Promise<boolean>;
  /** Writes without waiting; a client that falls CAP bytes behind is dropped. */
  send(chunk: string): void;
  end(): void;
}

export function openEventStream(reply: FastifyReply): EventStream {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  let closed = false;
  res.on("close", () => (closed = true));
  return {
    res,
    get closed() {
      return closed || res.destroyed;
    },
    async write(chunk) {
      if (closed || res.destroyed) return false;
      if (!res.write(chunk)) {
        await Promise.race([once(res, "drain"), once(res, "close")]).catch(() => undefined);
      }
      return !closed && !res.destroyed;
    },
    send(chunk) {
      if (closed || res.destroyed) return;
      if (res.writableLength > CAP) {
        res.destroy();
        return;
      }
      res.write(chunk);
    },
    end() {
      if (!res.destroyed) res.end();
    },
  };
}
