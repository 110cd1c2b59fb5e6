import { describe, expect, it } from "vitest";
import type { UserError } from "../util/errors.js";
import { parseDep, parseDepExpr } from "./deps.js";
import { inferProvides, parseFilesList } from "./files-provides.js";
import { resolveGraph, type GraphInput, type PackageGraph } from "./graph.js";
import type { BuiltBinary, SourcePackage } from "./package.js";

interface BinSpec {
  name: string;
  provides?: string[];
  requires?: string[];
  /** %files lines, as rpm expands them. */
  files?: string[];
}

interface PkgSpec {
  version?: string;
  release?: string;
  /** BuildRequires, written on lines 10, 11, … of the spec. */
  br?: string[];
  /** Binary packages; default: one named like the source package. */
  binaries?: (string | BinSpec)[];
}

/** A SourcePackage as interpretSpec makes it: implicit `name = evr` provides, pkgconfig from %files. */
function pkg(name: string, o: PkgSpec = {}): SourcePackage {
  const evr = { version: o.version ?? "1.0", release: o.release ?? "1.kiln" };
  return {
    name,
    specFile: `packages/${name}/${name}.spec`,
    specSha256: "0".repeat(64),
    evr,
    buildRequires: (o.br ?? []).map((text, i) => ({ text, expr: parseDepExpr(text), line: 10 + i })),
    sources: [],
    binaries: (o.binaries ?? [name]).map((spec) => {
      const b = typeof spec === "string" ? { name: spec } : spec;
      const files = parseFilesList((b.files ?? []).join("\n"));
      return {
        name: b.name,
        arch: "x86_64",
        provides: [
          { name: b.name, op: "=", evr },
          ...(b.provides ?? []).map(parseDep),
          ...inferProvides(files, evr),
        ],
        requires: b.requires ?? [],
        files: files.map((f) => f.path),
      };
    }),
  };
}

function built(name: string, b: Partial<BuiltBinary> = {}): BuiltBinary {
  return {
    name,
    evr: { version: "1.0", release: "1.kiln" },
    arch: "x86_64",
    provides: b.provides ?? [`${name} = 1.0-1.kiln`],
    requires: b.requires ?? [],
    files: b.files ?? [],
  };
}

function graph(packages: SourcePackage[], extra: Partial<GraphInput> = {}): PackageGraph {
  return resolveGraph({ packages, hostProvides: [], ...extra });
}

const depsOf = (g: PackageGraph, n: string): string[] => [...(g.deps.get(n) ?? [])].sort();
const orderOf = (g: PackageGraph, n: string): string[] => [...(g.order.get(n) ?? [])].sort();
const rdepsOf = (g: PackageGraph, n: string): string[] => [...(g.rdeps.get(n) ?? [])].sort();
const errorsOf = (g: PackageGraph, n: string): UserError[] => g.errors.get(n) ?? [];
const allErrors = (g: PackageGraph): string[] =>
  [...g.errors].flatMap(([n, es]) => es.map((e) => `${n}: ${e.code}: ${e.message}`));

/** The packages of the set a BuildRequires can name. */
const providers = (): SourcePackage[] => [
  pkg("zlib", {
    version: "1.3.1",
    release: "2.kiln",
    binaries: [
      { name: "zlib", files: ["/usr/lib64/libz.so.*"] },
      {
        name: "zlib-devel",
        requires: ["zlib = 1.3.1-2.kiln"],
        files: ["/usr/include/zlib.h", "/usr/lib64/pkgconfig/zlib.pc"],
      },
    ],
  }),
  pkg("greet-data", {
    binaries: [{ name: "greet-data", files: ["%dir /usr/share/greet", "/usr/share/greet/en.txt"] }],
  }),
  pkg("tool", {
    version: "2.1",
    release: "3.kiln",
    binaries: [{ name: "tool", files: ["%attr(0755,root,root) /usr/bin/tool"] }],
  }),
  pkg("pydata", { binaries: [{ name: "pydata", files: ["/usr/lib/python3*/site-packages/pydata"] }] }),
  pkg("openssl", {
    version: "3.0.13",
    binaries: [{ name: "openssl-libs", provides: ["libssl.so.3()(64bit)", "ssl-impl = 3.0"] }],
  }),
  pkg("epochy", { version: "0.5", binaries: [{ name: "epochy", provides: ["epochy-api = 2:0.5-1"] }] }),
];

