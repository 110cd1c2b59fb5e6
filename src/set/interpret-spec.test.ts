import { describe, expect, it } from "vitest";
import { parseDepExpr } from "../core/deps.js";
import type { SourcePackage } from "../core/package.js";
import type { RawSpec } from "../rpm/spec-reader.js";
import { UserError } from "../util/errors.js";
import {
  deserializeInterpreted,
  interpretSpec,
  missingSources,
  sourceNameProblem,
  parseErrors,
  serializeInterpreted,
  type Interpreted,
  type SpecContext,
} from "./interpret-spec.js";

const SPEC_FILE = "packages/libgreet/libgreet.spec";

const TEXT = [
  "Name:           libgreet", // 1
  "Version:        1.2", // 2
  "Release:        3%{?dist}", // 3
  "Summary:        Greets", // 4
  "License:        MIT", // 5
  "Source0:        https://example.org/libgreet-%{version}.tar.gz", // 6
  "Source1:        greet.conf", // 7
  "Patch0:         fix.patch", // 8
  "BuildRequires:  gcc", // 9
  "BuildRequires:  pkgconfig(zlib) >= 1.2", // 10
  "BuildRequires:  (foo or bar)", // 11
  "BuildRequires:  %{undefined_macro}-devel", // 12
  "", // 13
  "%description", // 14
  "Greets.", // 15
].join("\n");

const ctx = (over: Partial<SpecContext> = {}): SpecContext => ({
  specFile: SPEC_FILE,
  dirName: "libgreet",
  text: TEXT,
  sha256: "ab".repeat(32),
  ...over,
});

/** What librpm reads from TEXT (with dist .kiln). */
const raw = (over: Partial<RawSpec> = {}): RawSpec => ({
  file: SPEC_FILE,
  ok: true,
  messages: "",
  name: "libgreet",
  epoch: null,
  version: "1.2",
  release: "3.kiln",
  buildRequires: ["gcc", "pkgconfig(zlib) >= 1.2", "(foo or bar)"],
  sources: [
    { name: "fix.patch", number: 0, kind: "patch" },
    { name: "greet.conf", number: 1, kind: "source" },
    { name: "https://example.org/libgreet-1.2.tar.gz", number: 0, kind: "source" },
  ],
  packages: [
    {
      name: "libgreet",
      arch: "x86_64",
      requires: ["greet-data"],
      provides: ["libgreet = 1.2-3.kiln", "libgreet(x86-64) = 1.2-3.kiln"],
      files: "%defattr(-,root,root,-)\n%license COPYING\n/usr/lib64/libgreet.so.*\n",
    },
    {
      name: "libgreet-devel",
      arch: "x86_64",
      requires: ["libgreet = 1.2-3.kiln", "pkgconfig"],
      provides: ["libgreet-devel = 1.2-3.kiln", "libgreet-devel(x86-64) = 1.2-3.kiln"],
      files: "/usr/include/greet.h\n/usr/lib64/pkgconfig/greet.pc\n%exclude /usr/lib64/libgreet.la\n",
    },
  ],
  ...over,
});

function ok(r: Interpreted): SourcePackage {
  if (!r.ok) throw new Error(`expected a package, got: ${r.errors.map((e) => e.format()).join("; ")}`);
  return r.pkg;
}

function failed(r: Interpreted): UserError[] {
  if (r.ok) throw new Error("expected errors, got a package");
  return r.errors;
}

const summary = (errors: UserError[]): [string, string, number | undefined][] =>
  errors.map((e) => [e.code, e.message, e.location?.line]);

