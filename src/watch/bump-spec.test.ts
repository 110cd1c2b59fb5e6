// The bump's edit on spec shapes found in real specs: each case gives the spec and the spec as a
// packager would have edited it by hand, byte for byte.
import { describe, expect, it } from "vitest";
import { bumpSpecText, formatDay, versionProblem } from "./bump-spec.js";

const date = new Date("2026-12-04T08:30:00Z");
const o = { version: "1.2", date, author: "Kiln <kiln@localhost>", entry: "Update to 1.2" };
const entry = ["* Fri Dec 04 2026 Kiln <kiln@localhost> - 1.2-1", "- Update to 1.2"];
const lf = (...l: string[]) => l.join("\n") + "\n";

const head = (version = "Version:        1.0", release = "Release:        1%{?dist}") => [
  "Name:           foo",
  version,
  release,
  "Summary:        Foo",
  "License:        MIT",
  "Source0:        https://example.org/%{name}-%{version}.tar.gz",
  "",
  "%description",
  "Foo.",
  "",
  "%files",
  "%{_bindir}/foo",
  "",
];
const old = ["%changelog", "* Mon Jan 01 2024 A <a@example.org> - 1.0-1", "- Initial package"];
const bumped = (version = "Version:        1.2", release = "Release:        1%{?dist}") => [
  ...head(version, release),
  "%changelog",
  ...entry,
  "",
  ...old.slice(1),
];

