import { describe, expect, it } from "vitest";
import { compareEvr, EvrSyntaxError, formatEvr, parseEvr, rpmvercmp } from "./rpmvercmp.js";
import type { Evr } from "./types.js";

// Every expected value below was produced by librpm 4.18 (python3-rpm), not by this code:
//   rpm.labelCompare(("0", "1", a), ("0", "1", b))  — the release slot, which also accepts "".
// Where both strings are non-empty, comparing them as versions gave the same result, and every
// pair gives the opposite result when swapped.
const versionPairs: [string, string, -1 | 0 | 1][] = [
  ["1.0", "1.0", 0],
  ["1.0", "2.0", -1],
  ["2.0", "1.0", 1],
  ["2.0.1", "2.0.1", 0],
  ["2.0", "2.0.1", -1],
  ["2.0.1", "2.0", 1],
  ["2.0.1a", "2.0.1a", 0],
  ["2.0.1a", "2.0.1", 1],
  ["2.0.1", "2.0.1a", -1],
  ["5.5p1", "5.5p1", 0],
  ["5.5p1", "5.5p2", -1],
  ["5.5p2", "5.5p1", 1],
  ["5.5p10", "5.5p10", 0],
  ["5.5p1", "5.5p10", -1],
  ["5.5p10", "5.5p1", 1],
  ["10xyz", "10.1xyz", -1],
  ["10.1xyz", "10xyz", 1],
  ["xyz10", "xyz10", 0],
  ["xyz10", "xyz10.1", -1],
  ["xyz10.1", "xyz10", 1],
  ["xyz.4", "xyz.4", 0],
  ["xyz.4", "8", -1],
  ["8", "xyz.4", 1],
  ["xyz.4", "2", -1],
  ["2", "xyz.4", 1],
  ["5.5p2", "5.6p1", -1],
  ["5.6p1", "5.5p2", 1],
  ["5.6p1", "6.5p1", -1],
  ["6.5p1", "5.6p1", 1],
  ["6.0.rc1", "6.0", 1],
  ["6.0", "6.0.rc1", -1],
  ["10b2", "10a1", 1],
  ["10a2", "10b2", -1],
  ["1.0aa", "1.0aa", 0],
  ["1.0a", "1.0aa", -1],
  ["1.0aa", "1.0a", 1],
  ["10.0001", "10.0001", 0],
  ["10.0001", "10.1", 0],
  ["10.1", "10.0001", 0],
  ["10.0001", "10.0039", -1],
  ["10.0039", "10.0001", 1],
  ["4.999.9", "5.0", -1],
  ["5.0", "4.999.9", 1],
  ["20101121", "20101121", 0],
  ["20101121", "20101122", -1],
  ["20101122", "20101121", 1],
  ["2_0", "2_0", 0],
  ["2.0", "2_0", 0],
  ["2_0", "2.0", 0],
  ["a", "a", 0],
  ["a+", "a+", 0],
  ["a+", "a_", 0],
  ["a_", "a+", 0],
  ["+a", "+a", 0],
  ["+a", "_a", 0],
  ["_a", "+a", 0],
  ["+_", "_+", 0],
  ["_+", "+_", 0],
  ["+", "_", 0],
  ["_", "+", 0],
  ["1.0~rc1", "1.0~rc1", 0],
  ["1.0~rc1", "1.0", -1],
  ["1.0", "1.0~rc1", 1],
  ["1.0~rc1", "1.0~rc2", -1],
  ["1.0~rc2", "1.0~rc1", 1],
  ["1.0~rc1~git123", "1.0~rc1~git123", 0],
  ["1.0~rc1~git123", "1.0~rc1", -1],
  ["1.0~rc1", "1.0~rc1~git123", 1],
  ["1.0^", "1.0^", 0],
  ["1.0^", "1.0", 1],
  ["1.0", "1.0^", -1],
  ["1.0^git1", "1.0^git1", 0],
  ["1.0^git1", "1.0", 1],
  ["1.0", "1.0^git1", -1],
  ["1.0^git1", "1.0^git2", -1],
  ["1.0^git2", "1.0^git1", 1],
  ["1.0^git1", "1.01", -1],
  ["1.01", "1.0^git1", 1],
  ["1.0^20160101", "1.0^20160101", 0],
  ["1.0^20160101", "1.0.1", -1],
  ["1.0.1", "1.0^20160101", 1],
  ["1.0^git1", "1.0.1", -1],
  ["1.0.1", "1.0^git1", 1],
  ["1.0^20160101^git1", "1.0^20160101^git1", 0],
  ["1.0^20160101", "1.0^20160101^git1", -1],
  ["1.0^20160101^git1", "1.0^20160101", 1],
  ["1.0^20160102", "1.0^20160101^git1", 1],
  ["1.0^20160101^git1", "1.0^20160102", -1],
  ["1.0~rc1^git1", "1.0~rc1^git1", 0],
  ["1.0~rc1^git1", "1.0~rc1", 1],
  ["1.0~rc1", "1.0~rc1^git1", -1],
  ["1.0^git1~pre", "1.0^git1~pre", 0],
  ["1.0^git1", "1.0^git1~pre", 1],
  ["1.0^git1~pre", "1.0^git1", -1],
  ["1.0~rc1", "1.0^git1", -1],
  ["1.0~", "1.0^", -1],
  ["1.0^", "1.0~", 1],
  ["1.0^", "1.0.", 1],
  ["1.0~", "1.0", -1],
  ["~", "~~", 1],
  ["~~", "~", -1],
  ["~", "", -1],
  ["^", "", 1],
  ["^", "~", 1],
  ["1.0", "1.0.0", -1],
  ["1.0.0", "1.0", 1],
  ["2.0a", "2.0", 1],
  ["2.0", "2.0a", -1],
  ["2.0a", "2.0.a", 0],
  ["2.0a", "2.0.1", -1],
  ["a", "b", -1],
  ["b", "a", 1],
  ["1e", "1.e", 0],
  ["1.e", "1e", 0],
  ["1", "a", 1],
  ["a", "1", -1],
  ["1a", "1", 1],
  ["a1", "a", 1],
  ["1.0", "1.0.", 0],
  ["1.0.", "1.0", 0],
  ["1..0", "1.0", 0],
  ["1.0", "1_0", 0],
  ["1.0", "1:0", 0],
  ["1.0", "1-0", 0],
  [".1.0", "1.0", 0],
  ["", "1", -1],
  ["1", "", 1],
  ["", "", 0],
  ["", ".", 0],
  ["007", "7", 0],
  ["1.007", "1.7", 0],
  ["1.010", "1.9", 1],
  ["1.9", "1.010", -1],
  ["00", "0", 0],
  ["0", "00", 0],
  ["0", "", 1],
  ["1.00", "1.0", 0],
  ["1.2.3", "1.2.3a", -1],
  ["1.2a3", "1.2a", 1],
  ["1a", "1b", -1],
  ["A", "a", -1],
  ["a", "A", 1],
  ["Z", "a", -1],
  ["1.0rc1", "1.0", 1],
  ["1.0", "1.0rc1", -1],
  ["12345678901234567890", "12345678901234567891", -1],
  ["99999999999999999999", "100000000000000000000", -1],
  ["0000000000000000000001", "1", 0],
  ["1.0é", "1.0", 0],
  ["1.é", "1.ü", 0],
  ["é1", "1", 0],
  ["abc", "abcd", -1],
  ["abcd", "abc", 1],
  ["1.a.b", "1.ab", -1],
  ["1ab", "1.ab", 0],
  ["1.0.a", "1.0.1", -1],
  ["2.0.0.0", "2.0", 1],
];

