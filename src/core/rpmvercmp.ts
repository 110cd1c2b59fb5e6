// rpm's version ordering (rpm 4.18 rpmvercmp) and [epoch:]version[-release] values.
import type { Evr } from "./types.js";

export class EvrSyntaxError extends Error {
  constructor(
    readonly text: string,
    problem: string,
  ) {
    super(`invalid version "${text}": ${problem}`);
    this.name = "EvrSyntaxError";
  }
}

// rpm only knows ASCII letters and digits; every other character (including non-ASCII) separates segments.
const isDigit = (c: string): boolean => c >= "0" && c <= "9";
const isAlpha = (c: string): boolean => (c >= "a" && c <= "z") || (c >= "A" && c <= "Z");
const isSeparator = (c: string): boolean => !isDigit(c) && !isAlpha(c) && c !== "~" && c !== "^";

/**
 * Compares two version (or release) strings the way rpm does. Each string is split into runs of
 * digits and runs of letters; separators are skipped and their kind does not matter. Numeric runs
 * compare as numbers and beat letter runs; `~` sorts before anything (even the end of the string);
 * `^` sorts after the end of the string but before anything else.
 */
export function rpmvercmp(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && isSeparator(a.charAt(i))) i++;
    while (j < b.length && isSeparator(b.charAt(j))) j++;
    // charAt gives "" past the end, which plays the part of C's terminating NUL.
    const ca = a.charAt(i);
    const cb = b.charAt(j);

    if (ca === "~" || cb === "~") {
      if (ca !== "~") return 1;
      if (cb !== "~") return -1;
      i++;
      j++;
      continue;
    }
    if (ca === "^" || cb === "^") {
      if (ca === "") return -1;
      if (cb === "") return 1;
      if (ca !== "^") return 1;
      if (cb !== "^") return -1;
      i++;
      j++;
      continue;
    }
    if (ca === "" || cb === "") break;

    // The segment's kind is decided by `a`; `b` contributes a run of the same kind, possibly empty.
    const numeric = isDigit(ca);
    const inSegment = numeric ? isDigit : isAlpha;
    let ei = i;
    while (ei < a.length && inSegment(a.charAt(ei))) ei++;
    let ej = j;
    while (ej < b.length && inSegment(b.charAt(ej))) ej++;
    if (ej === j) return numeric ? 1 : -1;

    let sa = a.slice(i, ei);
    let sb = b.slice(j, ej);
    if (numeric) {
      sa = sa.replace(/^0+/, "");
      sb = sb.replace(/^0+/, "");
      if (sa.length !== sb.length) return sa.length < sb.length ? -1 : 1;
    }
    if (sa !== sb) return sa < sb ? -1 : 1;
    i = ei;
    j = ej;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

/**
 * Orders two EVRs: epoch (missing means 0), then version, then release. When either side has no
 * release the releases are not compared, so `1.2` equals `1.2-5` — what rpm does when it matches a
 * constraint such as `foo >= 1.2` (rpmverOverlap), unlike rpm.ver ordering, which puts `1.2` first.
 */
export function compareEvr(a: Evr, b: Evr): -1 | 0 | 1 {
  const ea = a.epoch ?? 0;
  const eb = b.epoch ?? 0;
  if (ea !== eb) return ea < eb ? -1 : 1;
  const byVersion = rpmvercmp(a.version, b.version);
  if (byVersion !== 0 || !a.release || !b.release) return byVersion;
  return rpmvercmp(a.release, b.release);
}

// What rpmbuild accepts in a Version or Release (before macro expansion it also allows %{}). A
// version may still contain "-" here: like rpm's parser, the release starts after the last one.
const VERSION_CHARS = /^[A-Za-z0-9._+~^-]+$/;
const RELEASE_CHARS = /^[A-Za-z0-9._+~^]+$/;

/** Parses `[epoch:]version[-release]`; the release is what follows the last `-`. */
export function parseEvr(text: string): Evr {
  let rest = text;
  let epoch: number | undefined;
  const colon = rest.indexOf(":");
  if (colon >= 0) {
    const e = rest.slice(0, colon);
    if (!/^[0-9]+$/.test(e) || !Number.isSafeInteger(Number(e))) {
      throw new EvrSyntaxError(text, `epoch "${e}" is not a non-negative integer`);
    }
    epoch = Number(e);
    rest = rest.slice(colon + 1);
  }
  const dash = rest.lastIndexOf("-");
  const version = dash >= 0 ? rest.slice(0, dash) : rest;
  const release = dash >= 0 ? rest.slice(dash + 1) : undefined;
  check(text, "version", version, VERSION_CHARS);
  if (release !== undefined) check(text, "release", release, RELEASE_CHARS);
  return {
    ...(epoch !== undefined ? { epoch } : {}),
    version,
    ...(release !== undefined ? { release } : {}),
  };
}

function check(text: string, what: string, value: string, allowed: RegExp): void {
  if (value === "") throw new EvrSyntaxError(text, `empty ${what}`);
  if (!allowed.test(value)) {
    const bad = [...value].find((c) => !allowed.test(c));
    throw new EvrSyntaxError(text, `${what} "${value}" contains "${bad}"`);
  }
}

export function formatEvr(evr: Evr): string {
  const epoch = evr.epoch !== undefined ? `${evr.epoch}:` : "";
  const release = evr.release !== undefined ? `-${evr.release}` : "";
  return `${epoch}${evr.version}${release}`;
}
