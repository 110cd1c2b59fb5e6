// The lines of a spec as written, and the tags of its main package's preamble, for an edit that
// keeps every other byte. Pure. It locates; rpm alone interprets (verify-bump.ts reads the result).

/** One line of a spec: its text without the line ending, and the ending ("\n", "\r\n" or "" at the end). */
export interface SpecLine {
  text: string;
  eol: string;
}

export function splitLines(text: string): SpecLine[] {
  const out: SpecLine[] = [];
  const re = /([^\r\n]*)(\r\n|\n|\r|$)/g;
  for (let m = re.exec(text); m && m.index < text.length; m = re.exec(text)) {
    out.push({ text: m[1]!, eol: m[2]! });
    if (m[2] === "") break;
  }
  return out;
}

export function joinLines(lines: SpecLine[]): string {
  return lines.map((l) => l.text + l.eol).join("");
}

/** The ending the spec mostly uses (that of its first line), for lines Kiln adds. */
export function usualEol(lines: SpecLine[]): string {
  return lines.find((l) => l.eol !== "")?.eol ?? "\n";
}

// rpm's section headers (build/parseSpec.c's partList): the main preamble ends at the first one.
const SECTION =
  /^%(package|description|prep|build|install|check|clean|files|changelog|pretrans|posttrans|preuntrans|postuntrans|pre|post|preun|postun|verifyscript|triggerprein|triggerin|triggerun|triggerpostun|filetriggerin|filetriggerun|filetriggerpostun|transfiletriggerin|transfiletriggerun|transfiletriggerpostun|generate_buildrequires|conf|sourcelist|patchlist)(?![\w-])/;

export function sectionOf(line: string): string | undefined {
  return SECTION.exec(line)?.[1];
}

/** A tag line: what comes before its value (kept), the value (one token) and what follows it (kept). */
export interface TagLine {
  /** 0-based index into the lines. */
  index: number;
  lead: string;
  value: string;
  rest: string;
}

/** Every `Tag:` line of the main package (before the first section), by lower-case tag name. */
export function mainTags(lines: SpecLine[], tag: string): TagLine[] {
  const re = new RegExp(`^([ \\t]*${tag}[ \\t]*:[ \\t]*)(\\S*)(.*)$`, "i");
  const out: TagLine[] = [];
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.text;
    if (sectionOf(text)) break;
    const m = re.exec(text);
    if (m) out.push({ index: i, lead: m[1]!, value: m[2]!, rest: m[3]! });
  }
  return out;
}

/** A %global or %define line anywhere in the spec, with its value as written. */
export interface MacroDefinition extends TagLine {
  name: string;
}

export function macroDefinitions(lines: SpecLine[], name: string): MacroDefinition[] {
  const re = new RegExp(`^([ \\t]*%(?:global|define)[ \\t]+${name}(?:\\(\\S*\\))?[ \\t]+)(\\S*)(.*)$`);
  const out: MacroDefinition[] = [];
  lines.forEach((l, index) => {
    const m = re.exec(l.text);
    if (m) out.push({ index, name, lead: m[1]!, value: m[2]!, rest: m[3]! });
  });
  return out;
}

/** The names of the macros a value uses: %name, %{name}, %{?name}, %{!?name:…}. */
export function macroNames(value: string): string[] {
  return [...value.matchAll(/%\{?[!?]*([A-Za-z_]\w*)/g)].map((m) => m[1]!);
}

/** Characters rpm accepts in Version and Release besides ASCII letters and digits (rpmCharCheck). */
export const LITERAL_EVR = /^[A-Za-z0-9._+~^]+$/;

/**
 * A Release as written, split into its number (a literal or a macro defined once as a literal), the
 * dist macro after it and a literal tail after that (a rebuild number such as `.1`), or why not.
 */
export type ReleaseShape =
  | {
      /** The literal number as written, or the value of the macro's definition. */
      head: string;
      /** When the number is a macro (`%{baserelease}`): the line that defines it. */
      definition?: MacroDefinition;
      /** `%{?dist}`, `%{dist}`, `%dist` or "". */
      dist: string;
      tail: string;
    }
  | { problem: string };

const DIST = /^(%\{\?dist\}|%\{dist\}|%dist(?!\w))/;

export function releaseShape(lines: SpecLine[], tag: TagLine): ReleaseShape {
  const value = tag.value;
  const where = `Release on line ${tag.index + 1} ("${value}")`;
  if (/%\{?[!?]*autorelease\b/.test(value))
    return {
      problem: `${where} uses %autorelease (rpmautospec), which computes the release from git history; Kiln does not run rpmautospec, and Debian's rpm does not define the macro`,
    };
  let head = /^[A-Za-z0-9._+~^]*/.exec(value)![0];
  let rest = value.slice(head.length);
  let definition: MacroDefinition | undefined;
  if (head === "") {
    const m = /^%\{?([A-Za-z_]\w*)\}?/.exec(value);
    const name = m?.[1];
    if (!m || !name || name === "dist")
      return { problem: `${where} does not start with a number that Kiln could reset to 1` };
    const defs = macroDefinitions(lines, name);
    const one = defs.length === 1 ? defs[0]! : undefined;
    if (!one || !LITERAL_EVR.test(one.value) || one.rest.trim() !== "") {
      const said =
        defs.length === 0
          ? "which the spec does not define"
          : defs.length > 1
            ? `defined ${defs.length} times (lines ${defs.map((d) => d.index + 1).join(", ")})`
            : `defined on line ${one!.index + 1} as "${one!.value}${one!.rest}", not a plain number`;
      return { problem: `${where} is written with the macro %{${name}}, ${said}: reset it by hand` };
    }
    definition = one;
    head = one.value;
    rest = value.slice(m[0].length);
  }
  const dist = DIST.exec(rest)?.[1] ?? "";
  const tail = rest.slice(dist.length);
  if (tail.includes("%") || (dist === "" && tail !== ""))
    return {
      problem: `${where} is written with macros (${rest}) after its number: Kiln resets only a Release of the form N or N%{?dist}`,
    };
  return { head, dist, tail, ...(definition ? { definition } : {}) };
}
