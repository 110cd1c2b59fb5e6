// What rpm read from a spec before and after a bump, compared: the new Version, the Release reset
// to 1, the new %changelog entry on top of the old ones, and nothing else changed. Pure; the reads
// come from verify-bump.ts. A value that names the version or the release (a Provides
// `libgreet = 1.0-1.kiln`, a Source `libgreet-1.0.tar.gz`) may have changed by that substitution
// only, each occurrence one way or the other: a file list's literal `libgreet.so.1.0` stays as it is.
import type { ChangelogEntry, RawSpec } from "../rpm/spec-reader.js";
import { mainTags, releaseShape, splitLines } from "./spec-preamble.js";

export interface BumpExpectation {
  /** The spec's text before the bump (its Release as written tells the number from the dist tag). */
  oldText: string;
  version: string;
  date: Date;
  author: string;
  entry: string;
}

// rpm takes a changelog date as noon in its own time zone: within 14 hours of noon UTC that day.
const NOON_SLACK_S = 14 * 3600;

/** The differences in words; empty when the bump did exactly what it should. */
export function compareBump(before: RawSpec, after: RawSpec, e: BumpExpectation): string[] {
  if (!before.ok || before.failure) return [`rpm cannot read the spec before the bump: ${said(before)}`];
  if (!after.ok || after.failure) return [`rpm cannot read the bumped spec: ${said(after)}`];
  const out: string[] = [];
  const newRelease = expectedRelease(before, e.oldText);
  if (typeof newRelease !== "string") return [newRelease.problem];

  if (after.version !== e.version) out.push(`Version is "${after.version}", not "${e.version}"`);
  if (after.release !== newRelease) out.push(`Release is "${after.release}", not "${newRelease}"`);
  if (after.name !== before.name) out.push(`Name changed from "${before.name}" to "${after.name}"`);
  if ((after.epoch ?? null) !== (before.epoch ?? null))
    out.push(`Epoch changed from ${String(before.epoch ?? "none")} to ${String(after.epoch ?? "none")}`);

  const same = sameBut([
    [before.version ?? "", e.version],
    [`-${before.release ?? ""}`, `-${newRelease}`],
  ]);
  const compare = (what: string, a: string[], b: string[]) => {
    const d = listDifferences(a, b, same);
    if (d.length > 0) out.push(`${what}: ${d.join("; ")}`);
  };
  compare("BuildRequires", before.buildRequires ?? [], after.buildRequires ?? []);
  const sourceText = (s: NonNullable<RawSpec["sources"]>[number]) =>
    `${s.kind === "patch" ? "Patch" : "Source"}${s.number} ${s.name}`;
  compare("sources", (before.sources ?? []).map(sourceText), (after.sources ?? []).map(sourceText));

  const oldPkgs = before.packages ?? [];
  const newPkgs = after.packages ?? [];
  const names = (p: typeof oldPkgs) => p.map((x) => `${x.name}.${x.arch}`);
  compare("packages", names(oldPkgs), names(newPkgs));
  for (const p of oldPkgs) {
    const q = newPkgs.find((x) => x.name === p.name && x.arch === p.arch);
    if (!q) continue;
    compare(`Requires of ${p.name}`, p.requires, q.requires);
    compare(`Provides of ${p.name}`, p.provides, q.provides);
    compare(`%files of ${p.name}`, fileLines(p.files), fileLines(q.files));
  }

  out.push(...changelogDifferences(before, after, e));
  const seen = new Set(before.messages.split("\n"));
  const fresh = after.messages.split("\n").filter((l) => l.trim() !== "" && !seen.has(l));
  if (fresh.length > 0) out.push(`rpm says of the bumped spec: ${fresh.join("; ")}`);
  return out;
}

