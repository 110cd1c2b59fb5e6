import { describe, expect, it } from "vitest";
import { affectedBy, planChange, type RebuildMode } from "./flow.js";

/** Reverse edges from "a>b" pairs: b build-requires a. */
function rdeps(...pairs: string[]): Map<string, Set<string>> {
  const m = new Map<string, Set<string>>();
  for (const p of pairs) {
    const [from, to] = p.split(">") as [string, string];
    if (!m.has(from)) m.set(from, new Set());
    m.get(from)!.add(to);
  }
  return m;
}

const modes =
  (o: Record<string, RebuildMode>, dflt: RebuildMode = "transitive") =>
  (p: string): RebuildMode =>
    o[p] ?? dflt;
const sorted = (s: Set<string>): string[] => [...s].sort();

describe("what a change may rebuild", () => {
  // a → b → c → d, and a → e
  const chain = rdeps("a>b", "b>c", "c>d", "a>e");

  it("transitive: everything below, the changed package included", () => {
    expect(sorted(affectedBy(["a"], chain, modes({})))).toEqual(["a", "b", "c", "d", "e"]);
    expect(sorted(affectedBy(["c"], chain, modes({})))).toEqual(["c", "d"]);
  });

  it("direct: only what build-requires the changed package", () => {
    expect(sorted(affectedBy(["a"], chain, modes({}, "direct")))).toEqual(["a", "b", "e"]);
  });

  it("none: the changed package alone", () => {
    expect(sorted(affectedBy(["a"], chain, modes({}, "none")))).toEqual(["a"]);
  });

  it("a package's own mode limits the wave below it", () => {
    expect(sorted(affectedBy(["a"], chain, modes({ b: "none" })))).toEqual(["a", "b", "e"]);
    expect(sorted(affectedBy(["a"], chain, modes({ b: "direct" })))).toEqual(["a", "b", "c", "e"]);
    // A direct package's dependents do not go on, whatever their own mode.
    expect(sorted(affectedBy(["a"], chain, modes({ a: "direct" })))).toEqual(["a", "b", "e"]);
  });

  it("reached without and then with the right to go on: it goes on", () => {
    // a(direct) → x, and a → b(transitive) → x → y: x is reached through a (stops) and through b (goes on).
    const g = rdeps("a>x", "a>b", "b>x", "x>y");
    expect(sorted(affectedBy(["a"], g, modes({ a: "direct" })))).toEqual(["a", "b", "x"]);
    expect(sorted(affectedBy(["a", "b"], g, modes({ a: "direct" })))).toEqual(["a", "b", "x", "y"]);
  });

  it("several changed packages: the union, each package once; cycles and self-edges end", () => {
    const g = rdeps("a>b", "b>a", "b>b", "b>c");
    expect(sorted(affectedBy(["a", "c"], g, modes({})))).toEqual(["a", "b", "c"]);
  });

  it("a package nothing needs", () => {
    expect(sorted(affectedBy(["z"], chain, modes({})))).toEqual(["z"]);
  });

  it("scales: a 30,000-package layered graph, the bottom package changed", () => {
    const n = 30_000;
    const g = new Map<string, Set<string>>();
    for (let i = 1; i < n; i++) {
      for (const d of [i - 1, Math.floor(i / 2), Math.floor(i / 3)]) {
        const k = `p${d}`;
        if (!g.has(k)) g.set(k, new Set());
        g.get(k)!.add(`p${i}`);
      }
    }
    expect(affectedBy(["p0"], g, modes({})).size).toBe(n);
  });
});

describe("the plan of a change", () => {
  // a → b → c, a → d; order is the reverse (what each needs).
  const r = rdeps("a>b", "b>c", "a>d");
  const order = new Map([
    ["b", new Set(["a"])],
    ["c", new Set(["b"])],
    ["d", new Set(["a"])],
  ]);
  const base = { rdeps: r, order, modeOf: modes({}) };

  it("waves of what may rebuild, with the critical path and the total work from known durations", () => {
    const p = planChange(["a"], {
      ...base,
      durations: new Map([
        ["a", 100],
        ["b", 200],
        ["c", 300],
        ["d", 50],
      ]),
      downstream: "modes",
    });
    expect(p).toEqual({
      changed: ["a"],
      packages: ["a", "b", "d", "c"],
      waves: [["a"], ["b", "d"], ["c"]],
      criticalPathMs: 600,
      totalWorkMs: 650,
      unknown: [],
    });
  });

  it("unknown durations count at the typical one; none known gives zeros", () => {
    const p = planChange(["a"], { ...base, durations: new Map([["a", 100]]), downstream: "modes" });
    expect(p.criticalPathMs).toBe(300);
    expect(p.unknown).toEqual(["b", "d", "c"]);
    expect(planChange(["a"], { ...base, durations: new Map(), downstream: "modes" }).totalWorkMs).toBe(0);
  });

  it("downstream: all ignores the modes, none keeps the packages alone", () => {
    const limited = { ...base, modeOf: modes({}, "none"), durations: new Map<string, number>() };
    expect(planChange(["a"], { ...limited, downstream: "modes" }).packages).toEqual(["a"]);
    expect(planChange(["a"], { ...limited, downstream: "all" }).packages).toEqual(["a", "b", "d", "c"]);
    expect(planChange(["b"], { ...base, durations: new Map(), downstream: "none" }).waves).toEqual([["b"]]);
  });
});
