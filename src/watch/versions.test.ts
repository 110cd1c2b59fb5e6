import { describe, expect, it } from "vitest";
import { compareEvr, rpmvercmp } from "../core/rpmvercmp.js";
import type { VersionScheme } from "./types.js";
import { toRpmVersion, versionRules, type RpmVersion } from "./versions.js";

// Each list is in ascending order as the ecosystem's own documentation (or reference implementation)
// orders it, not as this code does:
// - PEP 440's summary of release ordering (checked with Python's packaging.version), plus an epoch;
// - RubyGems: Gem::Version's rules (a letter segment sorts before a number and before the end;
//   "-" reads as ".pre."), with versions Rails and Ruby have shipped;
// - semver.org §11's example, npm-style short and prefixed versions, and build metadata;
// - rpm-style tags as release pages and git tags write them.
// The rpm forms of these lists were also checked, every pair, against librpm 4.18's rpm.vercmp.
const ordered: Record<VersionScheme, string[]> = {
  pep440: [
    "1.0.dev456",
    "1.0a1",
    "1.0a2.dev456",
    "1.0a12.dev456",
    "1.0a12",
    "1.0b1.dev456",
    "1.0b2",
    "1.0b2.post345.dev456",
    "1.0b2.post345",
    "1.0rc1.dev456",
    "1.0rc1",
    "1.0",
    "1.0.post456.dev34",
    "1.0.post456",
    "1.0.15",
    "1.1.dev1",
    "2.0.0a1",
    "2.0.0",
    "1!0.5",
    "1!1.0",
  ],
  rubygems: [
    "3.0.0.alpha",
    "3.0.0.beta",
    "3.0.0.beta2",
    "3.0.0.beta10",
    "3.0.0-rc1",
    "3.0.0.pre",
    "3.0.0.pre.1",
    "3.0.0.preview1",
    "3.0.0.rc1",
    "3.0.0.rc2",
    "3.0.0",
    "3.0.0.1",
    "3.0.1",
    "7.1.0.beta1",
    "7.1.0",
  ],
  semver: [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "1.0.0+20130313144700",
    "1.1",
    "v1.1.1",
    "1.2.0-beta.1+exp.sha.5114f85",
    "1.2.0",
    "2.0.0-x-y.1",
    "2.0.0",
  ],
  rpm: [
    "1.1.1",
    "1.1.1a",
    "1.1.1w",
    "3.0.0.dev1",
    "3.0.0a1",
    "3.0.0beta2",
    "3.0.0-rc1",
    "3.0.0rc2",
    "3.0.0",
    "3.0.0p1",
    "3.0.1",
    "3.1-preview1",
    "3.1",
  ],
};

const sign = (n: number): number => Math.sign(n);
const pairs = (xs: string[]): [string, string, number][] =>
  xs.flatMap((a, i) => xs.map((b, j): [string, string, number] => [a, b, sign(i - j)]));

function rpmOf(v: string, scheme: VersionScheme): RpmVersion {
  const r = toRpmVersion(v, scheme);
  if ("why" in r) throw new Error(`${v}: ${r.why}`);
  return r;
}

describe.each(Object.keys(ordered) as VersionScheme[])("%s", (scheme) => {
  const rules = versionRules(scheme);
  const list = ordered[scheme];

  it("accepts every listed version", () => {
    expect(list.filter((v) => !rules.valid(v))).toEqual([]);
  });

  it("orders them as the ecosystem does", () => {
    const wrong = pairs(list).filter(([a, b, want]) => sign(rules.compare(a, b)) !== want);
    expect(wrong).toEqual([]);
    expect([...list].reverse().sort((a, b) => rules.compare(a, b))).toEqual(list);
  });

  it("writes them in rpm forms that rpm orders the same way", () => {
    const wrong = pairs(list)
      .map(([a, b, want]) => [a, b, want, sign(compareEvr(rpmOf(a, scheme), rpmOf(b, scheme)))] as const)
      .filter(([, , want, got]) => got !== want);
    expect(wrong).toEqual([]);
  });

  it("gives rpm forms that are valid Version tags", () => {
    for (const v of list) expect(rpmOf(v, scheme).version).toMatch(/^[A-Za-z0-9._+~^]+$/);
  });
});

