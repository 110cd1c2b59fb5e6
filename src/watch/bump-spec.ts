// A version bump written into a spec's text in place, the way a packager would by hand: the main
// package's Version set, its Release reset to 1 (the form kept: `0.3%{?dist}` becomes `1%{?dist}`),
// a %changelog entry added at the top. Every other byte stays as it was (line endings, alignment,
// comments, the final newline or its absence). Debian has no rpmdevtools (rpmdev-bumpspec), and a
// rewrite by a spec formatter would bury the change in noise.
//
// Pure. A spec the edit cannot follow is "needs a hand", with the reason and the line:
// - Version written with a macro (`Version: %{ver}`), a `%global version`, several Version tags
//   in the main package (%if branches), a Version with a comment after it (rpm refuses it anyway);
// - Release written with macros other than a number macro defined once as a plain number
//   (`%global baserelease 3` is reset to 1 on its own line), or %autorelease;
// - %autochangelog: rpmautospec writes that changelog from git history, Kiln does not run it and
//   adds no entry — the spec needs a hand rather than a bump without its changelog entry;
// - Source0 that does not contain %{version}: the bumped spec would still build the old tarball;
// - the spec already at the new version, the new version not one rpm accepts, the newest
//   %changelog entry dated after the bump (rpm refuses entries out of order).
// verify-bump.ts reads the result back with rpm's parser.
import {
  joinLines,
  LITERAL_EVR,
  macroDefinitions,
  macroNames,
  mainTags,
  releaseShape,
  sectionOf,
  splitLines,
  usualEol,
  type SpecLine,
  type TagLine,
} from "./spec-preamble.js";

export interface BumpOptions {
  version: string;
  /** The changelog entry's day, taken in UTC. */
  date: Date;
  /** "Name <mail>", one line. */
  author: string;
  /** The entry's text (several lines allowed), written as `- <entry>`; `%` is escaped. */
  entry: string;
}

export type BumpResult = { text: string } | { needsHand: string };

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

class NeedsHand extends Error {}
function hand(why: string): never {
  throw new NeedsHand(why);
}

export function bumpSpecText(text: string, o: BumpOptions): BumpResult {
  checkAuthorAndEntry(o);
  try {
    return { text: bump(text, o) };
  } catch (e) {
    if (e instanceof NeedsHand) return { needsHand: e.message };
    throw e;
  }
}

function bump(text: string, o: BumpOptions): string {
  const badVersion = versionProblem(o.version);
  if (badVersion) hand(badVersion);
  const lines = splitLines(text);
  const version = versionTag(lines);
  if (version.value === o.version)
    hand(`the spec is already at Version ${o.version} (line ${version.index + 1}): nothing to bump`);
  checkSource0(lines);
  const release = mainTags(lines, "release");
  if (release.length === 0) hand("the main package has no Release tag");
  if (release.length > 1) hand(`the main package has ${release.length} Release tags (${lineList(release)})`);
  const rel = release[0]!;
  if (rel.rest.trim() !== "")
    hand(
      `Release on line ${rel.index + 1} has more after its value ("${rel.rest.trim()}"): rpm takes one token`,
    );
  const shape = releaseShape(lines, rel);
  if ("problem" in shape) hand(shape.problem);
  const changelog = changelogAt(lines, o.date);

  const out = lines.map((l) => ({ ...l }));
  setValue(out, version, o.version);
  // A rebuild number after the dist tag (`.1`) belongs to the old version: it goes.
  if (shape.definition) {
    setValue(out, shape.definition, "1");
    if (shape.tail !== "") setValue(out, rel, rel.value.slice(0, -shape.tail.length));
  } else setValue(out, rel, `1${shape.dist}`);

  const epoch = mainTags(lines, "epoch")[0]?.value;
  const evr = `${epoch && /^\d+$/.test(epoch) ? `${epoch}:` : ""}${o.version}-1`;
  const eol = usualEol(lines);
  const entry = entryLines(o, evr);
  if (changelog === undefined) {
    // No %changelog: one is added at the end, after a blank line; the file still ends with a
    // newline or not, as it did.
    const last = out[out.length - 1];
    const open = !last || last.eol !== "";
    if (last) last.eol = eol;
    const add = [...(last && last.text.trim() !== "" ? [""] : []), "%changelog", ...entry];
    out.push(...add.map((t) => ({ text: t, eol })));
    if (!open) out[out.length - 1]!.eol = "";
    return joinLines(out);
  }
  const header = out[changelog]!;
  const follows = lines.slice(changelog + 1).some((l) => l.text.trim() !== "");
  const added = (follows ? [...entry, ""] : entry).map((t) => ({ text: t, eol }));
  if (header.eol === "") {
    // %changelog is the file's last line, with no newline: the entry goes after it, likewise.
    header.eol = eol;
    added[added.length - 1]!.eol = "";
  }
  out.splice(changelog + 1, 0, ...added);
  return joinLines(out);
}

/** Why rpm would refuse `v` as a Version (rpmCharCheck), if it would. */
export function versionProblem(v: string): string | undefined {
  const say = (why: string) => `the new version "${v}" cannot be an rpm Version: ${why}`;
  if (v === "") return "the new version is empty";
  if (/\s/.test(v)) return say("it contains whitespace");
  if (v.includes("-")) return say("rpm refuses '-' in a Version (it separates version and release)");
  if (v.includes("%")) return say("it contains '%', which rpm would expand as a macro");
  const bad = [...v].find((c) => !LITERAL_EVR.test(c));
  if (bad !== undefined) return say(`rpm refuses '${bad}' (only ASCII letters, digits and . _ + ~ ^)`);
  if (v.includes("..")) return say(`rpm refuses ".."`);
  return undefined;
}