describe("interpretSpec", () => {
  it("turns what rpm read into a SourcePackage", () => {
    const pkg = ok(interpretSpec(raw(), ctx()));
    expect(pkg).toStrictEqual({
      name: "libgreet",
      specFile: SPEC_FILE,
      specSha256: "ab".repeat(32),
      evr: { version: "1.2", release: "3.kiln" },
      buildRequires: [
        { text: "gcc", expr: parseDepExpr("gcc"), line: 9 },
        { text: "pkgconfig(zlib) >= 1.2", expr: parseDepExpr("pkgconfig(zlib) >= 1.2"), line: 10 },
        { text: "(foo or bar)", expr: parseDepExpr("(foo or bar)"), line: 11 },
      ],
      sources: [
        { name: "fix.patch", kind: "patch", number: 0, line: 8 },
        { name: "greet.conf", kind: "source", number: 1, line: 7 },
        { name: "libgreet-1.2.tar.gz", kind: "source", number: 0, line: 6 },
      ],
      binaries: [
        {
          name: "libgreet",
          arch: "x86_64",
          provides: [
            { name: "libgreet", op: "=", evr: { version: "1.2", release: "3.kiln" } },
            { name: "libgreet(x86-64)", op: "=", evr: { version: "1.2", release: "3.kiln" } },
          ],
          requires: ["greet-data"],
          files: ["/usr/lib64/libgreet.so.*"],
        },
        {
          name: "libgreet-devel",
          arch: "x86_64",
          provides: [
            { name: "libgreet-devel", op: "=", evr: { version: "1.2", release: "3.kiln" } },
            { name: "libgreet-devel(x86-64)", op: "=", evr: { version: "1.2", release: "3.kiln" } },
            { name: "pkgconfig(greet)", op: "=", evr: { version: "1.2" } },
          ],
          requires: ["libgreet = 1.2-3.kiln", "pkgconfig"],
          files: ["/usr/include/greet.h", "/usr/lib64/pkgconfig/greet.pc"],
        },
      ],
    });
  });

  it.each<[string, number | null | undefined, SourcePackage["evr"]]>([
    ["no epoch (null)", null, { version: "1.2", release: "3.kiln" }],
    ["no epoch (absent)", undefined, { version: "1.2", release: "3.kiln" }],
    ["epoch 0", 0, { version: "1.2", release: "3.kiln", epoch: 0 }],
    ["epoch 2", 2, { version: "1.2", release: "3.kiln", epoch: 2 }],
  ])("%s", (_what, epoch, evr) => {
    const r = raw();
    if (epoch === undefined) delete r.epoch;
    else r.epoch = epoch;
    expect(ok(interpretSpec(r, ctx())).evr).toStrictEqual(evr);
  });

  it("drops rpmlib() BuildRequires", () => {
    const pkg = ok(
      interpretSpec(raw({ buildRequires: ["rpmlib(CompressedFileNames) <= 3.0.4-1", "gcc"] }), ctx()),
    );
    expect(pkg.buildRequires.map((b) => b.text)).toStrictEqual(["gcc"]);
  });

  it("takes a spec with no BuildRequires, sources or packages", () => {
    const r = raw();
    delete r.buildRequires;
    delete r.sources;
    delete r.packages;
    const pkg = ok(interpretSpec(r, ctx()));
    expect([pkg.buildRequires, pkg.sources, pkg.binaries]).toStrictEqual([[], [], []]);
  });

  it.each<[string, Partial<RawSpec>, [string, string, number | undefined][]]>([
    [
      "an unexpanded macro in Name",
      { name: "%{pkgname}" },
      [["SPEC_PARSE", 'Name "%{pkgname}" contains an unexpanded macro', 1]],
    ],
    [
      "an unexpanded macro in Version",
      { version: "%{upstream_version}" },
      [["SPEC_PARSE", 'Version "%{upstream_version}" contains an unexpanded macro', undefined]],
    ],
    [
      "an unexpanded macro in Release",
      { release: "3%{distx}" },
      [["SPEC_PARSE", 'Release "3%{distx}" contains an unexpanded macro', undefined]],
    ],
    [
      "an unexpanded macro in a BuildRequires, on its line",
      { buildRequires: ["gcc", "%{undefined_macro}-devel"] },
      [["SPEC_PARSE", 'BuildRequires "%{undefined_macro}-devel" contains an unexpanded macro', 12]],
    ],
    [
      "an unexpanded macro in a Provides",
      {
        packages: [
          { name: "libgreet", arch: "x86_64", requires: [], provides: ["greet-api = %{api}"], files: "" },
        ],
      },
      [["SPEC_PARSE", 'Provides of libgreet "greet-api = %{api}" contains an unexpanded macro', undefined]],
    ],
    [
      "a BuildRequires that does not parse",
      { buildRequires: ["pkgconfig(zlib) >=1.2"] },
      [
        [
          "SPEC_PARSE",
          'BuildRequires pkgconfig(zlib) >=1.2: put whitespace around the comparison operator at column 19 of "pkgconfig(zlib) >=1.2"',
          10,
        ],
      ],
    ],
    [
      "a Provides that does not parse",
      { packages: [{ name: "libgreet", arch: "x86_64", requires: [], provides: ["a b"], files: "" }] },
      [["SPEC_PARSE", `Provides a b of libgreet: unexpected 'b' at column 3 of "a b"`, undefined]],
    ],
    [
      "a Name that is not the directory's",
      { name: "libgreeter" },
      [["SPEC_NAME_MISMATCH", 'the spec\'s Name is "libgreeter" but it is in packages/libgreet/', 1]],
    ],
    [
      "several problems at once",
      { name: "other", version: "%{v}", buildRequires: ["%{undefined_macro}-devel"] },
      [
        ["SPEC_PARSE", 'Version "%{v}" contains an unexpanded macro', undefined],
        ["SPEC_NAME_MISMATCH", 'the spec\'s Name is "other" but it is in packages/libgreet/', 1],
        ["SPEC_PARSE", 'BuildRequires "%{undefined_macro}-devel" contains an unexpanded macro', 12],
      ],
    ],
  ])("%s is an error", (_what, over, expected) => {
    const errors = failed(interpretSpec(raw(over), ctx()));
    expect(summary(errors)).toStrictEqual(expected);
    for (const e of errors) expect(e.location?.file).toBe(SPEC_FILE);
  });

  it("says how to fix a Name mismatch", () => {
    const [e] = failed(interpretSpec(raw({ name: "libgreeter" }), ctx()));
    expect(e?.location).toStrictEqual({ file: SPEC_FILE, line: 1 });
    expect(e?.hint).toBe(
      "keep each spec at packages/<Name>/<Name>.spec: move it to packages/libgreeter/libgreeter.spec or change Name",
    );
  });

  it("does not also report a mismatch for a Name with a macro", () => {
    const errors = failed(interpretSpec(raw({ name: "%{pkgname}" }), ctx()));
    expect(errors.map((e) => e.code)).toStrictEqual(["SPEC_PARSE"]);
  });

  it("gives no line when the spec text does not show the tag", () => {
    const errors = failed(interpretSpec(raw({ name: "other" }), ctx({ text: "%include header.inc\n" })));
    expect(errors[0]?.location).toStrictEqual({ file: SPEC_FILE });
  });

  it("turns a spec rpm could not parse into rpm's own errors", () => {
    const errors = failed(
      interpretSpec(
        { file: SPEC_FILE, ok: false, messages: "error: line 6: Unknown tag: Bogus: x\n" },
        ctx(),
      ),
    );
    expect(summary(errors)).toStrictEqual([
      ["SPEC_PARSE", "rpm cannot parse the spec: Unknown tag: Bogus: x", 6],
    ]);
  });
});