describe("resolveGraph: resolving one BuildRequires", () => {
  it.each<[string, string]>([
    // by binary package name
    ["zlib-devel", "zlib"],
    ["zlib", "zlib"],
    ["openssl-libs", "openssl"],
    // by explicit (virtual) Provides
    ["libssl.so.3()(64bit)", "openssl"],
    ["ssl-impl", "openssl"],
    ["ssl-impl >= 3", "openssl"],
    ["epochy-api >= 1:9", "epochy"],
    // pkgconfig(x) inferred from a .pc file in %files
    ["pkgconfig(zlib)", "zlib"],
    ["pkgconfig(zlib) >= 1.2", "zlib"],
    ["pkgconfig(zlib) = 1.3.1", "zlib"],
    // a file path: an exact file, under a %dir, matched by a glob
    ["/usr/bin/tool", "tool"],
    ["/usr/include/zlib.h", "zlib"],
    ["/usr/share/greet", "greet-data"],
    ["/usr/share/greet/fr.txt", "greet-data"],
    ["/usr/lib64/libz.so.1", "zlib"],
    ["/usr/lib64/libz.so.1.3.1", "zlib"],
    ["/usr/lib/python3.12/site-packages/pydata/__init__.py", "pydata"],
    // version constraints
    ["tool >= 2", "tool"],
    ["tool >= 2.1", "tool"],
    ["tool > 2.0.9", "tool"],
    ["tool < 3", "tool"],
    ["tool <= 2.1", "tool"],
    ["tool = 2.1", "tool"],
    ["tool = 2.1-3.kiln", "tool"],
    ["tool >= 2.1-3", "tool"],
    ["tool = 0:2.1", "tool"],
    // rich
    ["(nothing-has-this or tool)", "tool"],
    ["(tool and /usr/bin/tool)", "tool"],
    ["(tool >= 2 with tool < 3)", "tool"],
  ])("%s → %s", (br, expected) => {
    const g = graph([...providers(), pkg("app", { br: [br] })]);
    expect(allErrors(g)).toStrictEqual([]);
    expect(depsOf(g, "app")).toStrictEqual([expected]);
    expect(rdepsOf(g, expected)).toStrictEqual(["app"]);
    expect(g.resolutions.get("app")).toStrictEqual([
      { text: br, line: 10, providers: [expected], host: false },
    ]);
  });

  it.each<[string, string]>([
    ["tool < 2", "tool = 2.1-3.kiln (from tool)"],
    ["tool > 2.1", "tool = 2.1-3.kiln (from tool)"],
    ["tool >= 3", "tool = 2.1-3.kiln (from tool)"],
    ["tool = 2.1-4.kiln", "tool = 2.1-3.kiln (from tool)"],
    ["tool = 2.2", "tool = 2.1-3.kiln (from tool)"],
    ["tool = 1:2.1", "tool = 2.1-3.kiln (from tool)"],
    ["pkgconfig(zlib) >= 2", "pkgconfig(zlib) = 1.3.1 (from zlib)"],
    ["ssl-impl >= 3.1", "ssl-impl = 3.0 (from openssl)"],
  ])("%s: a version the set does not have", (br, has) => {
    const g = graph([...providers(), pkg("app", { br: ["zlib-devel", br] })]);
    const [e, ...more] = errorsOf(g, "app");
    expect(more).toStrictEqual([]);
    expect(e?.code).toBe("BUILDREQUIRES_UNKNOWN");
    expect(e?.message).toBe(`BuildRequires ${br}: the set only has ${has}`);
    expect(e?.location).toStrictEqual({ file: "packages/app/app.spec", line: 11 });
    expect(e?.hint).toBe("change the version constraint or update the providing package");
    // The BuildRequires that resolved still gives its edge.
    expect(depsOf(g, "app")).toStrictEqual(["zlib"]);
    expect(allErrors(g)).toHaveLength(1);
  });

  it("names every version the set has when none fits", () => {
    const g = graph([
      pkg("old", { binaries: [{ name: "old", provides: ["api = 1"] }] }),
      pkg("older", { binaries: [{ name: "older", provides: ["api = 0.5"] }] }),
      pkg("app", { br: ["api >= 2"] }),
    ]);
    expect(errorsOf(g, "app").map((e) => e.message)).toStrictEqual([
      "BuildRequires api >= 2: the set only has api = 1 (from old), api = 0.5 (from older)",
    ]);
  });
});