function versionTag(lines: SpecLine[]): TagLine {
  const tags = mainTags(lines, "version");
  if (tags.length === 0) hand("the main package has no Version tag");
  if (tags.length > 1)
    hand(
      `the main package has ${tags.length} Version tags (${lineList(tags)}), in %if branches perhaps: choose by hand`,
    );
  const t = tags[0]!;
  const at = `Version on line ${t.index + 1}`;
  const redefined = macroDefinitions(lines, "version")[0];
  if (redefined)
    hand(`line ${redefined.index + 1} defines the macro %{version} itself: Kiln edits only the Version tag`);
  if (t.value === "") hand(`${at} is empty`);
  if (t.rest.trim() !== "")
    hand(
      `${at} has more after its value ("${t.rest.trim()}"): rpm takes one token (put a comment on its own line)`,
    );
  if (t.value.includes("%")) {
    const defs = macroNames(t.value).flatMap((n) =>
      macroDefinitions(lines, n).map((d) => `%{${n}} on line ${d.index + 1}`),
    );
    const where = defs.length > 0 ? `, defined as ${defs.join(", ")}` : "";
    hand(`${at} is written with a macro ("${t.value}"${where}): Kiln edits only a literal Version`);
  }
  return t;
}

// rpm numbers an unnumbered Source after the highest number so far, so the first unnumbered one
// is Source0 unless a numbered one came before it.
function checkSource0(lines: SpecLine[]): void {
  const sources = mainTags(lines, "source\\d*");
  let next = 0;
  for (const s of sources) {
    const n = /^[ \t]*source(\d*)/i.exec(lines[s.index]!.text)![1];
    const num = n ? Number(n) : next;
    next = Math.max(next, num + 1);
    if (num !== 0) continue;
    const at = `Source0 on line ${s.index + 1} ("${s.value}")`;
    if (mentionsVersion(lines, s.value, 2)) return;
    hand(`${at} does not contain %{version}: the bumped spec would still build the old tarball`);
  }
}

// %{version} directly, or through macros defined in the spec (`%global srcver %{version}`).
function mentionsVersion(lines: SpecLine[], value: string, depth: number): boolean {
  if (/%\{?\??version(?![\w])/.test(value)) return true;
  if (depth === 0) return false;
  return macroNames(value).some((n) =>
    macroDefinitions(lines, n).some((d) => mentionsVersion(lines, d.value + d.rest, depth - 1)),
  );
}

/** The index of the %changelog line, or undefined when there is none. */
function changelogAt(lines: SpecLine[], date: Date): number | undefined {
  const at = lines.findIndex((l) => sectionOf(l.text) === "changelog");
  if (at < 0) return undefined;
  let top: number | undefined;
  for (let i = at + 1; i < lines.length && top === undefined; i++) {
    const t = lines[i]!.text;
    if (sectionOf(t)) break;
    if (/%\{?autochangelog\b/.test(t))
      hand(
        `%changelog on line ${at + 1} is %autochangelog (rpmautospec), written from git history: Kiln adds no entry to it`,
      );
    if (t.startsWith("*")) top = i;
  }
  if (top !== undefined) {
    const m = /^\*\s+\w{3}\s+(\w{3})\s+(\d{1,2})\s+(\d{4})/.exec(lines[top]!.text);
    const month = m ? MONTHS.indexOf(m[1]!) : -1;
    if (m && month >= 0) {
      const then = Date.UTC(Number(m[3]), month, Number(m[2]));
      if (then > dayOf(date))
        hand(
          `the newest %changelog entry (line ${top + 1}) is dated after ${formatDay(date)}: rpm requires entries newest first`,
        );
    }
  }
  return at;
}

function entryLines(o: BumpOptions, evr: string): string[] {
  const esc = (s: string) => s.replace(/%/g, "%%");
  const body = o.entry
    .trim()
    .split(/\r\n|\n|\r/)
    .map((l) => esc(l.trim()));
  // Continuation lines are indented: one starting with "*" would otherwise open a new entry.
  return [
    `* ${formatDay(o.date)} ${esc(o.author.trim())} - ${evr}`,
    ...body.map((l, i) => (i === 0 ? `- ${l}` : l === "" ? "" : `  ${l}`)),
  ];
}

function checkAuthorAndEntry(o: BumpOptions): void {
  if (o.author.trim() === "" || /[\r\n]/.test(o.author))
    throw new RangeError(
      `bumpSpecText: the changelog author must be one line, got ${JSON.stringify(o.author)}`,
    );
  if (o.entry.trim() === "") throw new RangeError("bumpSpecText: the changelog entry is empty");
  if (Number.isNaN(o.date.getTime())) throw new RangeError("bumpSpecText: the date is invalid");
}

/** rpm's changelog date: `Fri Dec 04 2026`, the day in UTC. */
export function formatDay(d: Date): string {
  const dd = String(d.getUTCDate()).padStart(2, "0");
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${dd} ${d.getUTCFullYear()}`;
}

function dayOf(d: Date): number {
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}

function setValue(out: SpecLine[], tag: TagLine, value: string): void {
  out[tag.index]!.text = tag.lead + value + tag.rest;
}

function lineList(tags: TagLine[]): string {
  return `lines ${tags.map((t) => t.index + 1).join(", ")}`;
}
