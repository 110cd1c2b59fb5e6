// Server-sent events: the response is taken over from Fastify and kept open. A proxy in front
// (nginx) is asked not to buffer it, or events would arrive in bursts.
import type { ServerResponse } from "node:http";
import type { FastifyReply } from "fastify";

export function openEventStream(reply: FastifyReply): ServerResponse {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  return res;
}