describe("resolveGraph: host-provided and unknown names", () => {
  it.each<[string, string[]]>([
    ["gcc", ["gcc", "make"]],
    ["make", ["gcc", "make"]],
    ["gcc >= 12", ["gcc"]],
    ["libc.so.6()(64bit)", ["libc.so.6*"]],
    ["perl(File::Temp)", ["perl(*)"]],
    ["(gcc or clang)", ["gcc"]],
    ["(clang or gcc)", ["gcc"]],
  ])("%s is host-provided by %j: no edge", (br, host) => {
    const g = graph([...providers(), pkg("app", { br: [br] })], { hostProvides: host });
    expect(allErrors(g)).toStrictEqual([]);
    expect(depsOf(g, "app")).toStrictEqual([]);
    expect(g.resolutions.get("app")).toStrictEqual([{ text: br, line: 10, providers: [], host: true }]);
  });

  it("prefers a package of the set over the host", () => {
    const g = graph([...providers(), pkg("app", { br: ["tool"] })], { hostProvides: ["tool", "*"] });
    expect(depsOf(g, "app")).toStrictEqual(["tool"]);
    expect(g.resolutions.get("app")?.[0]?.host).toBe(false);
  });

  it.each<[string, string[]]>([
    ["nothing-provides-this", []],
    ["gcc-c++", ["gcc"]],
    ["libc.so.7", ["libc.so.6*"]],
    ["/usr/bin/missing", []],
    ["/usr/share/greetings/x", []],
    ["(nothing or nothing-either)", []],
    ["(tool and nothing)", []],
  ])("%s is unknown (host %j)", (br, host) => {
    const g = graph([...providers(), pkg("app", { br: ["tool", br] })], { hostProvides: host });
    expect(errorsOf(g, "app")).toHaveLength(1);
    const e = errorsOf(g, "app")[0]!;
    expect(e.code).toBe("BUILDREQUIRES_UNKNOWN");
    expect(e.message).toBe(
      `BuildRequires ${br}: no package in the set provides it and it is not host-provided`,
    );
    expect(e.location).toStrictEqual({ file: "packages/app/app.spec", line: 11 });
    expect(e.hint).toBe(
      "add a package that provides it, or list it under host.provides in kiln.yaml if the build machine supplies it",
    );
    expect(depsOf(g, "app")).toStrictEqual(["tool"]);
    expect(g.resolutions.get("app")).toHaveLength(1);
  });

  it("gives no line when the BuildRequires has none", () => {
    const app = pkg("app");
    app.buildRequires.push({ text: "nothing", expr: parseDepExpr("nothing") });
    const e = errorsOf(graph([app]), "app")[0];
    expect(e?.location).toStrictEqual({ file: "packages/app/app.spec" });
  });

  it("reports each unknown BuildRequires on its own line", () => {
    const g = graph([pkg("app", { br: ["x", "gcc", "y"] })], { hostProvides: ["gcc"] });
    expect(errorsOf(g, "app").map((e) => e.location?.line)).toStrictEqual([10, 12]);
  });
});