describe("prereleases by each ecosystem's rule", () => {
  it.each<[VersionScheme, string, boolean]>([
    ["pep440", "2.0.0a1", true],
    ["pep440", "1.0rc1", true],
    ["pep440", "1.0.dev1", true], // PEP 440: dev releases are excluded like prereleases
    ["pep440", "1.0.post1", false],
    ["pep440", "1!1.0", false],
    ["rubygems", "1.0.0.rc1", true],
    ["rubygems", "1.0.0.pre", true],
    ["rubygems", "1.0.0-rc1", true],
    ["rubygems", "1.0.0.1", false],
    ["semver", "1.0.0-beta.1", true],
    ["semver", "1.0.0+build.1", false],
    ["semver", "1.2", false],
    ["rpm", "3.0.0rc1", true],
    ["rpm", "3.0.0-RC1", true],
    ["rpm", "1.0~beta", true],
    ["rpm", "2.0b2", true],
    ["rpm", "6.0-preview.3", true],
    ["rpm", "1.0.dev3", true],
    ["rpm", "1.1.1a", false], // openssl's letter releases follow the release
    ["rpm", "5.5p1", false],
    ["rpm", "3.0.0", false],
  ])("%s %s → %s", (scheme, v, want) => {
    expect(versionRules(scheme).isPrerelease(v)).toBe(want);
  });
});

describe("what each scheme refuses", () => {
  it.each<[VersionScheme, string, RegExp]>([
    ["pep440", "latest", /not a PEP 440 version/],
    ["pep440", "1.0-foo-bar", /not a PEP 440 version/],
    ["rubygems", "v1.0", /not a RubyGems version/],
    ["rubygems", "", /empty/],
    ["semver", "1.2.3.4", /not a semver version/],
    ["semver", "nightly", /not a semver version/],
    ["rpm", "latest", /not an rpm-style version/],
    ["rpm", "1.0 beta", /whitespace/],
    ["pep440", "1.0\n", /whitespace/],
  ])("%s %j", (scheme, v, why) => {
    const rules = versionRules(scheme);
    expect(rules.valid(v)).toBe(false);
    expect(rules.invalid(v)).toMatch(why);
    expect(toRpmVersion(v, scheme)).toEqual({ why: expect.stringMatching(why) as string });
  });

  it("accepts what it should", () => {
    expect(versionRules("semver").invalid("1.2")).toBeUndefined();
    expect(versionRules("pep440").invalid("1!1.0")).toBeUndefined();
  });
});

describe("rpm forms", () => {
  it.each<[VersionScheme, string, RpmVersion]>([
    ["rpm", "3.0.0rc1", { version: "3.0.0~rc1" }],
    ["rpm", "1.0.0-beta.2", { version: "1.0.0~beta.2" }],
    ["rpm", "1.2-3", { version: "1.2.3" }], // no "-" in a Version
    ["semver", "1.0.0-beta.2", { version: "1.0.0~beta.2" }],
    ["semver", "1.2", { version: "1.2" }], // the digits as the upstream wrote them (the tarball's name)
    ["semver", "1.0.0+build.5", { version: "1.0.0^build.5" }],
    ["semver", "2.0.0-x-y.1", { version: "2.0.0~x.y.1" }],
    ["pep440", "3.0.0rc1", { version: "3.0.0~rc1" }],
    ["pep440", "1.0.post1", { version: "1.0^post1" }],
    ["pep440", "1.0.dev2", { version: "1.0~~dev2" }],
    ["pep440", "1!2.0", { epoch: 1, version: "2.0" }],
    ["rubygems", "1.0.0.pre", { version: "1.0.0~pre" }],
    ["rubygems", "1.0.0.rc1", { version: "1.0.0~rc1" }],
  ])("%s %s → %j", (scheme, v, want) => {
    expect(toRpmVersion(v, scheme)).toEqual(want);
  });

  it("refuses a PEP 440 local version, which is not an upstream release", () => {
    expect(toRpmVersion("1.0+ubuntu.1", "pep440")).toEqual({
      why: expect.stringContaining("local") as string,
    });
  });

  it("fixes what plain rpmvercmp gets wrong", () => {
    expect(rpmvercmp("3.0.0rc1", "3.0.0")).toBe(1);
    expect(rpmvercmp(rpmOf("3.0.0rc1", "rpm").version, "3.0.0")).toBe(-1);
    expect(versionRules("rpm").compare("3.0.0rc1", "3.0.0")).toBeLessThan(0);
  });

  // Where rpm cannot follow the ecosystem, pinned so that a change is noticed (documented on toRpmVersion).
  it("known limits: trailing zeros and semver's mixed identifiers", () => {
    expect(versionRules("pep440").compare("1.0", "1.0.0")).toBe(0);
    expect(compareEvr(rpmOf("1.0", "pep440"), rpmOf("1.0.0", "pep440"))).toBe(-1);
    expect(versionRules("semver").compare("1.0.0-alpha.1", "1.0.0-alpha.beta")).toBeLessThan(0);
    expect(compareEvr(rpmOf("1.0.0-alpha.1", "semver"), rpmOf("1.0.0-alpha.beta", "semver"))).toBe(1);
  });
});
