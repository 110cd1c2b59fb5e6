import { describe, expect, it } from "vitest";
import { selectRelease, type SelectOptions } from "./select.js";
import type { Release, VersionScheme } from "./types.js";

const now = new Date("2025-06-01T12:00:00Z");
const hoursAgo = (h: number): string => new Date(now.getTime() - h * 3600_000).toISOString();
const rel = (raw: string, extra: Partial<Release> = {}): Release => ({ raw, ...extra });
const pick = (
  releases: Release[],
  scheme: VersionScheme,
  options: SelectOptions = {},
  current?: string,
): ReturnType<typeof selectRelease> => selectRelease(releases, scheme, options, now, current);

describe("selectRelease", () => {
  it("strips a v prefix, skips a prerelease by the scheme's rule and picks the greatest", () => {
    const s = pick([rel("v2.9.1"), rel("v3.0.0"), rel("v3.1.0rc1"), rel("v2.10.0")], "pep440", {
      prefix: "v",
    });
    expect(s.chosen).toMatchObject({ raw: "v3.0.0", version: "3.0.0", rpm: { version: "3.0.0" } });
    expect(s.skipped).toEqual([{ raw: "v3.1.0rc1", why: "a prerelease" }]);
    expect(s.newer).toBe(true);
  });

  it("skips a tag without the prefix, saying so", () => {
    const s = pick([rel("v1.0"), rel("nightly")], "semver", { prefix: "v" });
    expect(s.chosen?.version).toBe("1.0");
    expect(s.skipped).toEqual([{ raw: "nightly", why: 'no prefix "v"' }]);
  });

  it("takes the upstream's own prerelease flag too", () => {
    const s = pick([rel("1.0"), rel("1.1", { prerelease: true })], "rpm");
    expect(s.chosen?.raw).toBe("1.0");
    expect(s.skipped).toEqual([{ raw: "1.1", why: "marked a prerelease upstream" }]);
  });

  it("proposes prereleases when the watch asks for them, in the rpm form that sorts right", () => {
    const s = pick([rel("2.9"), rel("3.0.0rc1")], "rpm", { prerelease: true }, "2.9");
    expect(s.chosen).toMatchObject({ raw: "3.0.0rc1", rpm: { version: "3.0.0~rc1" } });
    expect(s.newer).toBe(true);
    expect(s.skipped).toEqual([]);
  });

  it("never picks a prerelease over its final release", () => {
    const s = pick([rel("3.0.0rc1"), rel("3.0.0"), rel("3.0.0rc2")], "rpm", { prerelease: true });
    expect(s.chosen?.raw).toBe("3.0.0");
  });

  it("drops a yanked release", () => {
    const s = pick([rel("1.8"), rel("1.9", { yanked: true })], "pep440");
    expect(s.chosen?.raw).toBe("1.8");
    expect(s.skipped).toEqual([{ raw: "1.9", why: "yanked upstream" }]);
  });

  it("excludes a rogue tag by regex before judging it as a version", () => {
    const s = pick([rel("v1.9"), rel("v2.0-bad"), rel("v20250101")], "rpm", {
      prefix: "v",
      exclude: "-bad$|^\\d{8}$",
    });
    expect(s.chosen?.raw).toBe("v1.9");
    expect(s.skipped).toEqual([
      { raw: "v2.0-bad", why: "excluded by exclude" },
      { raw: "v20250101", why: "excluded by exclude" },
    ]);
  });

  it("keeps only what include matches", () => {
    const s = pick([rel("2.7.18"), rel("3.12.4"), rel("3.13.0")], "pep440", { include: "^3\\.12\\." });
    expect(s.chosen?.raw).toBe("3.12.4");
    expect(s.skipped.map((x) => x.why)).toEqual(["not matched by include", "not matched by include"]);
  });

  it("matches include and exclude as Unicode regular expressions", () => {
    const s = pick([rel("1.0"), rel("1.1")], "rpm", { exclude: "^\\u{31}\\.1$" });
    expect(s.chosen?.raw).toBe("1.0");
  });

  it("leaves out ignored versions, written with or without the prefix", () => {
    const s = pick([rel("v1.0"), rel("v1.2"), rel("v1.1")], "semver", {
      prefix: "v",
      ignored: ["1.2", "v1.1"],
    });
    expect(s.chosen?.raw).toBe("v1.0");
    expect(s.skipped).toEqual([
      { raw: "v1.2", why: "ignored" },
      { raw: "v1.1", why: "ignored" },
    ]);
  });

  it("holds back a release younger than min-age, and not one without a date", () => {
    const s = pick(
      [
        rel("2.0.0", { publishedAt: hoursAgo(72) }),
        rel("2.1.0", { publishedAt: hoursAgo(3) }),
        rel("1.9.0"), // no date: not held back
      ],
      "semver",
      { "min-age": 2 * 86400 },
    );
    expect(s.chosen?.raw).toBe("2.0.0");
    expect(s.skipped).toEqual([{ raw: "2.1.0", why: "3.0 h old, min-age is 2.0 days" }]);
  });

  it("proposes a release once it is old enough", () => {
    const s = pick([rel("2.1.0", { publishedAt: hoursAgo(49) })], "semver", { "min-age": 2 * 86400 });
    expect(s.chosen?.raw).toBe("2.1.0");
  });

  it("does not hold back a dateless release, even when it is the greatest", () => {
    const s = pick([rel("2.0.0", { publishedAt: hoursAgo(1) }), rel("1.9.0")], "semver", {
      "min-age": 3600 * 2,
    });
    expect(s.chosen?.raw).toBe("1.9.0");
  });

  it("holds back a release the upstream dates in the future", () => {
    const s = pick([rel("2.0.0", { publishedAt: hoursAgo(-1) })], "semver", { "min-age": 60 });
    expect(s.chosen).toBeUndefined();
    expect(s.skipped[0]?.why).toMatch(/future/);
  });

  it("skips invalid versions with the reason", () => {
    const s = pick([rel("latest"), rel("1.0"), rel("1.0+local.1")], "pep440");
    expect(s.chosen?.raw).toBe("1.0");
    expect(s.skipped).toEqual([
      { raw: "latest", why: "not a PEP 440 version" },
      { raw: "1.0+local.1", why: "a local version (+local.1), not an upstream release" },
    ]);
  });

  it("says when nothing is acceptable", () => {
    const s = pick([rel("1.0", { yanked: true })], "rubygems");
    expect(s).toEqual({ newer: false, skipped: [{ raw: "1.0", why: "yanked upstream" }] });
  });

  describe("against the spec's current Version", () => {
    it.each<[string, VersionScheme, string[], string, boolean]>([
      ["the same version", "semver", ["1.0.0", "0.9.0"], "1.0.0", false],
      ["an older upstream than the spec", "semver", ["1.0.0"], "1.1.0", false],
      ["a newer one", "semver", ["1.0.0", "1.0.1"], "1.0.0", true],
      ["a post release", "pep440", ["1.0", "1.0.post1"], "1.0", true],
      ["the final after the spec's prerelease", "rpm", ["3.0.0"], "3.0.0~rc1", true],
      // The spec already says 3.0.0: its upstream's 3.0.0rc1 must not look newer (it would under plain rpmvercmp).
      ["a prerelease of the spec's version", "rpm", ["3.0.0rc1"], "3.0.0", false],
      ["a gem prerelease of the spec's version", "rubygems", ["1.0.0.pre"], "1.0.0", false],
      ["an upstream epoch over a spec without one", "pep440", ["2.0", "1!1.0"], "2.0", true],
      ["an upstream epoch the spec already has", "pep440", ["1!1.0"], "1:1.0", false],
      // The spec's Epoch that the upstream never had (a past downgrade) does not hide new versions.
      ["a distribution epoch", "semver", ["2.1.0"], "1:2.0.0", true],
    ])("%s", (_what, scheme, versions, current, newer) => {
      const s = pick(
        versions.map((v) => rel(v)),
        scheme,
        { prerelease: true },
        current,
      );
      expect(s.newer).toBe(newer);
    });

    it("reports the chosen version even when it is not newer", () => {
      const s = pick([rel("1.0.0")], "semver", {}, "1.0.0");
      expect(s.chosen?.raw).toBe("1.0.0");
      expect(s.newer).toBe(false);
    });
  });

  it("orders by the scheme, not by the listing", () => {
    const cases: [VersionScheme, string[], string][] = [
      ["pep440", ["1.0.post1", "1.0", "2.0.0a1", "1.0.1"], "1.0.1"],
      ["pep440", ["2.0", "1!1.0", "3.0"], "1!1.0"],
      ["rubygems", ["1.0.0.rc1", "0.9.9", "1.0.0.pre"], "0.9.9"],
      ["semver", ["1.0.0-beta.1", "0.9.0", "0.10.0"], "0.10.0"],
      ["rpm", ["3.0.0rc1", "2.9.9"], "2.9.9"],
    ];
    for (const [scheme, versions, want] of cases) {
      expect(
        pick(
          versions.map((v) => rel(v)),
          scheme,
        ).chosen?.raw,
        `${scheme} ${versions.join(" ")}`,
      ).toBe(want);
    }
  });

  it("keeps the first of two equal versions", () => {
    const s = pick([rel("1.0.0", { files: [] }), rel("1.0")], "pep440");
    expect(s.chosen?.raw).toBe("1.0.0");
  });

  it("says which option holds a bad regular expression", () => {
    expect(() => pick([rel("1.0")], "rpm", { include: "(" })).toThrow(/watch include/);
  });
});