describe("rpmvercmp", () => {
  it.each(versionPairs)("rpmvercmp(%j, %j) = %i", (a, b, expected) => {
    expect(rpmvercmp(a, b)).toBe(expected);
  });

  it.each(versionPairs)("rpmvercmp is antisymmetric for %j, %j", (a, b, expected) => {
    expect(rpmvercmp(b, a)).toBe(expected === 0 ? 0 : -expected);
  });
});

// Expected values from librpm's dependency matching (rpmverOverlap, which orders EVRs while ignoring
// the release when one side has none): with rpm.ds(...).Compare, "foo > A" overlaps "foo < B" exactly
// when A < B, and "foo < A" overlaps "foo > B" exactly when A > B. Where both sides have a release
// the result also equals rpm.labelCompare.
const evrPairs: [string, string, -1 | 0 | 1][] = [
  ["1:1.0-1", "2.0-1", 1],
  ["2.0-1", "1:1.0-1", -1],
  ["0:1.0-1", "1.0-1", 0],
  ["1.0-1", "0:1.0-1", 0],
  ["2:1.0", "10:1.0", -1],
  ["10:1.0", "2:1.0", 1],
  ["1.0-1", "1:0.1-1", -1],
  ["1:1.0", "1:1.0", 0],
  ["1:1.0-1", "1:1.0-2", -1],
  ["1.0-1", "1.0-2", -1],
  ["1.0-2", "1.0-1", 1],
  ["1.0-10", "1.0-9", 1],
  ["1.0-1.fc39", "1.0-1.fc40", -1],
  ["1.0-1~rc1", "1.0-1", -1],
  ["1.0-1", "1.0-1.1", -1],
  ["1.0-1^post", "1.0-1", 1],
  ["1.0-2", "1.1-1", -1],
  ["1.0", "1.0-1", 0],
  ["1.0-5", "1.0", 0],
  ["1.0", "1.0", 0],
  ["2.0", "1.0-9", 1],
  ["1.0", "2.0-1", -1],
  ["1:1.0", "1.0-1", 1],
  ["1.0", "0:1.0-1", 0],
  ["1.0", "1:1.0-1", -1],
  ["1.0~rc1", "1.0-1", -1],
  ["1.0^git1", "1.0-99", 1],
  ["1:1.0", "2:0.5", -1],
  ["0:2.0", "1.0", 1],
  ["1.0-1", "1.0", 0],
];