describe("parseErrors", () => {
  it.each<[string, string, [string, number | undefined][]]>([
    [
      "an error with a line",
      "error: line 6: Unknown tag: Bogus: x",
      [["rpm cannot parse the spec: Unknown tag: Bogus: x", 6]],
    ],
    [
      "an error without a line",
      "error: Bad source: /x/y.tar.gz: No such file or directory",
      [["rpm cannot parse the spec: Bad source: /x/y.tar.gz: No such file or directory", undefined]],
    ],
    [
      "several errors, warnings and rpm's summary line",
      [
        "warning: line 3: Possible unexpanded macro in: Release: 1%{distx}",
        "error: line 12: Unknown tag: Bogus: x",
        "  error: line 14: second problem  ",
        "error: query of specfile packages/a/a.spec failed, can't parse",
      ].join("\n"),
      [
        ["rpm cannot parse the spec: Unknown tag: Bogus: x", 12],
        ["rpm cannot parse the spec: second problem", 14],
      ],
    ],
    [
      "only warnings",
      "warning: something odd",
      [["rpm cannot parse the spec: warning: something odd", undefined]],
    ],
    ["nothing at all", "", [["rpm cannot parse the spec", undefined]]],
    ["only whitespace", "  \n ", [["rpm cannot parse the spec", undefined]]],
    [
      "only rpm's summary line",
      "error: query of specfile x.spec failed, can't parse",
      [["rpm cannot parse the spec: error: query of specfile x.spec failed, can't parse", undefined]],
    ],
  ])("%s", (_what, messages, expected) => {
    const errors = parseErrors(messages, SPEC_FILE);
    expect(errors.map((e) => [e.message, e.location?.line])).toStrictEqual(expected);
    for (const e of errors) {
      expect(e).toBeInstanceOf(UserError);
      expect(e.code).toBe("SPEC_PARSE");
      expect(e.location?.file).toBe(SPEC_FILE);
    }
  });

  it("gives rpm's errors their location and hint", () => {
    const [e] = parseErrors("error: line 6: Unknown tag: Bogus: x", SPEC_FILE);
    expect(e?.location).toStrictEqual({ file: SPEC_FILE, line: 6 });
    expect(e?.hint).toBe("fix the spec (this is rpm's own message)");
    expect(e?.format()).toBe(
      `${SPEC_FILE}:6: rpm cannot parse the spec: Unknown tag: Bogus: x\n  fix the spec (this is rpm's own message)`,
    );
  });
});