describe("resolveGraph: several providers", () => {
  it("reports a capability two source packages provide as ambiguous", () => {
    const g = graph([
      pkg("postfix", { binaries: [{ name: "postfix", provides: ["MTA"] }] }),
      pkg("exim", { binaries: [{ name: "exim", provides: ["MTA"] }] }),
      pkg("app", { br: ["MTA"] }),
    ]);
    expect(errorsOf(g, "app")).toHaveLength(1);
    const e = errorsOf(g, "app")[0]!;
    expect(e.code).toBe("BUILDREQUIRES_AMBIGUOUS");
    expect(e.message).toBe("BuildRequires MTA is provided by several packages: postfix, exim");
    expect(e.location).toStrictEqual({ file: "packages/app/app.spec", line: 10 });
    expect(e.hint).toBe("name the package you mean (its binary package name) in BuildRequires");
  });

  it("reports an ambiguous file", () => {
    const g = graph([
      pkg("a", { binaries: [{ name: "a", files: ["/usr/bin/x"] }] }),
      pkg("b", { binaries: [{ name: "b", files: ["/usr/bin/*"] }] }),
      pkg("app", { br: ["/usr/bin/x"] }),
    ]);
    expect(errorsOf(g, "app").map((e) => e.code)).toStrictEqual(["BUILDREQUIRES_AMBIGUOUS"]);
  });

  it("is not ambiguous when one binary package has exactly that name", () => {
    const g = graph([
      pkg("postfix", { binaries: [{ name: "postfix", provides: ["sendmail"] }] }),
      pkg("sendmail"),
      pkg("app", { br: ["sendmail"] }),
    ]);
    expect(allErrors(g)).toStrictEqual([]);
    expect(depsOf(g, "app")).toStrictEqual(["sendmail"]);
    expect(g.resolutions.get("app")?.[0]?.providers).toStrictEqual(["sendmail"]);
  });

  it("is not ambiguous when the binary packages of one source package provide it", () => {
    const g = graph([
      pkg("foo", {
        binaries: [
          { name: "foo", provides: ["foo-api"] },
          { name: "foo-compat", provides: ["foo-api"] },
        ],
      }),
      pkg("app", { br: ["foo-api"] }),
    ]);
    expect(allErrors(g)).toStrictEqual([]);
    expect(depsOf(g, "app")).toStrictEqual(["foo"]);
  });

  it("does not let a binary of that name in the wrong version settle it", () => {
    // foo is 1.0; foo-compat and foo-ng both provide foo >= 2: only they satisfy "foo >= 2".
    const g = graph([
      pkg("foo"),
      pkg("compat", { binaries: [{ name: "foo-compat", provides: ["foo = 2.0"] }] }),
      pkg("ng", { binaries: [{ name: "foo-ng", provides: ["foo = 2.1"] }] }),
      pkg("app", { br: ["foo >= 2"] }),
    ]);
    expect(errorsOf(g, "app").map((e) => [e.code, e.message])).toStrictEqual([
      ["BUILDREQUIRES_AMBIGUOUS", "BuildRequires foo >= 2 is provided by several packages: compat, ng"],
    ]);
    expect(depsOf(g, "app")).not.toContain("foo");
  });

  it("picks the package with the exact name in the version asked", () => {
    const g = graph([
      pkg("foo", { version: "2.5" }),
      pkg("compat", { binaries: [{ name: "foo-compat", provides: ["foo = 2.0"] }] }),
      pkg("app", { br: ["foo >= 2"] }),
    ]);
    expect(allErrors(g)).toStrictEqual([]);
    expect(depsOf(g, "app")).toStrictEqual(["foo"]);
    expect(g.resolutions.get("app")?.[0]?.providers).toStrictEqual(["foo"]);
  });
});

