import { describe, expect, it } from "vitest";
import { buildRequiresLine, scanSpecLines, sourceLine } from "./spec-lines.js";

const SPEC = [
  "%global somever 1.2", // 1
  "Name:           libgreet", // 2
  "Version:        %{somever}", // 3
  "Release:        1%{?dist}", // 4
  "Summary:        Greets", // 5
  "License:        MIT", // 6
  "Source0:        https://example.org/libgreet-%{version}.tar.gz", // 7
  "Source1:        greet.conf", // 8
  "Patch0:         fix-build.patch", // 9
  "Patch3:         fix-docs.patch", // 10
  "BuildRequires:  gcc, make", // 11
  "BuildRequires:  pkgconfig(zlib) >= 1.2", // 12
  "BuildRequires:  zlib-devel", // 13
  "BuildRequires:  %{?with_tests:check-devel}", // 14
  "BuildRequires:  (foo or bar)", // 15
  "Requires:       greet-data", // 16
  "Requires(post): /bin/sh", // 17
  "", // 18
  "%description", // 19
  "Name: not the name tag, but after the first one", // 20
  "", // 21
  "%package devel", // 22
  "Summary:        Headers", // 23
  "BuildRequires:  late-devel", // 24
].join("\n");

describe("scanSpecLines", () => {
  const lines = scanSpecLines(SPEC);

  it("finds the first Name", () => {
    expect(lines.name).toBe(2);
  });

  it("finds every BuildRequires with its raw value", () => {
    expect(lines.buildRequires).toStrictEqual([
      { line: 11, value: "gcc, make" },
      { line: 12, value: "pkgconfig(zlib) >= 1.2" },
      { line: 13, value: "zlib-devel" },
      { line: 14, value: "%{?with_tests:check-devel}" },
      { line: 15, value: "(foo or bar)" },
      { line: 24, value: "late-devel" },
    ]);
  });

  it("numbers Source and Patch tags", () => {
    expect(Object.fromEntries(lines.sources)).toStrictEqual({
      source0: 7,
      source1: 8,
      patch0: 9,
      patch3: 10,
    });
    expect(lines.sourceValues.map((s) => s.line)).toStrictEqual([7, 8, 9, 10]);
    expect(lines.sourceValues[0]?.value).toBe("https://example.org/libgreet-%{version}.tar.gz");
  });

  it.each<[string, string, Partial<Record<string, number>>]>([
    [
      "unnumbered tags count from 0",
      "Source: a.tar.gz\nSource: b.tar.gz\nPatch: x.patch\nPatch: y.patch",
      {
        source0: 1,
        source1: 2,
        patch0: 3,
        patch1: 4,
      },
    ],
    [
      "an unnumbered tag follows the highest number so far",
      "Source5: a\nSource: b\nSource2: c\nSource: d",
      {
        source5: 1,
        source6: 2,
        source2: 3,
        source7: 4,
      },
    ],
    [
      "Source and Patch are numbered apart",
      "Source: a\nPatch: p\nSource: b",
      {
        source0: 1,
        patch0: 2,
        source1: 3,
      },
    ],
    ["tags in any case, with spaces before the colon", "source1 : a\n  PATCH7:p", { source1: 1, patch7: 2 }],
    ["the first line of a number wins", "Source1: a\nSource1: b", { source1: 1 }],
    ["no tags", "%description\nnothing here", {}],
  ])("%s", (_what, text, expected) => {
    expect(Object.fromEntries(scanSpecLines(text).sources)).toStrictEqual(expected);
  });

  it.each<[string, number | undefined]>([
    ["Name: foo", 1],
    ["name:foo", 1],
    ["  Name  :  foo", 1],
    ["Summary: x\nName: foo", 2],
    ["# Name: commented\nName: foo", 2],
    ["%define name foo", undefined],
    ["Names: foo", undefined],
  ])("Name in %j on line %s", (text, line) => {
    expect(scanSpecLines(text).name).toBe(line);
  });

  it("handles CRLF line ends", () => {
    const l = scanSpecLines("Name: foo\r\nBuildRequires: bar\r\n");
    expect(l.name).toBe(1);
    expect(l.buildRequires.map((b) => b.line)).toStrictEqual([2]);
  });
});

describe("buildRequiresLine", () => {
  const lines = scanSpecLines(SPEC);
  it.each<[string, number | undefined]>([
    ["gcc", 11],
    ["make", 11],
    ["pkgconfig(zlib)", 12],
    ["zlib-devel", 13],
    ["(foo", 15],
    ["foo", 15],
    ["bar", 15],
    ["late-devel", 24],
    // not a whole token: zlib is only part of zlib-devel and pkgconfig(zlib)
    ["zlib", 12],
    // a name written by a macro: the first BuildRequires with a macro
    ["check-devel", 14],
    ["gc", 14],
  ])("%s → line %s", (name, line) => {
    expect(buildRequiresLine(lines, name)).toBe(line);
  });

  it("falls back to the first BuildRequires when none has a macro", () => {
    expect(buildRequiresLine(scanSpecLines("Name: x\nBuildRequires: a\nBuildRequires: b"), "c")).toBe(2);
  });

  it("has no line without BuildRequires", () => {
    expect(buildRequiresLine(scanSpecLines("Name: x"), "a")).toBeUndefined();
  });

  it("matches a name glued to its operator", () => {
    expect(buildRequiresLine(scanSpecLines("BuildRequires: a\nBuildRequires: foo>=1"), "foo")).toBe(2);
  });
});

describe("sourceLine", () => {
  const lines = scanSpecLines(SPEC);
  it.each<["source" | "patch", number, string, number | undefined]>([
    ["source", 0, "libgreet-1.2.tar.gz", 7],
    ["source", 1, "greet.conf", 8],
    ["patch", 0, "fix-build.patch", 9],
    ["patch", 3, "fix-docs.patch", 10],
    // a number not written (a Source defined by a macro): found by the file name
    ["source", 9, "fix-docs.patch", 10],
    ["source", 9, "nowhere.tar.gz", undefined],
  ])("%s%s %s → line %s", (kind, n, file, line) => {
    expect(sourceLine(lines, kind, n, file)).toBe(line);
  });

  it("finds unnumbered Source and Patch tags by the number rpm gives them", () => {
    const l = scanSpecLines("Name: q\nSource: q.tar.gz\nSource: r.tar.gz\nPatch: p.patch");
    expect(sourceLine(l, "source", 0, "q.tar.gz")).toBe(2);
    expect(sourceLine(l, "source", 1, "r.tar.gz")).toBe(3);
    expect(sourceLine(l, "patch", 0, "p.patch")).toBe(4);
  });
});
