// A file of Kiln's own (a log it wrote) sent as plain text: opened without following a link, so a
// link planted where a log belongs sends nothing; a missing one is a 404 in words.
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import type { FastifyReply } from "fastify";
import { HttpError } from "./http-error.js";

export async function sendTextFile(reply: FastifyReply, path: string, what: string): Promise<FastifyReply> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => undefined);
  if (!fh) throw new HttpError(404, `${what} is not there (yet)`, "NOT_FOUND");
  if (!(await fh.stat()).isFile()) {
    await fh.close();
    throw new HttpError(404, `${what} is not there (yet)`, "NOT_FOUND");
  }
  return reply.type("text/plain; charset=utf-8").send(fh.createReadStream());
}