describe("compareEvr", () => {
  it.each(evrPairs)("compareEvr(%s, %s) = %i", (a, b, expected) => {
    expect(compareEvr(parseEvr(a), parseEvr(b))).toBe(expected);
  });

  it.each<[Evr, Evr, -1 | 0 | 1]>([
    [{ version: "1.0" }, { epoch: 0, version: "1.0" }, 0],
    [{ version: "1.0", release: "" }, { version: "1.0", release: "1" }, 0],
    [{ version: "1.0", release: "1" }, { version: "1.0", release: "" }, 0],
    [{ epoch: 3, version: "0" }, { epoch: 2, version: "99" }, 1],
  ])("compareEvr(%j, %j) = %i", (a, b, expected) => {
    expect(compareEvr(a, b)).toBe(expected);
  });
});

describe("parseEvr", () => {
  it.each<[string, Evr]>([
    ["1.0", { version: "1.0" }],
    ["1.0-1", { version: "1.0", release: "1" }],
    ["1:2.0-3.kiln", { epoch: 1, version: "2.0", release: "3.kiln" }],
    ["0:1", { epoch: 0, version: "1" }],
    ["007:1", { epoch: 7, version: "1" }],
    ["1.0-1-2", { version: "1.0-1", release: "2" }],
    ["2:1.0~rc1^git2+x_y-0.1.fc40", { epoch: 2, version: "1.0~rc1^git2+x_y", release: "0.1.fc40" }],
  ])("parseEvr(%j)", (text, expected) => {
    expect(parseEvr(text)).toStrictEqual(expected);
  });

  it.each([
    ["", "empty version"],
    ["x:1.0", 'epoch "x" is not a non-negative integer'],
    ["-1:1.0", 'epoch "-1" is not a non-negative integer'],
    ["1.5:1.0", 'epoch "1.5" is not a non-negative integer'],
    [":1.0", 'epoch "" is not a non-negative integer'],
    ["99999999999999999999:1", "is not a non-negative integer"],
    ["1:", "empty version"],
    ["-1", "empty version"],
    ["1.0-", "empty release"],
    ["1:2:3", 'version "2:3" contains ":"'],
    ["1.0 -1", 'version "1.0 " contains " "'],
    ["1.0)", 'version "1.0)" contains ")"'],
    ["1.0-%{dist}", 'release "%{dist}" contains "%"'],
  ])("parseEvr(%j) fails: %s", (text, problem) => {
    expect(() => parseEvr(text)).toThrow(EvrSyntaxError);
    expect(() => parseEvr(text)).toThrow(problem);
    expect(() => parseEvr(text)).toThrow(`"${text}"`);
  });
});

describe("formatEvr", () => {
  it.each<[Evr, string]>([
    [{ version: "1.0" }, "1.0"],
    [{ version: "1.0", release: "1" }, "1.0-1"],
    [{ epoch: 0, version: "1.0" }, "0:1.0"],
    [{ epoch: 2, version: "1.0~rc1", release: "3.kiln" }, "2:1.0~rc1-3.kiln"],
  ])("formatEvr(%j) = %j and parses back", (evr, text) => {
    expect(formatEvr(evr)).toBe(text);
    expect(parseEvr(text)).toStrictEqual(evr);
  });
});
