// Each ecosystem's version rules (which strings are versions, their order, what a prerelease is),
// and how an upstream version is written as an RPM Version so that rpm orders it the same way.
// Pure. The rpm forms follow Fedora's versioning guidelines: `~` before a prerelease (sorts before
// the release), `^` before what comes after a release (a post release, build metadata: sorts after
// the release but before the next one).
import * as pep440 from "@renovatebot/pep440";
import { Version as GemVersion } from "@renovatebot/ruby-semver/dist/ruby/version.js";
import semver from "semver";
import { rpmvercmp } from "../core/rpmvercmp.js";
import type { Evr } from "../core/types.js";
import type { VersionScheme } from "./types.js";

export interface VersionRules {
  readonly scheme: VersionScheme;
  /** Why `v` is not a version under this scheme, in a few words; undefined when it is one. */
  invalid(v: string): string | undefined;
  valid(v: string): boolean;
  /** Negative, zero or positive; both must be valid. */
  compare(a: string, b: string): number;
  /** By the ecosystem's own rule; `v` must be valid. */
  isPrerelease(v: string): boolean;
}

/** How a version goes into a spec: the Version tag, and an Epoch when the upstream has one. */
export type RpmVersion = Pick<Evr, "epoch" | "version">;

/** A version that cannot be written as an RPM Version, and why. */
export interface RpmRejection {
  why: string;
}

// What rpm allows in a Version tag: no "-" (it separates the release) and no whitespace.
const RPM_VERSION = /^[A-Za-z0-9._+~^]+$/;
const MAX_LENGTH = 128;

/** Checks shared by every scheme, before the scheme's own. */
function commonInvalid(v: string): string | undefined {
  if (v === "") return "empty";
  if (v.length > MAX_LENGTH) return `longer than ${MAX_LENGTH} characters`;
  // Control characters and whitespace: the upstream's libraries tolerate some (gems trim spaces),
  // but a version shown to maintainers and written into a spec must be one visible word.
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/u.test(v)) return "contains whitespace or a control character";
  return undefined;
}

function rules(
  scheme: VersionScheme,
  name: string,
  isValid: (v: string) => boolean,
  compare: (a: string, b: string) => number,
  isPrerelease: (v: string) => boolean,
): VersionRules {
  const invalid = (v: string): string | undefined =>
    commonInvalid(v) ?? (isValid(v) ? undefined : `not ${name} version`);
  return { scheme, invalid, valid: (v) => invalid(v) === undefined, compare, isPrerelease };
}

// --- PEP 440 (PyPI) -----------------------------------------------------------------------------

const pep440Rules = rules(
  "pep440",
  "a PEP 440",
  (v) => pep440.valid(v) !== null,
  (a, b) => pep440.compare(a, b),
  // PEP 440 counts dev releases as prereleases too; explain() folds them into is_prerelease.
  (v) => pep440.explain(v)?.is_prerelease ?? false,
);

function pep440ToRpm(v: string): RpmVersion | RpmRejection {
  const p = pep440.explain(v);
  if (!p) return { why: "not a PEP 440 version" };
  // PyPI refuses local versions (1.0+ubuntu.1): they name a downstream's rebuild, not a release.
  if (p.local) return { why: `a local version (+${p.local}), not an upstream release` };
  let out = p.release.join(".");
  if (p.pre) out += `~${p.pre.join("")}`;
  if (p.post !== null) out += `^post${String(p.post)}`;
  if (p.dev !== null) {
    // A bare dev release (1.0.dev1) comes before every prerelease of 1.0 (1.0a1, written 1.0~a1):
    // two tildes put it there. After a pre or post part one tilde is enough.
    out += p.pre || p.post !== null ? `~dev${String(p.dev)}` : `~~dev${String(p.dev)}`;
  }
  return p.epoch > 0 ? { epoch: p.epoch, version: out } : { version: out };
}

// --- RubyGems ------------------------------------------------------------------------------------

const gemRules = rules(
  "rubygems",
  "a RubyGems",
  (v) => GemVersion.isCorrect(v),
  (a, b) => new GemVersion(a).compare(new GemVersion(b)),
  (v) => new GemVersion(v).isPrerelease(),
);

function gemToRpm(v: string): RpmVersion | RpmRejection {
  if (!gemRules.valid(v)) return { why: "not a RubyGems version" };
  // RubyGems reads "1.0.0-rc1" as "1.0.0.pre.rc1". It then orders a letter segment before a number
  // and before the end (1.0.a.b < 1.0.a < 1.0), which is what a `~` before every run of letters gives.
  const canonical = v.replace(/-/gu, ".pre.");
  return { version: canonical.replace(/\.?([A-Za-z]+)/gu, "~$1") };
}

// --- semver (npm, and tags that follow it) ------------------------------------------------------

// Upstreams that use semver still tag "1.2" or "v1.2.3"; the missing parts are taken as 0.
const SEMVER_LOOSE = /^[=v]*(\d+)(?:\.(\d+))?(?:\.(\d+))?(.*)$/su;

