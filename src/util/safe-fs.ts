// Reading files that Kiln did not write (a set's specs and sources, what a build left in its
// workspace, an agent's upload): never through a symbolic link, never a device, pipe or socket, and
// never more than a limit. A link or a special file is refused with an error naming it, before a
// byte is read (docs/SECURITY.md).
import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { lstat, open, type FileHandle } from "node:fs/promises";
import { join, sep } from "node:path";
import { UserError } from "./errors.js";

export type RefusedReason = "link" | "special" | "too-large" | "missing" | "not-rpm";

/** A file Kiln will not read: a link, not a regular file, or too large. */
export class RefusedFileError extends UserError {
  constructor(
    readonly reason: RefusedReason,
    /** The file as the user knows it (relative to the set or the workspace). */
    readonly shown: string,
    message: string,
  ) {
    super("FILE_REFUSED", message, { file: shown });
  }
}

export interface SafeOpenOptions {
  /** How errors name the file; default: its path. */
  shown?: string;
  /** Refuse a file larger than this many bytes. */
  maxBytes?: number;
}

function kindOf(st: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a pipe";
  if (st.isSocket()) return "a socket";
  return "a device";
}

/**
 * Opens a regular file for reading, refusing a symbolic link (O_NOFOLLOW: the last component is not
 * followed), anything but a regular file (O_NONBLOCK, so that a pipe cannot hold the open), and a
 * file over `maxBytes`. The caller closes the handle.
 */
export async function openRegular(
  path: string,
  o: SafeOpenOptions = {},
): Promise<{ fh: FileHandle; size: number }> {
  const shown = o.shown ?? path;
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ELOOP") {
      throw new RefusedFileError("link", shown, `${shown} is a symbolic link: Kiln does not follow links`);
    }
    if (code === "ENOENT") throw new RefusedFileError("missing", shown, `${shown} does not exist`);
    throw e;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) {
      throw new RefusedFileError(
        "special",
        shown,
        `${shown} is ${kindOf(st)}, not a regular file: Kiln reads only regular files`,
      );
    }
    if (o.maxBytes !== undefined && st.size > o.maxBytes) {
      throw new RefusedFileError(
        "too-large",
        shown,
        `${shown} is ${st.size} bytes; the limit is ${o.maxBytes}`,
      );
    }
    return { fh, size: st.size };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** The whole of a regular file (see openRegular), at most `maxBytes`. */
export async function readRegular(path: string, o: SafeOpenOptions = {}): Promise<Buffer> {
  const { fh, size } = await openRegular(path, o);
  try {
    const buf = Buffer.alloc(size);
    let got = 0;
    while (got < size) {
      const { bytesRead } = await fh.read(buf, got, size - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.subarray(0, got);
  } finally {
    await fh.close();
  }
}

/** The sha256 of a regular file (see openRegular) and its size; never follows a link. */
export async function sha256Regular(
  path: string,
  o: SafeOpenOptions = {},
): Promise<{ sha256: string; size: number }> {
  const { fh } = await openRegular(path, o);
  const h = createHash("sha256");
  let size = 0;
  try {
    const buf = Buffer.alloc(1024 * 1024);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, size);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      size += bytesRead;
      // The file grew while it was hashed: the limit holds for what was read.
      if (o.maxBytes !== undefined && size > o.maxBytes) {
        const shown = o.shown ?? path;
        throw new RefusedFileError("too-large", shown, `${shown} is over ${o.maxBytes} bytes`);
      }
    }
  } finally {
    await fh.close();
  }
  return { sha256: h.digest("hex"), size };
}

/**
 * Refuses `rel` below `root` when any part of it is a symbolic link or a special file: a directory
 * link inside a workspace would otherwise carry a read outside it. `rel` must not climb out.
 */
export async function assertNoLinks(root: string, rel: string, shown = rel): Promise<void> {
  const parts = rel.split(sep).filter((p) => p.length > 0 && p !== ".");
  if (parts.includes("..")) {
    throw new RefusedFileError("link", shown, `${shown} leaves its directory (..)`);
  }
  let at = root;
  for (const [i, part] of parts.entries()) {
    at = join(at, part);
    const st = await lstat(at);
    if (st.isSymbolicLink()) {
      throw new RefusedFileError(
        "link",
        shown,
        `${shown} ${i === parts.length - 1 ? "is" : "passes through"} a symbolic link (${parts.slice(0, i + 1).join("/")}): Kiln does not follow links`,
      );
    }
    if (i < parts.length - 1 ? !st.isDirectory() : !st.isFile() && !st.isDirectory()) {
      throw new RefusedFileError("special", shown, `${shown} is ${kindOf(st)}, not a regular file`);
    }
  }
}
