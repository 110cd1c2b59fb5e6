// What an agent hands the coordinator and takes from it besides leases and results: a leased
// job's spec and sources, its log appended at a byte offset, and its artifacts stored with their
// sha256. One implementation, called by the agent API's routes and by the in-process agent of
// `kiln build` alike.
import { mkdir, open } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ChecksumMismatchError } from "../artifacts/store.js";
import { clearDamage } from "../db/builds.js";
import type { JobRow } from "../db/schema.js";
import { openRegular, RefusedFileError } from "../util/safe-fs.js";
import type { Coordinator } from "./coordinator.js";
import { ConflictError, NotFoundError, RefusedError, TooLargeError } from "../util/errors.js";
import { logNameOf } from "./job-logs.js";
import { MAX_UPLOADS_PER_LEASE, recordUpload, uploadCount } from "../db/uploads.js";

/**
 * One of the leased job's own files (its spec, its sources, its rpmlintrc), opened as a regular
 * file: only names the spec itself lists, never a path from the caller; a link is refused.
 */
export async function openJobFile(
  farm: Coordinator,
  job: JobRow,
  name: string,
): Promise<Awaited<ReturnType<typeof openRegular>>> {
  const pkg = farm.graph.graph.packages.get(job.package);
  const allowed = new Set([
    `${job.package}.spec`,
    `${job.package}.rpmlintrc`,
    ...(pkg?.sources.map((s) => s.name) ?? []),
  ]);
  if (!allowed.has(name)) throw new NotFoundError("NOT_FOUND", `${name} is not a file of ${job.package}`);
  const path = join(farm.ws.setDir, "packages", job.package, name);
  // It was refused at lease time too; the set may have changed since.
  try {
    return await openRegular(path, { shown: `packages/${job.package}/${name}` });
  } catch (e) {
    if (e instanceof RefusedFileError) throw new ConflictError("FILE_REFUSED", e.message);
    throw e;
  }
}

/**
 * Appends a chunk of the job's log that starts at byte `offset` (what the coordinator has already
 * is skipped). Returns the log's size after it: when that is not offset + the chunk's length, the
 * sender goes on from the size given. `cut`: the log reached the farm's limit and takes no more.
 */
export async function appendJobLog(
  farm: Coordinator,
  job: JobRow,
  offset: number,
  chunk: Buffer,
): Promise<{ size: number; cut?: boolean }> {
  if (job.build_id === null && job.command === null) {
    throw new ConflictError("NO_BUILD", `job ${job.id} has no build yet`);
  }
  const path = farm.jobLogPath(job);
  await mkdir(dirname(path), { recursive: true });
  const fh = await open(path, "a+");
  try {
    const size = (await fh.stat()).size;
    // A log is cut at the farm's limit, saying so once; the agent is told to send no more.
    const max = farm.ws.maxLogBytes;
    if (size >= max) return { size, cut: true };
    if (offset > size) return { size };
    let fresh = chunk.subarray(size - offset);
    let cut = false;
    // A chunk that reaches the limit exactly says so too: a later chunk is never written.
    if (size + fresh.length >= max) {
      fresh = Buffer.concat([
        fresh.subarray(0, max - size),
        Buffer.from(`\nkiln: the log was cut at ${max} bytes (--max-log-mb); the rest was dropped\n`),
      ]);
      cut = true;
    }
    if (fresh.length > 0) await fh.write(fresh);
    farm.events.emit(`log:job:${job.id}`);
    if (job.build_id !== null && logNameOf(job) === "build.log") farm.events.emit(`log:${job.build_id}`);
    return { size: size + fresh.length, ...(cut ? { cut } : {}) };
  } finally {
    await fh.close();
  }
}

/** The most bytes one upload of `filename` may have (a job's log is cut at the log limit). */
export function uploadLimit(
  farm: Coordinator,
  job: JobRow,
  filename: string,
  maxUploadBytes: number,
): number {
  return filename === logNameOf(job)
    ? Math.min(maxUploadBytes, farm.ws.maxLogBytes + 64 * 1024)
    : maxUploadBytes;
}

/**
 * Stores one artifact of a leased job, refused unless its bytes have `sha256`, and records it
 * under the lease: only what was uploaded under a lease may be named by its result.
 */
export async function storeJobUpload(
  farm: Coordinator,
  job: JobRow,
  u: {
    leaseToken: string;
    filename: string;
    sha256: string;
    source: AsyncIterable<Uint8Array>;
    limit: number;
  },
): Promise<{ sha256: string; size: number }> {
  const db = farm.ws.db;
  if ((await uploadCount(db, job.id, u.leaseToken)) >= MAX_UPLOADS_PER_LEASE) {
    throw new TooLargeError(
      "TOO_MANY",
      `job ${job.id} has uploaded ${MAX_UPLOADS_PER_LEASE} files under this lease: no more are taken`,
    );
  }
  try {
    const stored = await farm.ws.store.putStream(limited(u.source, u.limit, u.filename), u.sha256);
    await clearDamage(db, stored.sha256);
    await recordUpload(db, { jobId: job.id, leaseToken: u.leaseToken, filename: u.filename, ...stored });
    return stored;
  } catch (e) {
    if (e instanceof ChecksumMismatchError) {
      throw new RefusedError("CHECKSUM", `${u.filename}: ${e.message}; nothing was stored`);
    }
    throw e;
  }
}

/** Passes the stream through, failing it once more than `max` bytes came. */
async function* limited(
  stream: AsyncIterable<Uint8Array>,
  max: number,
  name: string,
): AsyncGenerator<Uint8Array> {
  let n = 0;
  for await (const chunk of stream) {
    n += chunk.length;
    if (n > max)
      throw new TooLargeError("TOO_LARGE", `${name} is larger than the upload limit of ${max} bytes`);
    yield chunk;
  }
}