describe("bumpSpecText", () => {
  it.each<[string, string, string, Partial<typeof o>?]>([
    ["spaces after the colon, aligned", lf(...head(), ...old), lf(...bumped())],
    [
      "a tab after the colon",
      lf(...head("Version:\t1.0", "Release:\t1%{?dist}"), ...old),
      lf(...bumped("Version:\t1.2", "Release:\t1%{?dist}")),
    ],
    [
      "lower-case tags and a space before the colon",
      lf(...head("version : 1.0", "release : 4"), ...old),
      lf(...bumped("version : 1.2", "release : 1")),
    ],
    [
      "a prerelease Release 0.1%{?dist}",
      lf(...head(undefined, "Release:        0.1%{?dist}"), ...old),
      lf(...bumped()),
    ],
    [
      "%{dist} and a rebuild number after it",
      lf(...head(undefined, "Release: 3%{dist}.2"), ...old),
      lf(...bumped(undefined, "Release: 1%{dist}")),
    ],
    [
      "trailing spaces after Version",
      lf(...head("Version: 1.0   "), ...old),
      lf(...bumped("Version: 1.2   ")),
    ],
    [
      "CRLF line endings, the added lines too",
      head().concat(old).join("\r\n") + "\r\n",
      bumped().join("\r\n") + "\r\n",
    ],
    ["no newline at the end", head().concat(old).join("\n"), bumped().join("\n")],
    [
      "no %changelog: one appended",
      lf(...head()),
      lf(...head("Version:        1.2"), "%changelog", ...entry),
    ],
    [
      "no %changelog and no newline at the end",
      lf(...head()).replace(/\n+$/, ""),
      [...head("Version:        1.2").slice(0, -1), "", "%changelog", ...entry].join("\n"),
    ],
    [
      "an empty %changelog",
      lf(...head(), "%changelog"),
      lf(...head("Version:        1.2"), "%changelog", ...entry),
    ],
    [
      "%changelog the last line without a newline",
      lf(...head()) + "%changelog",
      lf(...head("Version:        1.2"), "%changelog") + entry.join("\n"),
    ],
    [
      "comments, %global lines and a version macro Source0 uses",
      lf(
        "# A comment: Version: 9",
        "%global srcver %{version}",
        ...head().map((l) => l.replace("%{version}", "%{srcver}")),
        ...old,
      ),
      lf(
        "# A comment: Version: 9",
        "%global srcver %{version}",
        ...bumped().map((l) => l.replace("%{version}", "%{srcver}")),
      ),
    ],
    [
      "a subpackage with its own Version, left alone",
      lf(...head(), "%package extra", "Version: 7.0", "Release: 3", "Summary: x", "", ...old),
      lf(
        ...head("Version:        1.2"),
        "%package extra",
        "Version: 7.0",
        "Release: 3",
        "Summary: x",
        "",
        "%changelog",
        ...entry,
        "",
        ...old.slice(1),
      ),
    ],
    [
      "a Release number macro defined once as a number",
      lf("%global baserelease 3", ...head(undefined, "Release: %{baserelease}%{?dist}"), ...old),
      lf("%global baserelease 1", ...bumped(undefined, "Release: %{baserelease}%{?dist}")),
    ],
    [
      "a Release number macro and a rebuild number after %{?dist}",
      lf("%define rel 2", ...head(undefined, "Release: %{rel}%{?dist}.3"), ...old),
      lf("%define rel 1", ...bumped(undefined, "Release: %{rel}%{?dist}")),
    ],
    [
      "an Epoch in the entry's EVR",
      lf(...head(), ...old).replace("License:", "Epoch: 2\nLicense:"),
      lf(...bumped())
        .replace("License:", "Epoch: 2\nLicense:")
        .replace("- 1.2-1", "- 2:1.2-1"),
    ],
    [
      "% escaped, a multi-line entry indented",
      lf(...head(), ...old),
      lf(...bumped()).replace("- Update to 1.2\n", "- Update to 1.2 (100%% faster)\n  * a star line\n"),
      { entry: "Update to 1.2 (100% faster)\n* a star line\n" },
    ],
    [
      "an entry the same day as the newest one",
      lf(...head(), "%changelog", "* Fri Dec 04 2026 A <a@example.org> - 1.0-1", "- Same day"),
      lf(
        ...head("Version:        1.2"),
        "%changelog",
        ...entry,
        "",
        "* Fri Dec 04 2026 A <a@example.org> - 1.0-1",
        "- Same day",
      ),
    ],
    [
      "no Source at all",
      lf(...head().filter((l) => !l.startsWith("Source0")), ...old),
      lf(...bumped().filter((l) => !l.startsWith("Source0"))),
    ],
  ])("%s", (_what, text, want, extra) => {
    expect(bumpSpecText(text, { ...o, ...extra })).toEqual({ text: want });
  });

  it.each<[string, string, RegExp, Partial<typeof o>?]>([
    [
      "Version from a macro, naming its line",
      lf("%global ver 1.0", ...head("Version: %{ver}"), ...old),
      /Version on line 3 is written with a macro \("%\{ver\}", defined as %\{ver\} on line 1\)/,
    ],
    [
      "a %global version",
      lf(...head(), "%global version 1.0", ...old),
      /line 14 defines the macro %\{version\}/,
    ],
    [
      "two Version tags in %if branches",
      lf("%if 0%{?fedora}", "Version: 1.0", "%else", "Version: 0.9", "%endif", ...head().slice(2), ...old),
      /2 Version tags \(lines 2, 4\)/,
    ],
    [
      "Version: 1.0 # comment",
      lf(...head("Version: 1.0 # comment"), ...old),
      /line 2 has more after its value \("# comment"\)/,
    ],
    ["no Version", lf(...head().filter((l) => !l.startsWith("Version")), ...old), /no Version tag/],
    ["no Release", lf(...head().filter((l) => !l.startsWith("Release")), ...old), /no Release tag/],
    ["already at the version", lf(...head("Version: 1.2"), ...old), /already at Version 1\.2 \(line 2\)/],
    ["%autorelease", lf(...head(undefined, "Release: %autorelease"), ...old), /line 3 .*%autorelease/],
    ["%{autorelease}", lf(...head(undefined, "Release: %{autorelease}"), ...old), /%autorelease/],
    [
      "a Release macro the spec does not define",
      lf(...head(undefined, "Release: %{baserelease}%{?dist}"), ...old),
      /%\{baserelease\}, which the spec does not define/,
    ],
    [
      "a Release macro defined twice",
      lf("%global rel 1", "%global rel 2", ...head(undefined, "Release: %{rel}%{?dist}"), ...old),
      /defined 2 times \(lines 1, 2\)/,
    ],
    [
      "a Release macro that is not a number",
      lf("%global rel %{base}.1", ...head(undefined, "Release: %{rel}%{?dist}"), ...old),
      /defined on line 1 as "%\{base\}\.1", not a plain number/,
    ],
    [
      "a snapshot Release",
      lf(...head(undefined, "Release: 0.1.%{snapdate}git%{?dist}"), ...old),
      /macros \(%\{snapdate\}git%\{\?dist\}\) after its number/,
    ],
    ["%autochangelog", lf(...head(), "%changelog", "%autochangelog"), /line 14 is %autochangelog/],
    [
      "Source0 without %{version}",
      lf(...head().map((l) => l.replace("%{name}-%{version}", "foo-1.0")), ...old),
      /Source0 on line 6 \("https:\/\/example.org\/foo-1\.0\.tar\.gz"\) does not contain %\{version\}/,
    ],
    [
      "an unnumbered Source that is Source0",
      lf(
        ...head().map((l) =>
          l.replace("Source0:        https://example.org/%{name}-%{version}", "Source: foo"),
        ),
        ...old,
      ),
      /Source0 on line 6 \("foo.tar.gz"\)/,
    ],
    [
      "the newest entry dated after the bump",
      lf(...head(), "%changelog", "* Sat Dec 05 2026 A <a@example.org> - 1.0-1", "- Tomorrow"),
      /entry \(line 15\) is dated after Fri Dec 04 2026/,
    ],
    ["a '-' in the new version", lf(...head(), ...old), /"1\.2-1" .*'-'/, { version: "1.2-1" }],
    ["whitespace in the new version", lf(...head(), ...old), /whitespace/, { version: "1.2 beta" }],
    ["an empty new version", lf(...head(), ...old), /the new version is empty/, { version: "" }],
  ])("needs a hand: %s", (_what, text, why, extra) => {
    const r = bumpSpecText(text, { ...o, ...extra });
    expect(r).toHaveProperty("needsHand");
    expect((r as { needsHand: string }).needsHand).toMatch(why);
  });

  it("refuses an author on two lines and an empty entry (the caller's mistake, not the spec's)", () => {
    const text = lf(...head(), ...old);
    expect(() => bumpSpecText(text, { ...o, author: "A\nB" })).toThrow(/one line/);
    expect(() => bumpSpecText(text, { ...o, entry: "  " })).toThrow(/empty/);
  });
});

describe("versionProblem", () => {
  it.each([
    ["1.2", undefined],
    ["1.2~rc1", undefined],
    ["1.2^git3", undefined],
    ["1_2+x", undefined],
    ["1..2", /"\.\."/],
    ["é1", /refuses 'é'/],
    ["1%{x}", /'%'/],
    ["1:2", /refuses ':'/],
  ])("%s", (v, want) => {
    const p = versionProblem(v);
    if (want === undefined) expect(p).toBeUndefined();
    else expect(p).toMatch(want);
  });
});

describe("formatDay", () => {
  it("writes rpm's day, zero-padded, in UTC", () => {
    expect(formatDay(new Date("2026-12-04T23:59:59Z"))).toBe("Fri Dec 04 2026");
    expect(formatDay(new Date("2024-02-29T00:00:00Z"))).toBe("Thu Feb 29 2024");
  });
});