describe("resolveGraph: rich BuildRequires", () => {
  it.each<[string, string[], string[]]>([
    ["(a or b)", ["b"], ["b"]],
    ["(a or b)", ["a", "b"], ["a"]],
    ["(b or a)", ["a", "b"], ["b"]],
    ["(a and b)", ["a", "b"], ["a", "b"]],
    ["(a if b)", ["a", "b"], ["a"]],
    ["((a and c) or b)", ["a", "b"], ["b"]],
  ])("%s with %j in the set → %j", (br, present, expected) => {
    const g = graph([...present.map((n) => pkg(n)), pkg("app", { br: [br] })]);
    expect(allErrors(g)).toStrictEqual([]);
    expect(depsOf(g, "app")).toStrictEqual(expected);
  });
});

describe("resolveGraph: transitive Requires", () => {
  // A BuildRequires B-devel; B-devel requires B; B requires libc-thing, which C provides.
  const set = (): SourcePackage[] => [
    pkg("a", { br: ["b-devel"] }),
    pkg("b", {
      binaries: [
        { name: "b", requires: ["libc-thing.so.1()(64bit)", "/bin/sh"] },
        { name: "b-devel", requires: ["b = 1.0-1.kiln", "pkgconfig"] },
      ],
    }),
    pkg("c", { binaries: [{ name: "c-libs", provides: ["libc-thing.so.1()(64bit)"] }] }),
    pkg("d", { br: ["a"] }),
  ];

  it("gives a package an edge to everything its build root installs", () => {
    const g = graph(set(), { hostProvides: ["/bin/sh", "pkgconfig"] });
    expect(allErrors(g)).toStrictEqual([]);
    expect(depsOf(g, "a")).toStrictEqual(["b", "c"]);
    expect(depsOf(g, "b")).toStrictEqual([]);
    expect(depsOf(g, "c")).toStrictEqual([]);
    // d's build root has a, which requires nothing: a's own build dependencies are not d's.
    expect(depsOf(g, "d")).toStrictEqual(["a"]);
    // Only the BuildRequires are resolutions; the rest is the install closure.
    expect(g.resolutions.get("a")).toStrictEqual([
      { text: "b-devel", line: 10, providers: ["b"], host: false },
    ]);
  });

  it("keeps rdeps the mirror of deps", () => {
    const g = graph(set(), { hostProvides: ["/bin/sh", "pkgconfig"] });
    expect(rdepsOf(g, "b")).toStrictEqual(["a"]);
    expect(rdepsOf(g, "c")).toStrictEqual(["a"]);
    expect(rdepsOf(g, "a")).toStrictEqual(["d"]);
    expect(rdepsOf(g, "d")).toStrictEqual([]);
    for (const n of g.names) {
      for (const d of g.deps.get(n)!) expect(g.rdeps.get(d)?.has(n)).toBe(true);
      for (const r of g.rdeps.get(n)!) expect(g.deps.get(r)?.has(n)).toBe(true);
    }
  });

  it("does not fail a package whose dependencies require something unknown", () => {
    // The build root would lack it: that is reported when the root is made, not here.
    const g = graph(set());
    expect(allErrors(g)).toStrictEqual([]);
    expect(depsOf(g, "a")).toStrictEqual(["b", "c"]);
  });

  it("follows file requires", () => {
    const g = graph([
      pkg("app", { br: ["x"] }),
      pkg("x", { binaries: [{ name: "x", requires: ["/usr/share/greet/en.txt"] }] }),
      pkg("greet-data", { binaries: [{ name: "greet-data", files: ["%dir /usr/share/greet"] }] }),
    ]);
    expect(depsOf(g, "app")).toStrictEqual(["greet-data", "x"]);
  });

  it("lists every package in names, deps and rdeps", () => {
    const g = graph(set(), { broken: new Map([["e", { specFile: "packages/e/e.spec" }]]) });
    expect([...g.names].sort()).toStrictEqual(["a", "b", "c", "d", "e"]);
    expect([...g.deps.keys()].sort()).toStrictEqual(["a", "b", "c", "d", "e"]);
    expect([...g.rdeps.keys()].sort()).toStrictEqual(["a", "b", "c", "d", "e"]);
    expect([...g.packages.keys()].sort()).toStrictEqual(["a", "b", "c", "d"]);
  });
});

