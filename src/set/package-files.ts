// The files of a package set that Kiln reads or hands to a build, checked before use: a package
// directory, its spec, its Source/Patch files and its rpmlintrc must be what they say (no link, no
// pipe or device, not over a size), or the package is refused with the file and the reason.
import { lstatSync, readdirSync, type Stats } from "node:fs";
import { join } from "node:path";
import type { SourcePackage } from "../core/package.js";
import { UserError } from "../util/errors.js";
import { RefusedFileError } from "../util/safe-fs.js";
import { missingSources } from "./interpret-spec.js";

export const MAX_SPEC_BYTES = 1024 * 1024;
export const DEFAULT_MAX_SOURCE_BYTES = 2 * 1024 * 1024 * 1024;
const MAX_RPMLINTRC_BYTES = 1024 * 1024;

function kindOf(st: Stats): string {
  if (st.isSymbolicLink()) return "a symbolic link: Kiln does not follow links";
  if (st.isDirectory()) return "a directory, not a file";
  if (st.isFIFO()) return "a pipe, not a regular file";
  if (st.isSocket()) return "a socket, not a regular file";
  return "a device, not a regular file";
}

/** Why `path` (shown as `shown`) cannot be used as a regular file of at most `maxBytes`, if it cannot. */
export function refusal(path: string, shown: string, maxBytes: number): RefusedFileError | undefined {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st) return new RefusedFileError("missing", shown, `${shown} does not exist`);
  if (!st.isFile()) {
    return new RefusedFileError(st.isSymbolicLink() ? "link" : "special", shown, `${shown} is ${kindOf(st)}`);
  }
  if (st.size > maxBytes) {
    return new RefusedFileError("too-large", shown, `${shown} is ${st.size} bytes; the limit is ${maxBytes}`);
  }
  return undefined;
}

export interface PackageDirs {
  /** Directories under packages/, sorted. */
  dirs: string[];
  /** Entries that look like packages but are links, by name. */
  refused: Map<string, UserError>;
}

/** The package directories of `packagesDir`; a link in their place is refused, never followed. */
export function listPackageDirs(packagesDir: string): PackageDirs {
  const dirs: string[] = [];
  const refused = new Map<string, UserError>();
  for (const d of readdirSync(packagesDir, { withFileTypes: true })) {
    // A name with a newline or another control character would garble every list it is in.
    if ([...d.name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
      const shown = `packages/${JSON.stringify(d.name).slice(1, -1)}`;
      refused.set(
        d.name,
        new UserError("FILE_REFUSED", `${shown} has a control character in its name`, { file: shown }),
      );
    } else if (d.isDirectory()) dirs.push(d.name);
    else if (d.isSymbolicLink()) {
      const shown = `packages/${d.name}`;
      refused.set(
        d.name,
        new RefusedFileError("link", shown, `${shown} is a symbolic link: Kiln does not follow links`),
      );
    }
  }
  dirs.sort();
  return { dirs, refused };
}

/** The spec's lstat, or why it cannot be read: SPEC_MISSING (naming the specs there) or FILE_REFUSED. */
export function checkSpec(
  packagesDir: string,
  dir: string,
): { ok: true; stat: Stats } | { ok: false; error: UserError } {
  const specFile = `packages/${dir}/${dir}.spec`;
  const path = join(packagesDir, dir, `${dir}.spec`);
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st) {
    const specs = readdirSync(join(packagesDir, dir)).filter((f) => f.endsWith(".spec"));
    return {
      ok: false,
      error: new UserError(
        "SPEC_MISSING",
        `packages/${dir}/ has no ${dir}.spec${specs.length ? ` (it has ${specs.join(", ")})` : ""}`,
        { file: `packages/${dir}` },
        `name the spec after its directory: packages/${dir}/${dir}.spec`,
      ),
    };
  }
  const refused = refusal(path, specFile, MAX_SPEC_BYTES);
  return refused ? { ok: false, error: refused } : { ok: true, stat: st };
}

/** The unusable Source/Patch files and rpmlintrc: SOURCE_MISSING or FILE_REFUSED, at the line naming each. */
export function checkPackageFiles(
  pkg: SourcePackage,
  packagesDir: string,
  dir: string,
  maxSourceBytes: number,
): UserError[] {
  const refused = new Map(
    pkg.sources.map((s) => [
      s.name,
      refusal(join(packagesDir, dir, s.name), `packages/${dir}/${s.name}`, maxSourceBytes),
    ]),
  );
  const errors = missingSources(pkg, dir, (name) => refused.get(name)?.reason !== "missing");
  for (const s of pkg.sources) {
    const r = refused.get(s.name);
    if (!r || r.reason === "missing") continue;
    errors.push(
      new UserError(
        "FILE_REFUSED",
        `${s.kind === "patch" ? "Patch" : "Source"}${s.number} "${s.name}": ${r.message}`,
        { file: pkg.specFile, ...(s.line !== undefined ? { line: s.line } : {}) },
        "put the file itself in the package's directory",
      ),
    );
  }
  const rc = `${pkg.name}.rpmlintrc`;
  const r = refusal(join(packagesDir, dir, rc), `packages/${dir}/${rc}`, MAX_RPMLINTRC_BYTES);
  if (r && r.reason !== "missing") errors.push(r);
  return errors;
}

/** An errno error on a package's file as that package's error, so that the others load; else rethrown. */
export function asPackageError(e: unknown, shown: string): UserError {
  if (e instanceof UserError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== "string") throw e;
  return new UserError("FILE_REFUSED", `${shown} cannot be read (${code})`, { file: shown });
}
