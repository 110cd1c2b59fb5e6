// After a build: does any file in its RPMs mention the build root's path (an LDFLAGS recorded into
// a shipped config file, an rpath)? Such a package works on the build machine and breaks elsewhere.
import { mkdtemp, readdir, readFile, readlink, rm } from "node:fs/promises";
import { join } from "node:path";
import { extractPayload } from "../rpm/payload.js";

export interface Leak {
  rpm: string;
  /** Paths inside the package. */
  files: string[];
}

export async function findPathLeaks(
  rpmFiles: string[],
  prefixes: string[],
  scratch: string,
): Promise<Leak[]> {
  const needles = prefixes.map((p) => Buffer.from(p));
  const found = await Promise.all(
    rpmFiles.map(async (rpm): Promise<Leak | undefined> => {
      const dir = await mkdtemp(join(scratch, "leak-"));
      try {
        await extractPayload(rpm, dir);
        const files: string[] = [];
        await walk(dir, "", async (rel, full, isLink) => {
          const data = isLink ? Buffer.from(await readlink(full)) : await readFile(full);
          if (needles.some((n) => data.includes(n))) files.push(rel);
        });
        return files.length > 0 ? { rpm, files: files.sort() } : undefined;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }),
  );
  return found.filter((l): l is Leak => l !== undefined);
}

async function walk(
  dir: string,
  rel: string,
  visit: (rel: string, full: string, isLink: boolean) => Promise<void>,
): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    const r = `${rel}/${e.name}`;
    if (e.isDirectory()) await walk(full, r, visit);
    else if (e.isSymbolicLink()) await visit(r, full, true);
    else if (e.isFile()) await visit(r, full, false);
  }
}
