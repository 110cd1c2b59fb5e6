// After a build: does any file in its RPMs mention the build root's path (an LDFLAGS recorded into
// a shipped config file, an rpath)? Such a package works on the build machine and breaks elsewhere.
// The payload is untrusted: it is unpacked inside the sandbox when the build was sandboxed, and
// read without following any link it holds.
import { createReadStream } from "node:fs";
import { mkdtemp, readdir, readlink, rm } from "node:fs/promises";
import { join } from "node:path";
import { extractPayload } from "../rpm/payload.js";
import { sandboxedExec } from "./sandboxed-exec.js";

export interface Leak {
  rpm: string;
  /** Paths inside the package. */
  files: string[];
}

export async function findPathLeaks(
  rpmFiles: string[],
  prefixes: string[],
  scratch: string,
  sandboxed: boolean,
): Promise<Leak[]> {
  const needles = prefixes.map((p) => Buffer.from(p));
  const found = await Promise.all(
    rpmFiles.map(async (rpm): Promise<Leak | undefined> => {
      const dir = await mkdtemp(join(scratch, "leak-"));
      try {
        await unpack(rpm, dir, sandboxed);
        const files: string[] = [];
        for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
          const full = join(e.parentPath, e.name);
          const hit = e.isSymbolicLink()
            ? includesAny(Buffer.from(await readlink(full)), needles)
            : e.isFile() && (await fileIncludes(full, needles));
          if (hit) files.push(full.slice(dir.length));
        }
        return files.length > 0 ? { rpm, files: files.sort() } : undefined;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }),
  );
  return found.filter((l): l is Leak => l !== undefined);
}

async function unpack(rpm: string, into: string, sandboxed: boolean): Promise<void> {
  if (!sandboxed) return extractPayload(rpm, into);
  const failed = await sandboxedExec({
    argv: ["sh", "-c", "rpm2cpio /kiln/in.rpm | cpio -idm --quiet --no-absolute-filenames -D /kiln/out"],
    env: { PATH: "/usr/bin:/bin", LANG: "C.UTF-8", HOME: "/tmp" },
    cwd: "/kiln/out",
    sandbox: {
      readOnly: [{ src: rpm, dest: "/kiln/in.rpm" }],
      readWrite: [{ src: into, dest: "/kiln/out" }],
    },
  });
  if (failed) throw failed.error;
}

function includesAny(data: Buffer, needles: readonly Buffer[]): boolean {
  return needles.some((n) => data.includes(n));
}

/** Whether a file holds any needle, read in chunks (a shipped file may be larger than memory). */
async function fileIncludes(path: string, needles: readonly Buffer[]): Promise<boolean> {
  const overlap = Math.max(...needles.map((n) => n.length)) - 1;
  let tail = Buffer.alloc(0);
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    const data = Buffer.concat([tail, chunk as Buffer]);
    if (includesAny(data, needles)) return true;
    tail = data.subarray(Math.max(0, data.length - overlap));
  }
  return false;
}
