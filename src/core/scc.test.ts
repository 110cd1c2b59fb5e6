import { describe, expect, it } from "vitest";
import { findCycle, stronglyConnected } from "./scc.js";

type Adjacency = Record<string, string[]>;

const nodesOf = (g: Adjacency): string[] => Object.keys(g);
const edgesOf =
  (g: Adjacency) =>
  (n: string): string[] =>
    g[n] ?? [];

/** Components as sorted member lists, sorted: independent of the order Tarjan emits them in. */
const normalized = (comps: string[][]): string[][] =>
  comps.map((c) => [...c].sort()).sort((a, b) => (a.join() < b.join() ? -1 : 1));

describe("stronglyConnected", () => {
  it.each<[string, Adjacency, string[][]]>([
    ["no nodes", {}, []],
    ["one node", { a: [] }, [["a"]]],
    ["a self-loop", { a: ["a"] }, [["a"]]],
    ["a chain", { a: ["b"], b: ["c"], c: [] }, [["a"], ["b"], ["c"]]],
    ["a diamond", { top: ["l", "r"], l: ["bot"], r: ["bot"], bot: [] }, [["bot"], ["l"], ["r"], ["top"]]],
    ["a 2-cycle", { a: ["b"], b: ["a"] }, [["a", "b"]]],
    ["a 3-cycle", { a: ["b"], b: ["c"], c: ["a"] }, [["a", "b", "c"]]],
    [
      "a cycle with a tail on each side",
      { in: ["a"], a: ["b"], b: ["a", "out"], out: [] },
      [["a", "b"], ["in"], ["out"]],
    ],
    [
      "two cycles joined by one edge",
      { a: ["b"], b: ["a", "c"], c: ["d"], d: ["c"] },
      [
        ["a", "b"],
        ["c", "d"],
      ],
    ],
    ["two cycles sharing a node", { a: ["b"], b: ["a", "c"], c: ["b"] }, [["a", "b", "c"]]],
    ["disjoint parts", { a: ["b"], b: ["a"], x: [], y: ["x"] }, [["a", "b"], ["x"], ["y"]]],
    ["an edge to a node not listed", { a: ["ghost"] }, [["a"], ["ghost"]]],
    ["duplicate edges", { a: ["b", "b"], b: ["a", "a"] }, [["a", "b"]]],
  ])("%s", (_what, graph, expected) => {
    expect(normalized(stronglyConnected(nodesOf(graph), edgesOf(graph)))).toStrictEqual(expected);
  });

  it("puts every node in exactly one component", () => {
    const g: Adjacency = { a: ["b", "e"], b: ["c"], c: ["a", "d"], d: ["d"], e: ["f"], f: ["e", "d"] };
    const all = stronglyConnected(nodesOf(g), edgesOf(g)).flat();
    expect([...all].sort()).toStrictEqual(["a", "b", "c", "d", "e", "f"]);
  });

  it("emits components dependencies first (reverse topological order)", () => {
    const g: Adjacency = { top: ["l", "r"], l: ["bot"], r: ["bot", "x"], x: ["r"], bot: [] };
    const comps = stronglyConnected(nodesOf(g), edgesOf(g)).map((c) => [...c].sort().join("+"));
    const at = (c: string): number => comps.indexOf(c);
    expect(comps).toHaveLength(4);
    expect(at("bot")).toBeLessThan(at("l"));
    expect(at("bot")).toBeLessThan(at("r+x"));
    expect(at("l")).toBeLessThan(at("top"));
    expect(at("r+x")).toBeLessThan(at("top"));
  });

  it("visits only the given start nodes and what they reach", () => {
    const g: Adjacency = { a: ["b"], b: [], unreached: ["a"] };
    expect(normalized(stronglyConnected(["a"], edgesOf(g)))).toStrictEqual([["a"], ["b"]]);
  });

  it("handles a 50,000-node chain without overflowing the stack", () => {
    const n = 50_000;
    const name = (i: number): string => `p${i}`;
    const nodes = Array.from({ length: n }, (_, i) => name(i));
    const comps = stronglyConnected(nodes, (x) => {
      const i = Number(x.slice(1));
      return i + 1 < n ? [name(i + 1)] : [];
    });
    expect(comps).toHaveLength(n);
    // Dependencies first: the end of the chain comes out first.
    expect(comps[0]).toStrictEqual([name(n - 1)]);
    expect(comps[n - 1]).toStrictEqual([name(0)]);
  });

  it("handles a 50,000-node cycle without overflowing the stack", () => {
    const n = 50_000;
    const nodes = Array.from({ length: n }, (_, i) => `p${i}`);
    const comps = stronglyConnected(nodes, (x) => [`p${(Number(x.slice(1)) + 1) % n}`]);
    expect(comps).toHaveLength(1);
    expect(comps[0]).toHaveLength(n);
  });
});

describe("findCycle", () => {
  const all = (g: Adjacency): Set<string> => new Set(nodesOf(g));

  it.each<[string, Adjacency, string, string[]]>([
    ["a self-loop", { a: ["a"] }, "a", ["a", "a"]],
    ["a 2-cycle", { a: ["b"], b: ["a"] }, "a", ["a", "b", "a"]],
    ["a 2-cycle from its other member", { a: ["b"], b: ["a"] }, "b", ["b", "a", "b"]],
    ["a 3-cycle", { a: ["b"], b: ["c"], c: ["a"] }, "a", ["a", "b", "c", "a"]],
    [
      "the shortest of two cycles through the start",
      { a: ["b", "x"], b: ["c"], c: ["d"], d: ["a"], x: ["a"] },
      "a",
      ["a", "x", "a"],
    ],
    ["no cycle through the start", { a: ["b"], b: ["c"], c: ["b"] }, "a", ["a"]],
    ["no edges", { a: [] }, "a", ["a"]],
  ])("%s", (_what, g, start, expected) => {
    expect(findCycle(start, edgesOf(g), all(g))).toStrictEqual(expected);
  });

  it("stays inside `within`", () => {
    const g: Adjacency = { a: ["x", "b"], x: ["a"], b: ["c"], c: ["a"] };
    expect(findCycle("a", edgesOf(g), new Set(["a", "b", "c"]))).toStrictEqual(["a", "b", "c", "a"]);
    expect(findCycle("a", edgesOf(g), new Set(["a", "b"]))).toStrictEqual(["a"]);
  });

  it("returns a path whose every step is an edge", () => {
    const g: Adjacency = { a: ["b", "c"], b: ["d"], c: ["d"], d: ["e"], e: ["a", "b"] };
    const path = findCycle("a", edgesOf(g), all(g));
    expect(path[0]).toBe("a");
    expect(path[path.length - 1]).toBe("a");
    for (let i = 0; i + 1 < path.length; i++) expect(g[path[i]!]).toContain(path[i + 1]);
    expect(path).toHaveLength(5); // a → b|c → d → e → a
  });
});
