// Capabilities a binary package will provide, inferred from its %files list before it is ever
// built: its files, and pkgconfig(NAME) for each .pc file (rpm's pkgconfig generator provides the
// same). Once a package is built, what its RPMs really provide replaces this guess.
import type { Dep, Evr } from "./types.js";

export interface FileEntry {
  path: string;
  glob: boolean;
}

/** A %files path, a glob when it holds a wildcard. */
export const fileEntry = (path: string): FileEntry => ({ path, glob: /[*?[{]/.test(path) });

const directive =
  /^%(attr|defattr|config|dir|doc|docdir|license|readme|ghost|verify|lang|caps|artifact|missingok)\b(\([^)]*\))?\s*/;

/** The paths of an expanded %files section (macros already expanded by rpm). */
export function parseFilesList(text: string): FileEntry[] {
  const out: FileEntry[] = [];
  for (const raw of text.split("\n")) {
    let line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    if (/^%exclude\b/.test(line)) continue;
    let m: RegExpExecArray | null;
    while ((m = directive.exec(line))) line = line.slice(m[0].length);
    // %doc/%license with relative names are documentation copied from the build dir. A quoted
    // name is one path, spaces included.
    for (const word of line.match(/"[^"]*"|\S+/g) ?? []) {
      const path = word.replace(/^"(.*)"$/, "$1");
      if (!path.startsWith("/")) continue;
      out.push(fileEntry(path));
    }
  }
  return out;
}

const pcFile = /\/(?:lib|lib64|share)\/pkgconfig\/([^/*?[\]{}]+)\.pc$/;

export function inferProvides(files: FileEntry[], evr: Evr): Dep[] {
  const out: Dep[] = [];
  for (const f of files) {
    const m = pcFile.exec(f.path);
    if (m && !f.glob) out.push({ name: `pkgconfig(${m[1]})`, op: "=", evr: { version: evr.version } });
  }
  return out;
}

/** A %files glob as a regular expression over paths (rpm's glob: * ? [..] {a,b}). */
export function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${globBody(glob)}(?:/.*)?$`);
}

function globBody(glob: string): string {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[" || c === "{") {
      const end = glob.indexOf(c === "[" ? "]" : "}", i + 1);
      if (end < 0) re += escapeRe(c);
      else {
        const inner = glob.slice(i + 1, end);
        re +=
          c === "["
            ? `[${inner.replace(/^!/, "^").replace(/\\/g, "\\\\")}]`
            : `(?:${inner.split(",").map(globBody).join("|")})`;
        i = end;
      }
    } else re += escapeRe(c);
  }
  return re;
}

export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