function semverParse(v: string): { core: string; parsed: semver.SemVer } | undefined {
  const m = SEMVER_LOOSE.exec(v);
  if (!m?.[1]) return undefined;
  const [, major, minor, patch, rest = ""] = m;
  const parsed = semver.parse(`${major}.${minor ?? "0"}.${patch ?? "0"}${rest}`, { loose: true });
  if (!parsed) return undefined;
  // The core as the upstream wrote it ("1.2", not "1.2.0"), so that the rpm form keeps its digits.
  return { core: [major, minor, patch].filter((x) => x !== undefined).join("."), parsed };
}

function semverParsed(v: string): semver.SemVer {
  const s = semverParse(v);
  if (!s) throw new TypeError(`not a semver version: ${v}`);
  return s.parsed;
}

const semverRules = rules(
  "semver",
  "a semver",
  (v) => semverParse(v) !== undefined,
  // semver gives build metadata no precedence (1.0.0+a = 1.0.0+b); compareBuild still orders them,
  // so that the choice among them does not depend on the upstream's listing order and agrees with
  // the rpm form, where `^build` sorts after the bare version.
  (a, b) => {
    const [pa, pb] = [semverParsed(a), semverParsed(b)];
    // The methods, not semver.compareBuild(), which parses its arguments again without `loose`.
    return pa.compare(pb) || pa.compareBuild(pb);
  },
  (v) => semverParsed(v).prerelease.length > 0,
);

function semverToRpm(v: string): RpmVersion | RpmRejection {
  const s = semverParse(v);
  if (!s) return { why: "not a semver version" };
  // Identifiers may contain "-", which rpm's Version cannot; any other separator orders the same.
  const ids = (xs: readonly (string | number)[]): string => xs.join(".").replace(/-/gu, ".");
  let out = s.core;
  if (s.parsed.prerelease.length > 0) out += `~${ids(s.parsed.prerelease)}`;
  if (s.parsed.build.length > 0) out += `^${ids(s.parsed.build)}`;
  return { version: out };
}

// --- rpm, with the common prerelease markers ------------------------------------------------------

// Plain rpmvercmp puts 3.0.0rc1 after 3.0.0. Tags and release pages that follow no ecosystem still
// use these words for prereleases; a marker must follow a digit or separator and end a word, so
// 1.0.0-rc1 and 2.0beta are prereleases but 5.5p1 and openssl's 1.1.1a (a letter release) are not:
// a lone "a" or "b" counts only when a number follows it (2.0.0a1).
const RPM_MARKER = /(?<=[0-9._+-])[._+-]?(alpha|beta|preview|pre|rc|dev|[ab](?=[0-9]))(?![A-Za-z])/giu;
const RPM_LIKE = /^[0-9][A-Za-z0-9._+~^-]*$/u;

function rpmForm(v: string): string {
  // A dev snapshot sorts before the alphas and betas of the same version, as in PEP 440.
  const marked = v.replace(RPM_MARKER, (_m, word: string) =>
    word.toLowerCase() === "dev" ? `~~${word}` : `~${word}`,
  );
  return marked.replace(/-/gu, ".");
}

const rpmRules = rules(
  "rpm",
  "an rpm-style",
  (v) => RPM_LIKE.test(v),
  (a, b) => rpmvercmp(rpmForm(a), rpmForm(b)),
  (v) => rpmForm(v).includes("~"),
);

function rpmToRpm(v: string): RpmVersion | RpmRejection {
  if (!rpmRules.valid(v)) return { why: "not an rpm-style version" };
  return { version: rpmForm(v) };
}

// ------------------------------------------------------------------------------------------------

const BY_SCHEME: Record<
  VersionScheme,
  { rules: VersionRules; toRpm: (v: string) => RpmVersion | RpmRejection }
> = {
  pep440: { rules: pep440Rules, toRpm: pep440ToRpm },
  rubygems: { rules: gemRules, toRpm: gemToRpm },
  semver: { rules: semverRules, toRpm: semverToRpm },
  rpm: { rules: rpmRules, toRpm: rpmToRpm },
};

export function versionRules(scheme: VersionScheme): VersionRules {
  return BY_SCHEME[scheme].rules;
}

/**
 * How upstream version `v` is written in a spec so that rpm orders it as the ecosystem does:
 * 3.0.0rc1 → 3.0.0~rc1, 1.0.0-beta.2 → 1.0.0~beta.2, 1.0.post1 → 1.0^post1, 1!2.0 → Epoch 1 and 2.0.
 * Known limits, where rpm cannot follow: trailing zeros (PEP 440 and RubyGems say 1.0 = 1.0.0, rpm
 * puts 1.0 first), and semver prereleases that mix numeric and word identifiers at the same place
 * (semver puts alpha.1 before alpha.beta, rpm after).
 */
export function toRpmVersion(v: string, scheme: VersionScheme): RpmVersion | RpmRejection {
  const common = commonInvalid(v);
  if (common !== undefined) return { why: common };
  const r = BY_SCHEME[scheme].toRpm(v);
  if ("why" in r) return r;
  if (!RPM_VERSION.test(r.version)) {
    const bad = [...r.version].find((c) => !RPM_VERSION.test(c)) ?? "";
    return { why: `"${bad}" is not allowed in an RPM Version (${r.version})` };
  }
  return r;
}