describe("missingSources", () => {
  const pkg = ok(interpretSpec(raw(), ctx()));

  it.each<[string, string[], [string, number | undefined][]]>([
    ["all present", ["fix.patch", "greet.conf", "libgreet-1.2.tar.gz"], []],
    [
      "a missing Source",
      ["fix.patch", "greet.conf"],
      [['Source0 "libgreet-1.2.tar.gz" is not in packages/libgreet/', 6]],
    ],
    [
      "a missing Patch",
      ["greet.conf", "libgreet-1.2.tar.gz"],
      [['Patch0 "fix.patch" is not in packages/libgreet/', 8]],
    ],
    [
      "all missing",
      [],
      [
        ['Patch0 "fix.patch" is not in packages/libgreet/', 8],
        ['Source1 "greet.conf" is not in packages/libgreet/', 7],
        ['Source0 "libgreet-1.2.tar.gz" is not in packages/libgreet/', 6],
      ],
    ],
  ])("%s", (_what, present, expected) => {
    const errors = missingSources(pkg, "libgreet", (name) => present.includes(name));
    expect(errors.map((e) => [e.message, e.location?.line])).toStrictEqual(expected);
    for (const e of errors) {
      expect(e.code).toBe("SOURCE_MISSING");
      expect(e.location?.file).toBe(SPEC_FILE);
      expect(e.hint).toBe("add the file next to the spec (Kiln does not download sources)");
    }
  });

  it("asks by the file's base name", () => {
    const asked: string[] = [];
    missingSources(pkg, "libgreet", (name) => {
      asked.push(name);
      return true;
    });
    expect(asked.sort()).toStrictEqual(["fix.patch", "greet.conf", "libgreet-1.2.tar.gz"]);
  });

  it("finds the lines of unnumbered Source and Patch tags", () => {
    const text = "Name: q\nSource: q.tar.gz\nSource: r.tar.gz\nPatch: p.patch\n";
    const r = raw({
      name: "q",
      buildRequires: [],
      packages: [],
      sources: [
        { name: "p.patch", number: 0, kind: "patch" },
        { name: "r.tar.gz", number: 1, kind: "source" },
        { name: "q.tar.gz", number: 0, kind: "source" },
      ],
    });
    const q = ok(interpretSpec(r, ctx({ dirName: "q", specFile: "packages/q/q.spec", text })));
    expect(missingSources(q, "q", () => false).map((e) => [e.message, e.location])).toStrictEqual([
      ['Patch0 "p.patch" is not in packages/q/', { file: "packages/q/q.spec", line: 4 }],
      ['Source1 "r.tar.gz" is not in packages/q/', { file: "packages/q/q.spec", line: 3 }],
      ['Source0 "q.tar.gz" is not in packages/q/', { file: "packages/q/q.spec", line: 2 }],
    ]);
  });
});

