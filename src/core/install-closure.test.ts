import { describe, expect, it } from "vitest";
import { parseDep, parseDepExpr } from "./deps.js";
import { parseFilesList } from "./files-provides.js";
import { installClosure, parseRequirements, type Closure, type Requirement } from "./install-closure.js";
import { hostMatcher, ProviderIndex, type Provider } from "./providers.js";

interface Bin {
  source?: string;
  provides?: string[];
  requires?: string[];
  files?: string[];
}

/** A repository of binary packages: name → what it provides (besides its own name) and requires. */
function repo(bins: Record<string, Bin>): {
  index: ProviderIndex;
  requiresOf: (p: Provider) => Requirement[];
} {
  const index = new ProviderIndex();
  const reqs = new Map<Provider, Requirement[]>();
  for (const [name, b] of Object.entries(bins)) {
    const source = b.source ?? name;
    index.addProvides(source, name, [parseDep(`${name} = 1.0-1`), ...(b.provides ?? []).map(parseDep)]);
    index.addFiles(source, name, parseFilesList((b.files ?? []).join("\n")));
    reqs.set(index.provider(source, name), parseRequirements(b.requires ?? []));
  }
  return { index, requiresOf: (p) => reqs.get(p) ?? [] };
}

function closure(bins: Record<string, Bin>, roots: string[], host: string[] = []): Closure {
  const { index, requiresOf } = repo(bins);
  return installClosure(
    roots.map((text) => ({ text, expr: parseDepExpr(text) })),
    { index, requiresOf, isHost: hostMatcher(host) },
  );
}

const names = (c: Closure): string[] => c.chosen.map((p) => p.binary).sort();

describe("parseRequirements", () => {
  it("parses each requirement once and leaves out rpmlib()", () => {
    expect(
      parseRequirements(["foo >= 1", "rpmlib(CompressedFileNames) <= 3.0.4-1", "(a or b)", "/bin/sh"]),
    ).toStrictEqual([
      { text: "foo >= 1", expr: parseDepExpr("foo >= 1") },
      { text: "(a or b)", expr: parseDepExpr("(a or b)") },
      { text: "/bin/sh", expr: parseDepExpr("/bin/sh") },
    ]);
  });

  it("keeps what does not parse, without an expression", () => {
    expect(parseRequirements(["foo >=", "ok"])).toStrictEqual([
      { text: "foo >=" },
      { text: "ok", expr: parseDepExpr("ok") },
    ]);
  });
});