function changelogDifferences(before: RawSpec, after: RawSpec, e: BumpExpectation): string[] {
  const out: string[] = [];
  // rpm keeps the "\r" of a CRLF spec's changelog lines: the spec's own line ending, not a change.
  const top = clean(after.changelog?.[0]);
  const evr = `${before.epoch != null ? `${before.epoch}:` : ""}${e.version}-1`;
  const name = `${e.author.trim()} - ${evr}`;
  if (!top) return ["the bumped spec has no %changelog entry"];
  if (top.name !== name) out.push(`the newest %changelog entry is by "${top.name}", not "${name}"`);
  const words = (s: string) => s.trim().split(/\s+/).join(" ");
  if (words(top.text) !== words(`- ${e.entry}`))
    out.push(`the newest %changelog entry says "${top.text}", not "- ${e.entry.trim()}"`);
  const noon = Date.UTC(e.date.getUTCFullYear(), e.date.getUTCMonth(), e.date.getUTCDate(), 12) / 1000;
  if (Math.abs(top.time - noon) > NOON_SLACK_S)
    out.push(
      `the newest %changelog entry is dated ${new Date(top.time * 1000).toISOString().slice(0, 10)}, not ${e.date.toISOString().slice(0, 10)}`,
    );
  const oldCount = before.changelogCount ?? 0;
  const newCount = after.changelogCount ?? 0;
  if (newCount !== oldCount + 1)
    out.push(`the %changelog has ${newCount} entries, not ${oldCount + 1} (one more than before)`);
  const old = before.changelog ?? [];
  old.forEach((entry, i) => {
    const now = after.changelog?.[i + 1];
    if (i + 1 < (after.changelog?.length ?? 0) && !sameEntry(entry, now))
      out.push(`the %changelog entry "${clean(entry).name}" changed`);
  });
  return out;
}

function clean<T extends ChangelogEntry | undefined>(e: T): T {
  return e && { ...e, name: e.name.replace(/\r/g, ""), text: e.text.replace(/\r/g, "") };
}

function sameEntry(a: ChangelogEntry, b: ChangelogEntry | undefined): boolean {
  return b !== undefined && a.time === b.time && a.name === b.name && a.text === b.text;
}

/** The Release the bumped spec should have: "1" followed by what the old one had after its number. */
function expectedRelease(before: RawSpec, oldText: string): string | { problem: string } {
  const lines = splitLines(oldText);
  const tag = mainTags(lines, "release")[0];
  const shape = tag ? releaseShape(lines, tag) : { problem: "the spec before the bump has no Release tag" };
  if ("problem" in shape) return { problem: `the spec before the bump: ${shape.problem}` };
  const r = before.release ?? "";
  if (
    !r.startsWith(shape.head) ||
    !r.endsWith(shape.tail) ||
    r.length < shape.head.length + shape.tail.length
  )
    return {
      problem: `rpm read the Release before the bump as "${r}", which does not start with "${shape.head}" as written`,
    };
  return `1${r.slice(shape.head.length, r.length - shape.tail.length)}`;
}

/**
 * Whether `b` is `a` with some occurrences of each pair's first string replaced by its second.
 * Pairs whose two strings are equal, or whose first is empty, are left out.
 */
export function sameBut(pairs: [string, string][]): (a: string, b: string) => boolean {
  const used = pairs.filter(([from, to]) => from !== "" && from !== to && from !== "-");
  if (used.length === 0) return (a, b) => a === b;
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const byLength = [...used].sort((x, y) => y[0].length - x[0].length);
  const token = new RegExp(byLength.map(([f]) => esc(f)).join("|"), "g");
  const swap = new Map(used);
  return (a, b) => {
    if (a === b) return true;
    let pattern = "";
    let last = 0;
    for (const m of a.matchAll(token)) {
      pattern += esc(a.slice(last, m.index)) + `(?:${esc(m[0])}|${esc(swap.get(m[0])!)})`;
      last = m.index + m[0].length;
    }
    if (last === 0) return false;
    return new RegExp(`^${pattern}${esc(a.slice(last))}$`).test(b);
  };
}

/** What is only in `a` and only in `b`, each `a` item matched to one `b` item by `same`. */
export function listDifferences(a: string[], b: string[], same: (x: string, y: string) => boolean): string[] {
  const left = [...b];
  const gone: string[] = [];
  for (const x of a) {
    const exact = left.indexOf(x);
    const i = exact >= 0 ? exact : left.findIndex((y) => same(x, y));
    if (i < 0) gone.push(x);
    else left.splice(i, 1);
  }
  const out: string[] = [];
  if (gone.length > 0) out.push(`no longer ${gone.map((g) => `"${g}"`).join(", ")}`);
  if (left.length > 0) out.push(`now also ${left.map((g) => `"${g}"`).join(", ")}`);
  return out;
}

function fileLines(files: string): string[] {
  return files.split(/\r?\n/).filter((l) => l.trim() !== "");
}

function said(r: RawSpec): string {
  return (r.failure?.message ?? r.messages.trim()) || "no reason given";
}