describe("serializeInterpreted / deserializeInterpreted", () => {
  it("round-trips a package", () => {
    const r = interpretSpec(raw({ epoch: 1 }), ctx());
    const back = deserializeInterpreted(serializeInterpreted(r));
    expect(back).toStrictEqual(r);
  });

  it("round-trips errors as UserErrors, with every field", () => {
    const r: Interpreted = {
      ok: false,
      errors: [
        new UserError("SPEC_PARSE", "with everything", { file: SPEC_FILE, line: 6, column: 3 }, "a hint"),
        new UserError("SOURCE_MISSING", "without a line", { file: SPEC_FILE }),
        new UserError("SPEC_NAME_MISMATCH", "without a location"),
      ],
    };
    const back = deserializeInterpreted(serializeInterpreted(r));
    const errors = failed(back);
    expect(errors).toHaveLength(3);
    for (const [i, e] of errors.entries()) {
      const orig = (r as { errors: UserError[] }).errors[i]!;
      expect(e).toBeInstanceOf(UserError);
      expect(e.name).toBe("UserError");
      expect(e.code).toBe(orig.code);
      expect(e.message).toBe(orig.message);
      expect(e.location).toStrictEqual(orig.location);
      expect(e.hint).toBe(orig.hint);
      expect(e.format()).toBe(orig.format());
    }
  });

  it("round-trips what interpretSpec reports", () => {
    const r = interpretSpec(raw({ name: "other", version: "%{v}" }), ctx());
    const errors = failed(deserializeInterpreted(serializeInterpreted(r)));
    expect(errors.map((e) => e.format())).toStrictEqual(failed(r).map((e) => e.format()));
  });
});

describe("sourceNameProblem", () => {
  it.each([
    ["hello-1.0.tar.gz", undefined],
    ["https://example.org/dl/hello-1.0.tar.gz", undefined],
    ["https://example.org/../hello-1.0.tar.gz", undefined],
    ["sub/hello.patch", undefined],
    ["../../x", "leaves the package's directory (..)"],
    ["a/../../x", "leaves the package's directory (..)"],
    ["/etc/shadow", "is an absolute path: sources are taken from the package's directory"],
    [".", "does not name a file"],
    ["x/..", "does not name a file"],
    ["https://example.org/", "does not name a file"],
  ])("%s: %s", (name, problem) => {
    expect(sourceNameProblem(name, name.replace(/^.*\//, ""))).toBe(problem);
  });
});

describe("interpretSpec and the reader's refusals", () => {
  it("refuses a Source that leaves its directory, at its line", () => {
    const errors = failed(
      interpretSpec(raw({ sources: [{ name: "../../x", number: 1, kind: "source" }] }), ctx()),
    );
    expect(errors.map((e) => [e.code, e.message])).toEqual([
      ["SOURCE_INVALID", `Source1 "../../x" leaves the package's directory (..)`],
    ]);
  });

  it.each(["SPEC_TIMEOUT", "SPEC_TOO_LARGE", "SPEC_READER_STOPPED"] as const)(
    "a spec the reader was stopped on is one %s error at its file",
    (code) => {
      const errors = failed(
        interpretSpec(
          { file: SPEC_FILE, ok: false, messages: "", failure: { code, message: "stopped" } },
          ctx(),
        ),
      );
      expect(errors.map((e) => [e.code, e.message, e.location])).toEqual([
        [code, "stopped", { file: SPEC_FILE }],
      ]);
    },
  );
});

describe("parseErrors with the spec's path in rpm's message", () => {
  it("takes the line from 'error: FILE: line N: …'", () => {
    const [e] = parseErrors(
      "error: packages/r/r.spec: line 8: Too many levels of recursion in macro expansion.\n",
      "packages/r/r.spec",
    );
    expect([e!.message, e!.location]).toEqual([
      "rpm cannot parse the spec: Too many levels of recursion in macro expansion.",
      { file: "packages/r/r.spec", line: 8 },
    ]);
  });
});
