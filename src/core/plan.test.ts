import { describe, expect, it } from "vitest";
import { criticalPath, reachable, remainingChain, topoOrder, waves, type Edges } from "./plan.js";

/** Edges from a record: package → what it needs. */
const edges = (g: Record<string, string[]>): Edges =>
  new Map(Object.entries(g).map(([k, v]) => [k, new Set(v)]));

/** The reverse edges: package → what needs it. */
const reverse = (g: Record<string, string[]>): Edges => {
  const out = new Map<string, Set<string>>();
  for (const [k, vs] of Object.entries(g)) {
    if (!out.has(k)) out.set(k, new Set());
    for (const v of vs) {
      if (!out.has(v)) out.set(v, new Set());
      out.get(v)!.add(k);
    }
  }
  return out;
};

const sorted = (s: Iterable<string>): string[] => [...s].sort();

// top needs left and right, both need bottom.
const diamond = { top: ["left", "right"], left: ["bottom"], right: ["bottom"], bottom: [] };
const chain = { a: ["b"], b: ["c"], c: ["d"], d: [] };
// Two disjoint parts: x → y, and p → q → r.
const disjoint = { x: ["y"], y: [], p: ["q"], q: ["r"], r: [] };

describe("reachable", () => {
  it.each<[string, Record<string, string[]>, string[], string[]]>([
    ["the diamond from its top", diamond, ["top"], ["bottom", "left", "right", "top"]],
    ["the diamond from one side", diamond, ["left"], ["bottom", "left"]],
    ["the diamond from its bottom", diamond, ["bottom"], ["bottom"]],
    ["the chain from its middle", chain, ["b"], ["b", "c", "d"]],
    ["one disjoint part", disjoint, ["p"], ["p", "q", "r"]],
    ["both disjoint parts", disjoint, ["x", "q"], ["q", "r", "x", "y"]],
    ["no roots", diamond, [], []],
    ["a root without edges", {}, ["lonely"], ["lonely"]],
    ["a cycle", { a: ["b"], b: ["a"] }, ["a"], ["a", "b"]],
  ])("%s", (_what, g, roots, expected) => {
    expect(sorted(reachable(roots, edges(g)))).toStrictEqual(expected);
  });
});

describe("downstream: reachable along the reverse edges", () => {
  it.each<[string, Record<string, string[]>, string[], string[]]>([
    ["the diamond's bottom", diamond, ["bottom"], ["bottom", "left", "right", "top"]],
    ["one side of the diamond", diamond, ["right"], ["right", "top"]],
    ["the diamond's top", diamond, ["top"], ["top"]],
    ["the end of the chain", chain, ["d"], ["a", "b", "c", "d"]],
    ["the middle of the chain", chain, ["c"], ["a", "b", "c"]],
    ["one disjoint part", disjoint, ["r"], ["p", "q", "r"]],
    ["both disjoint parts", disjoint, ["y", "q"], ["p", "q", "x", "y"]],
    ["a package unknown to the graph", diamond, ["ghost"], ["ghost"]],
  ])("%s", (_what, g, roots, expected) => {
    expect(sorted(reachable(roots, reverse(g)))).toStrictEqual(expected);
  });
});

describe("waves", () => {
  it.each<[string, Record<string, string[]>, string[] | undefined, string[][]]>([
    ["the diamond", diamond, undefined, [["bottom"], ["left", "right"], ["top"]]],
    ["the chain", chain, undefined, [["d"], ["c"], ["b"], ["a"]]],
    ["disjoint parts", disjoint, undefined, [["r", "y"], ["q", "x"], ["p"]]],
    ["no nodes", diamond, [], []],
    // Edges to nodes outside the set are ignored: left and right are ready at once.
    ["part of the diamond", diamond, ["left", "right", "top"], [["left", "right"], ["top"]]],
    ["the diamond without a side", diamond, ["bottom", "left", "top"], [["bottom"], ["left"], ["top"]]],
    ["nodes with no edges at all", {}, ["c", "a", "b"], [["a", "b", "c"]]],
    ["a self-edge is ignored", { a: ["a"], b: ["a"] }, undefined, [["a"], ["b"]]],
    [
      "a node waits for its deepest prerequisite",
      { top: ["a", "d"], a: [], d: ["c"], c: ["b"], b: [] },
      undefined,
      [["a", "b"], ["c"], ["d"], ["top"]],
    ],
    ["a cycle is left out, with what needs it", { a: ["b"], b: ["a"], c: ["a"], d: [] }, undefined, [["d"]]],
  ])("%s", (_what, g, nodes, expected) => {
    expect(waves(new Set(nodes ?? Object.keys(g)), edges(g))).toStrictEqual(expected);
  });

  it("sorts within a wave whatever the insertion order", () => {
    const g = { z: [], m: [], a: [], top: ["z", "m", "a"] };
    expect(waves(new Set(["top", "z", "m", "a"]), edges(g))).toStrictEqual([["a", "m", "z"], ["top"]]);
  });
});

describe("topoOrder", () => {
  it.each<[string, Record<string, string[]>, string[]]>([
    ["the diamond", diamond, ["bottom", "left", "right", "top"]],
    ["the chain", chain, ["d", "c", "b", "a"]],
    ["disjoint parts", disjoint, ["r", "y", "q", "x", "p"]],
  ])("%s", (_what, g, expected) => {
    const order = topoOrder(new Set(Object.keys(g)), edges(g));
    expect(order).toStrictEqual(expected);
    // Every prerequisite comes before what needs it.
    for (const [n, ds] of Object.entries(g))
      for (const d of ds) expect(order.indexOf(d)).toBeLessThan(order.indexOf(n));
  });
});

describe("remainingChain and criticalPath", () => {
  const durations: Record<string, number> = { top: 1, left: 10, right: 3, bottom: 2, a: 1, b: 2, c: 3, d: 4 };
  const duration = (n: string): number => durations[n] ?? 0;

  it.each<[string, Record<string, string[]>, string[] | undefined, Record<string, number>, number]>([
    // bottom's chain: itself (2) + left (10) + top (1).
    ["the diamond", diamond, undefined, { top: 1, left: 11, right: 4, bottom: 13 }, 13],
    ["the chain", chain, undefined, { a: 1, b: 3, c: 6, d: 10 }, 10],
    ["part of the chain", chain, ["b", "c"], { b: 2, c: 5 }, 5],
    [
      "the diamond without its top",
      diamond,
      ["left", "right", "bottom"],
      { left: 10, right: 3, bottom: 12 },
      12,
    ],
    ["no nodes", diamond, [], {}, 0],
  ])("%s", (_what, g, nodes, expectedChain, expectedPath) => {
    const set = new Set(nodes ?? Object.keys(g));
    expect(Object.fromEntries(remainingChain(set, edges(g), duration))).toStrictEqual(expectedChain);
    expect(criticalPath(set, edges(g), duration)).toBe(expectedPath);
  });

  it("takes the durations it is given", () => {
    const set = new Set(Object.keys(diamond));
    expect(criticalPath(set, edges(diamond), (n) => (n === "right" ? 100 : 1))).toBe(102);
    expect(remainingChain(set, edges(diamond), (n) => (n === "right" ? 100 : 1)).get("left")).toBe(2);
  });
});
