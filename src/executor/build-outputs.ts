// What a build left in its workspace, read as untrusted: the RPMs in RPMS/ and SRPMS/ (no links,
// no special files, only RPMs, all built from this build's own source RPM) and the files a job
// declares as artifacts (no links anywhere on their path). A refusal names the file.
import { glob, lstat, readdir } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import { refuseForeignOutputs } from "../core/own-outputs.js";
import type { RpmHeader } from "../rpm/rpm-query.js";
import { assertNoLinks, RefusedFileError } from "../util/safe-fs.js";
import { StepError } from "./step-error.js";

/** Most RPMs one build may leave (a spec with more subpackages than this is not a package). */
const MAX_RPMS = 2000;

/** The .rpm files below top/sub, refusing any link or special file there. */
export async function listOutputRpms(top: string, sub: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(top, sub), { withFileTypes: true, recursive: true })) {
    const path = join(e.parentPath, e.name);
    const shown = relative(top, path);
    if (e.isSymbolicLink()) {
      throw new StepError(
        `the build left ${shown}, a symbolic link: refused (Kiln does not follow links a build made)`,
      );
    }
    if (e.isDirectory()) continue;
    if (!e.isFile()) throw new StepError(`the build left ${shown}, which is not a regular file: refused`);
    if (e.name.endsWith(".rpm")) out.push(path);
    if (out.length > MAX_RPMS) throw new StepError(`the build left more than ${MAX_RPMS} RPMs in ${sub}/`);
  }
  return out.sort();
}

/** Why the headers are not all `pkg`'s own (see refuseForeignOutputs); undefined when they are. */
export function checkOutputs(
  pkg: string,
  headers: readonly RpmHeader[],
  shown: (f: string) => string,
  evr?: { version: string; release: string },
): string | undefined {
  return refuseForeignOutputs(
    pkg,
    headers.map((h) => ({
      shown: shown(h.file),
      filename: basename(h.file),
      name: h.name,
      version: h.evr.version,
      release: h.evr.release ?? "",
      source: h.source,
      sourcerpm: h.sourcerpm,
    })),
    evr,
  );
}

/** The job's declared artifacts: each glob must match, no two files may share a name, no links. */
export async function declaredArtifacts(
  work: string,
  patterns: readonly string[],
): Promise<{ path: string; name: string }[]> {
  const out: { path: string; name: string }[] = [];
  const names = new Set<string>();
  for (const pattern of patterns) {
    const found: string[] = [];
    for await (const rel of glob(pattern, { cwd: work })) found.push(rel);
    const files: string[] = [];
    for (const rel of found.sort()) {
      try {
        await assertNoLinks(work, rel, `artifact ${rel}`);
      } catch (e) {
        if (e instanceof RefusedFileError) throw new StepError(`${e.message}: refused`);
        throw e;
      }
      if ((await lstat(join(work, rel))).isFile()) files.push(join(work, rel));
    }
    if (files.length === 0) throw new StepError(`artifact ${pattern} matched no file in the workspace`);
    for (const path of files) {
      const name = basename(path);
      if (names.has(name)) throw new StepError(`two artifacts are named ${name}: give them distinct names`);
      names.add(name);
      out.push({ path, name });
    }
  }
  return out;
}
