// The matching that lets a value differ from before only by the version bump itself.
import { describe, expect, it } from "vitest";
import { listDifferences, sameBut } from "./compare-bump.js";

describe("sameBut", () => {
  const same = sameBut([
    ["1.0", "1.2"],
    ["-3.kiln", "-1.kiln"],
  ]);
  it.each([
    ["libgreet = 1.0-3.kiln", "libgreet = 1.2-1.kiln", true],
    ["libgreet-1.0.tar.gz", "libgreet-1.2.tar.gz", true],
    ["/usr/lib/libgreet.so.1.0", "/usr/lib/libgreet.so.1.0", true],
    ["/doc/g-1.0/x-1.0", "/doc/g-1.2/x-1.0", true],
    ["libgreet = 1.0-3.kiln", "libgreet = 1.2-3.kiln", true],
    ["libgreet = 1.0-3.kiln", "libgreet = 1.3-1.kiln", false],
    ["gcc >= 4", "gcc >= 5", false],
    ["a1.0b", "a1x2b", false],
  ])("%s / %s: %s", (a, b, want) => {
    expect(same(a, b)).toBe(want);
  });

  it("compares plainly when nothing is substituted", () => {
    const plain = sameBut([
      ["", "x"],
      ["1", "1"],
      ["-", "-"],
    ]);
    expect(plain("a", "a")).toBe(true);
    expect(plain("a1", "ax")).toBe(false);
  });
});

describe("listDifferences", () => {
  it("matches each item once, in any order, and says what went and came", () => {
    const same = sameBut([["1.0", "1.2"]]);
    expect(listDifferences(["a", "b-1.0", "c"], ["b-1.2", "a", "c"], same)).toEqual([]);
    expect(listDifferences(["a", "a", "b"], ["a", "d"], same)).toEqual([
      'no longer "a", "b"',
      'now also "d"',
    ]);
  });
});