describe("installClosure", () => {
  it.each<[string, Record<string, Bin>, string[], string[], string[], Closure["unsatisfied"]]>([
    ["nothing asked", { a: {} }, [], [], [], []],
    ["one package", { a: {}, b: {} }, ["a"], [], ["a"], []],
    [
      "transitive requires",
      { a: { requires: ["b"] }, b: { requires: ["c >= 1"] }, c: {}, unrelated: {} },
      ["a"],
      [],
      ["a", "b", "c"],
      [],
    ],
    ["a cycle of requires", { a: { requires: ["b"] }, b: { requires: ["a"] } }, ["a"], [], ["a", "b"], []],
    ["by a virtual provide", { impl: { provides: ["virt"] } }, ["virt"], [], ["impl"], []],
    ["by a file", { sh: { files: ["/usr/bin/sh"] } }, ["/usr/bin/sh"], [], ["sh"], []],
    [
      "a file requirement of a dependency",
      { a: { requires: ["/usr/share/b/data"] }, b: { files: ["%dir /usr/share/b"] } },
      ["a"],
      [],
      ["a", "b"],
      [],
    ],
    [
      "host requirements are skipped",
      { a: { requires: ["libc.so.6()(64bit)", "gcc", "b"] }, b: {} },
      ["a", "make"],
      ["libc.so.6*", "gcc", "make"],
      ["a", "b"],
      [],
    ],
    ["the set wins over the host", { gcc: {} }, ["gcc"], ["gcc"], ["gcc"], []],
    ["an unsatisfied root", { a: {} }, ["a", "missing >= 2"], [], ["a"], [{ requirement: "missing >= 2" }]],
    [
      "an unsatisfied requirement names who needs it",
      { a: { requires: ["b"] }, b: { requires: ["gone", "c"] }, c: {} },
      ["a"],
      [],
      ["a", "b", "c"],
      [{ requirement: "gone", neededBy: "b" }],
    ],
    [
      "a version nobody has",
      { a: { requires: ["b >= 2"] }, b: {} },
      ["a"],
      [],
      ["a"],
      [{ requirement: "b >= 2", neededBy: "a" }],
    ],
    [
      "a requirement that does not parse",
      { a: { requires: ["b >="] } },
      ["a"],
      [],
      ["a"],
      [{ requirement: "b >=", neededBy: "a" }],
    ],
    [
      "rpmlib() requirements",
      { a: { requires: ["rpmlib(PayloadIsZstd) <= 5.4.18-1"] } },
      ["a"],
      [],
      ["a"],
      [],
    ],
    // Preferences among several providers.
    [
      "an exact binary name wins over the first name",
      { aaa: { provides: ["mta"] }, mta: {}, zzz: { provides: ["mta"] } },
      ["mta"],
      [],
      ["mta"],
      [],
    ],
    [
      "otherwise the first binary name",
      { postfix: { provides: ["mta"] }, exim: { provides: ["mta"] }, sendmail: { provides: ["mta"] } },
      ["mta"],
      [],
      ["exim"],
      [],
    ],
    [
      "a provider already chosen wins over the exact name",
      { app: { requires: ["mta"] }, postfix: { provides: ["mta"] }, mta: {} },
      ["postfix", "app"],
      [],
      ["app", "postfix"],
      [],
    ],
    [
      "a provider chosen as a dependency wins for a later requirement",
      {
        other: { requires: ["sendmail"] },
        app: { requires: ["mta"] },
        sendmail: { provides: ["mta"] },
        aaa: { provides: ["mta"] },
      },
      ["other", "app"],
      [],
      ["app", "other", "sendmail"],
      [],
    ],
    // Rich requirements.
    ["or: the first alternative", { a: {}, b: {} }, ["(a or b)"], [], ["a"], []],
    ["or: the first satisfiable alternative", { b: {}, c: {} }, ["(a or b or c)"], [], ["b"], []],
    ["or: a host alternative installs nothing", { b: {} }, ["(gcc or b)"], ["gcc"], [], []],
    ["or: nothing satisfiable", { c: {} }, ["(a or b)"], [], [], [{ requirement: "(a or b)" }]],
    [
      "or: a nested alternative that cannot hold as a whole is passed over",
      { a: {}, c: {} },
      ["((a and b) or c)"],
      [],
      ["c"],
      [],
    ],
    ["and: every argument", { a: {}, b: {}, c: {} }, ["(a and b)"], [], ["a", "b"], []],
    ["and: one missing", { a: {} }, ["(a and b)"], [], [], [{ requirement: "(a and b)" }]],
    [
      "and: an or inside installs only its first satisfiable alternative",
      { a: {}, b: {}, c: {} },
      ["(a and (b or c))"],
      [],
      ["a", "b"],
      [],
    ],
    ["if: the condition is not installed for it", { a: {}, b: {} }, ["(a if b)"], [], ["a"], []],
    [
      "if: an or in the branch installs one alternative",
      { a: {}, b: {}, c: {} },
      ["((a or b) if c)"],
      [],
      ["a"],
      [],
    ],
    ["if: a condition that cannot hold", { b: {} }, ["(a if c)"], [], [], []],
    ["unless: the condition is not installed for it", { a: {}, b: {} }, ["(a unless b)"], [], ["a"], []],
    ["with: both", { a: { provides: ["x"] }, b: {} }, ["(a with x)"], [], ["a"], []],
    ["without: only the first", { a: {}, b: {} }, ["(a without c)"], [], ["a"], []],
  ])("%s", (_what, bins, roots, host, expected, unsatisfied) => {
    const c = closure(bins, roots, host);
    expect(names(c)).toStrictEqual(expected);
    expect(c.unsatisfied).toStrictEqual(unsatisfied);
  });

  it("gives the same Provider objects as the index", () => {
    const { index, requiresOf } = repo({ a: { requires: ["b"] }, b: {} });
    const c = installClosure([{ text: "a", expr: parseDepExpr("a") }], {
      index,
      requiresOf,
      isHost: () => false,
    });
    expect(c.chosen).toHaveLength(2);
    expect(c.chosen[0]).toBe(index.provider("a", "a"));
    expect(c.chosen[1]).toBe(index.provider("b", "b"));
  });

  it("is deterministic whatever order the providers were added in", () => {
    const bins: Record<string, Bin> = {};
    for (const n of ["m", "c", "x", "a", "q"]) bins[n] = { provides: ["virt"] };
    const forward = closure(bins, ["virt"]);
    const backward = closure(Object.fromEntries(Object.entries(bins).reverse()), ["virt"]);
    expect(names(forward)).toStrictEqual(["a"]);
    expect(names(backward)).toStrictEqual(["a"]);
  });

  it("asks for each package's requirements once", () => {
    const { index, requiresOf } = repo({
      a: { requires: ["c"] },
      b: { requires: ["c"] },
      c: { requires: ["a"] },
    });
    const asked: string[] = [];
    installClosure(
      ["a", "b"].map((text) => ({ text, expr: parseDepExpr(text) })),
      {
        index,
        requiresOf: (p) => {
          asked.push(p.binary);
          return requiresOf(p);
        },
        isHost: () => false,
      },
    );
    expect(asked.sort()).toStrictEqual(["a", "b", "c"]);
  });

  it("keeps packages of the same source apart", () => {
    const c = closure(
      {
        lib: { source: "foo", requires: ["foo-data"] },
        "foo-data": { source: "foo" },
        "foo-devel": { source: "foo" },
      },
      ["lib"],
    );
    expect(c.chosen.map((p) => `${p.source}/${p.binary}`).sort()).toStrictEqual(["foo/foo-data", "foo/lib"]);
  });
});