describe("resolveGraph: what the last build really provided", () => {
  it.each<[string, BuiltBinary[]]>([
    ["libfoo.so.1()(64bit)", [built("foo", { provides: ["foo = 1.0-1.kiln", "libfoo.so.1()(64bit)"] })]],
    ["pkgconfig(foo) >= 1", [built("foo-devel", { provides: ["pkgconfig(foo) = 1.0"] })]],
    [
      "/usr/lib64/libfoo.so.1",
      [built("foo", { files: ["/usr/lib64/libfoo.so.1", "/usr/lib64/libfoo.so.1.0"] })],
    ],
    ["/usr/share/foo/x", [built("foo", { files: ["/usr/share/foo", "/usr/share/foo/y"] })]],
  ])("%s", (br, binaries) => {
    const spec = [pkg("foo", { binaries: ["foo", "foo-devel"] }), pkg("app", { br: [br] })];
    expect(errorsOf(graph(spec), "app").map((e) => e.code)).toStrictEqual(["BUILDREQUIRES_UNKNOWN"]);
    const g = graph(spec, { built: new Map([["foo", binaries]]) });
    expect(allErrors(g)).toStrictEqual([]);
    expect(depsOf(g, "app")).toStrictEqual(["foo"]);
  });

  it("adds the requires the build really had", () => {
    const g = graph([pkg("foo"), pkg("bar"), pkg("app", { br: ["foo"] })], {
      built: new Map([
        ["foo", [built("foo", { requires: ["bar", "rpmlib(CompressedFileNames) <= 3.0.4-1"] })]],
      ]),
    });
    expect(allErrors(g)).toStrictEqual([]);
    expect(depsOf(g, "app")).toStrictEqual(["bar", "foo"]);
  });

  it("ignores a provide that does not parse", () => {
    const g = graph([pkg("foo"), pkg("app", { br: ["foo"] })], {
      built: new Map([["foo", [built("foo", { provides: ["foo = 1.0-1.kiln", "bad >="] })]]]),
    });
    expect(allErrors(g)).toStrictEqual([]);
    expect(depsOf(g, "app")).toStrictEqual(["foo"]);
  });
});

describe("resolveGraph: broken packages", () => {
  const broken = new Map([["brk", { specFile: "packages/brk/brk.spec" }]]);

  it.each(["brk", "brk >= 2", "(brk or nothing)"])("%s resolves to the broken package", (br) => {
    const g = graph([pkg("app", { br: [br] })], { broken });
    expect(allErrors(g)).toStrictEqual([]);
    expect(depsOf(g, "app")).toStrictEqual(["brk"]);
    expect(rdepsOf(g, "brk")).toStrictEqual(["app"]);
    expect(g.names).toContain("brk");
    expect(g.packages.has("brk")).toBe(false);
  });

  it("still reports an unknown name, saying a broken spec may provide it", () => {
    const g = graph([pkg("app", { br: ["brk-devel"] })], { broken });
    const [e] = errorsOf(g, "app");
    expect(e?.code).toBe("BUILDREQUIRES_UNKNOWN");
    expect(e?.hint).toMatch(/; some specs failed to load and one of them may provide it$/);
  });

  it("resolves to what a broken package's last build provided", () => {
    const g = graph([pkg("app", { br: ["libbrk.so.1()(64bit)"] })], {
      broken,
      built: new Map([["brk", [built("brk-libs", { provides: ["libbrk.so.1()(64bit)"] })]]]),
    });
    expect(allErrors(g)).toStrictEqual([]);
    expect(depsOf(g, "app")).toStrictEqual(["brk"]);
  });
});

/** Packages that build-require each other along `edges` (name → the names it needs). */
const cyclic = (edges: Record<string, string[]>): SourcePackage[] =>
  Object.entries(edges).map(([name, needs]) =>
    pkg(name, { binaries: [name, `${name}-devel`], br: needs.map((n) => `${n}-devel`) }),
  );

