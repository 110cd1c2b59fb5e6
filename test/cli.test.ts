// `kiln graph` and `kiln plan` on the example set, in every format.
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { copyExamples, kiln } from "./kit/index.js";

describe("kiln graph and kiln plan on the example set", () => {
  let set: string;
  beforeAll(() => {
    set = copyExamples();
  });

  it("graph --format text: each package with what it needs and what needs it", async () => {
    const r = await kiln(["graph", "--set", set]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(
      "libupper 1.0-1.kiln1\n  needs: greet-data, libgreet\n  from the host: gcc, make, pkgconf\n  needed by: hello\n",
    );
    // Before any build only the specs speak: what libupper, libframe and libstats need at run time
    // (libgreet.so.1, libcount.so.1) are automatic Requires that exist once they are built.
    expect(r.stdout).toContain("hello 1.0-1.kiln1\n  needs: libframe, libstats, libupper\n");
    expect(r.stdout).not.toContain("cycles");
  });

  it("graph --format json: packages with their BuildRequires resolved", async () => {
    const r = await kiln(["graph", "--set", set, "--format", "json"]);
    expect(r.code).toBe(0);
    const g = JSON.parse(r.stdout) as {
      packages: {
        name: string;
        binaries: string[];
        buildRequires: { text: string; line: number; providers: string[]; host: boolean }[];
      }[];
      cycles: string[][];
      errors: unknown[];
    };
    expect(g.packages.map((p) => p.name).sort()).toEqual([
      "greet-data",
      "hello",
      "libcount",
      "libframe",
      "libgreet",
      "libstats",
      "libupper",
    ]);
    const hello = g.packages.find((p) => p.name === "hello")!;
    expect(hello.binaries).toEqual(["hello"]);
    expect(hello.buildRequires).toContainEqual({
      text: "pkgconfig(frame)",
      line: expect.any(Number),
      providers: ["libframe"],
      host: false,
    });
    expect(hello.buildRequires).toContainEqual({
      text: "libstats-devel >= 1.0",
      line: expect.any(Number),
      providers: ["libstats"],
      host: false,
    });
    expect(hello.buildRequires).toContainEqual({
      text: "gcc",
      line: expect.any(Number),
      providers: [],
      host: true,
    });
    expect(g.cycles).toEqual([]);
    expect(g.errors).toEqual([]);
  });

  it("graph --format dot: a Graphviz digraph with edges downstream", async () => {
    const r = await kiln(["graph", "--set", set, "--format", "dot"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^digraph kiln \{/);
    expect(r.stdout).toContain('"libgreet" -> "libupper";');
    expect(r.stdout).toContain('"libstats" -> "hello";');
    expect(r.stdout.trim().endsWith("}")).toBe(true);
  });

  it("plan: the downstream of a change, in waves", async () => {
    const r = await kiln(["plan", "--set", set, "libgreet"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "a change to libgreet rebuilds at most 4 package(s) in 3 wave(s) (no build times known yet)",
    );
    expect(r.stdout).toContain("  wave 1: libgreet\n  wave 2: libframe, libupper\n  wave 3: hello\n");
    const j = await kiln(["plan", "--set", set, "--format", "json", "libcount", "greet-data"]);
    expect(JSON.parse(j.stdout)).toMatchObject({
      changed: ["libcount", "greet-data"],
      packages: ["greet-data", "libcount", "libframe", "libstats", "libupper", "hello"],
      waves: [["greet-data", "libcount"], ["libframe", "libstats", "libupper"], ["hello"]],
    });
    // A manual rebuild of libgreet alone, and with everything below it.
    const alone = await kiln(["plan", "--set", set, "--format", "json", "--downstream", "none", "libgreet"]);
    expect(JSON.parse(alone.stdout)).toMatchObject({ packages: ["libgreet"], waves: [["libgreet"]] });
  });

  it("plan: each package's rebuild mode limits the wave; a bad package kiln.yaml is named with its line", async () => {
    writeFileSync(join(set, "packages", "libgreet", "kiln.yaml"), "rebuild: direct\n");
    writeFileSync(join(set, "packages", "libcount", "kiln.yaml"), "rebuild: none\n");
    try {
      const j = await kiln(["plan", "--set", set, "--format", "json", "libgreet", "libcount"]);
      expect(JSON.parse(j.stdout)).toMatchObject({
        packages: ["libcount", "libgreet", "libframe", "libupper"],
        waves: [
          ["libcount", "libgreet"],
          ["libframe", "libupper"],
        ],
      });
      // --downstream all ignores the modes (kiln rebuild --downstream).
      const all = await kiln(["plan", "--set", set, "--format", "json", "--downstream", "all", "libcount"]);
      expect(JSON.parse(all.stdout)).toMatchObject({ packages: ["libcount", "libstats", "hello"] });
    } finally {
      rmSync(join(set, "packages", "libgreet", "kiln.yaml"));
      rmSync(join(set, "packages", "libcount", "kiln.yaml"));
    }
    const bad = join(set, "packages", "libstats", "kiln.yaml");
    writeFileSync(bad, "rebuild: later\n");
    try {
      const r = await kiln(["graph", "--set", set]);
      expect(r.stderr).toMatch(/packages\/libstats\/kiln\.yaml:1:10: rebuild: Invalid option/);
    } finally {
      rmSync(bad);
    }
  });

  it("usage errors exit 2 with commander's message", async () => {
    const r = await kiln(["graph", "--set", set, "--format", "svg"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("argument 'svg' is invalid");
    const j = await kiln(["build", "--set", set, "--jobs", "0"]);
    expect(j.code).toBe(2);
    expect(j.stderr).toContain("expected a whole number of at least 1");
  });
});