const cycleErrors = (g: PackageGraph): Record<string, string[]> =>
  Object.fromEntries(
    [...g.errors].map(([n, es]) => [n, es.filter((e) => e.code === "CYCLE").map((e) => e.message)]),
  );

const cycleMessage = (path: string): string => `build dependency cycle with no published member: ${path}`;

describe("resolveGraph: cycles", () => {
  it.each<[string, Record<string, string[]>, Record<string, string[]>, string[][]]>([
    [
      "a 2-cycle",
      { a: ["b"], b: ["a"] },
      { a: [cycleMessage("a → b → a")], b: [cycleMessage("a → b → a")] },
      [["a", "b"]],
    ],
    [
      "a 3-cycle",
      { a: ["b"], b: ["c"], c: ["a"] },
      {
        a: [cycleMessage("a → b → c → a")],
        b: [cycleMessage("a → b → c → a")],
        c: [cycleMessage("a → b → c → a")],
      },
      [["a", "b", "c"]],
    ],
    ["a self-loop", { a: ["a"] }, { a: [cycleMessage("a → a")] }, [["a"]]],
    [
      "a cycle with packages outside it",
      { top: ["a"], a: ["b"], b: ["a", "leaf"], leaf: [] },
      { a: [cycleMessage("a → b → a")], b: [cycleMessage("a → b → a")] },
      [["a", "b"]],
    ],
    [
      "two cycles",
      { a: ["b"], b: ["a"], x: ["x"] },
      { a: [cycleMessage("a → b → a")], b: [cycleMessage("a → b → a")], x: [cycleMessage("x → x")] },
      [["a", "b"], ["x"]],
    ],
    ["no cycle", { a: ["b"], b: ["c"], c: [] }, {}, []],
  ])("%s with no published member", (_what, edges, expected, cycles) => {
    const g = graph(cyclic(edges));
    expect(cycleErrors(g)).toStrictEqual(expected);
    expect(g.cycles.map((c) => [...c].sort()).sort()).toStrictEqual(cycles);
    for (const [n, es] of g.errors) {
      for (const e of es) expect(e.location).toStrictEqual({ file: `packages/${n}/${n}.spec` });
      expect(es[0]?.hint).toBe(
        "build one member of the cycle without the dependency first (a bootstrap build), or publish it",
      );
    }
  });

  it("names a path that follows the build dependencies", () => {
    const edges = { p: ["q"], q: ["r"], r: ["p", "q"] };
    const g = graph(cyclic(edges));
    const message = errorsOf(g, "p")[0]?.message ?? "";
    const path = message.replace(/^.*: /, "").split(" → ");
    expect(path.length).toBeGreaterThan(2);
    expect(path[0]).toBe(path[path.length - 1]);
    for (let i = 0; i + 1 < path.length; i++) {
      expect(edges[path[i] as keyof typeof edges]).toContain(path[i + 1]);
    }
    // Every member gets the same message.
    expect(errorsOf(g, "q").map((e) => e.message)).toStrictEqual([message]);
    expect(errorsOf(g, "r").map((e) => e.message)).toStrictEqual([message]);
  });

  it.each<[string, Record<string, string[]>, string[], Record<string, string[]>]>([
    ["a 2-cycle", { a: ["b"], b: ["a"] }, ["b"], { a: [], b: ["a"] }],
    ["a 2-cycle, the other member", { a: ["b"], b: ["a"] }, ["a"], { a: ["b"], b: [] }],
    // Only the edges it takes to break the cycle are dropped, in name order: a builds against the
    // published b, then b against the new a.
    ["a 2-cycle, both members", { a: ["b"], b: ["a"] }, ["a", "b"], { a: [], b: ["a"] }],
    [
      "a 3-cycle, every member",
      { a: ["b"], b: ["c"], c: ["a"] },
      ["a", "b", "c"],
      { a: [], b: ["c"], c: ["a"] },
    ],
    ["a 3-cycle, two members", { a: ["b"], b: ["c"], c: ["a"] }, ["b", "c"], { a: [], b: ["c"], c: ["a"] }],
    ["a 3-cycle", { a: ["b"], b: ["c"], c: ["a"] }, ["c"], { a: ["b"], b: [], c: ["a"] }],
    ["a self-loop", { a: ["a"] }, ["a"], { a: [] }],
    [
      "a cycle with packages outside it, one of them published",
      { top: ["a"], a: ["b"], b: ["a", "leaf"], leaf: [] },
      ["a", "leaf"],
      { top: ["a"], a: ["b"], b: ["leaf"], leaf: [] },
    ],
  ])("%s with a published member builds against it", (_what, edges, published, order) => {
    const g = graph(cyclic(edges), { published: new Set(published) });
    expect(allErrors(g)).toStrictEqual([]);
    expect(Object.fromEntries(g.names.map((n) => [n, orderOf(g, n)]))).toStrictEqual(order);
    // deps keeps every edge, and the cycle is still reported as one.
    expect(Object.fromEntries(g.names.map((n) => [n, depsOf(g, n)]))).toStrictEqual(
      Object.fromEntries(Object.entries(edges).map(([n, ds]) => [n, [...ds].sort()])),
    );
    expect(g.cycles).toHaveLength(1);
  });

  it("reports what remains of a cycle a published member only partly breaks", () => {
    // a ⇄ b ⇄ c: with a published, b → a is dropped, but b ⇄ c remains.
    const g = graph(cyclic({ a: ["b"], b: ["a", "c"], c: ["b"] }), { published: new Set(["a"]) });
    const errors = cycleErrors(g);
    expect(Object.keys(errors).sort()).toStrictEqual(["b", "c"]);
    expect(errors.b).toHaveLength(1);
    expect(errors.b).toStrictEqual(errors.c);
    expect(errors.b).toStrictEqual([cycleMessage("b → c → b")]);
    expect(orderOf(g, "b")).toStrictEqual(["c"]);
    expect(orderOf(g, "a")).toStrictEqual(["b"]);
    expect(g.cycles.map((c) => [...c].sort())).toStrictEqual([["a", "b", "c"]]);
  });

  it("does not let a publication outside the cycle break it", () => {
    const g = graph(cyclic({ a: ["b", "x"], b: ["a"], x: [] }), { published: new Set(["x"]) });
    expect(Object.keys(cycleErrors(g)).sort()).toStrictEqual(["a", "b"]);
    expect(orderOf(g, "a")).toStrictEqual(["b", "x"]);
  });

  it("leaves the order of packages outside cycles equal to deps", () => {
    const g = graph(cyclic({ top: ["a", "leaf"], a: ["b"], b: ["a"], leaf: [] }), {
      published: new Set(["a"]),
    });
    expect(orderOf(g, "top")).toStrictEqual(["a", "leaf"]);
    expect(orderOf(g, "leaf")).toStrictEqual([]);
  });

  it("finds a cycle made by a transitive Requires", () => {
    // a needs b-devel, whose Requires pull in a's own library.
    const g = graph([
      pkg("a", { binaries: ["a", "a-libs"], br: ["b-devel"] }),
      pkg("b", { binaries: ["b", { name: "b-devel", requires: ["a-libs"] }] }),
    ]);
    expect(depsOf(g, "a")).toStrictEqual(["a", "b"]);
    expect(cycleErrors(g)).toStrictEqual({ a: [cycleMessage("a → a")] });
  });

  it("makes a package that build-requires its own binary a self-loop", () => {
    const g = graph([pkg("a", { binaries: ["a"], br: ["a >= 1"] })], {
      broken: new Map([["z", { specFile: "packages/z/z.spec" }]]),
    });
    expect(depsOf(g, "a")).toStrictEqual(["a"]);
    expect(cycleErrors(g)).toStrictEqual({ a: [cycleMessage("a → a")] });
    expect(errorsOf(g, "a")[0]?.location).toStrictEqual({ file: "packages/a/a.spec" });
    expect(errorsOf(g, "z")).toStrictEqual([]);
  });
});
