// What goes wrong, and what the user is told: a failed build blocks what depends on it and nothing
// else; every input error names the file, the line and what to do; a bad spec never stops the others.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { kiln, KILN_YAML, makeSet, noarchSpec, ROOT } from "./kit/index.js";

describe("a failed build", () => {
  it("prints where its log is, blocks its dependents, and lets independent packages build", async () => {
    const set = makeSet({
      "kiln.yaml": KILN_YAML,
      "packages/base/base.spec": noarchSpec("base"),
      "packages/breaks/breaks.spec": noarchSpec("breaks", { buildRequires: ["base"] }).replace(
        "%install\n",
        '%build\necho "compiling breaks"\necho "error: breaks on purpose" >&2\nexit 3\n\n%install\n',
      ),
      "packages/needs-breaks/needs-breaks.spec": noarchSpec("needs-breaks", { buildRequires: ["breaks"] }),
      "packages/top/top.spec": noarchSpec("top", { buildRequires: ["needs-breaks", "base"] }),
      "packages/independent/independent.spec": noarchSpec("independent"),
    });
    const r = await kiln(["build", "--set", set, "--jobs", "2"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("built 2, up to date 0, cut off 0, failed 1, blocked 2");
    expect(r.stdout).toContain("failed: breaks");
    expect(r.stdout).toContain("blocked: needs-breaks, top");
    expect(r.stderr).toMatch(
      /FAILED breaks \(build \d+\): rpmbuild failed \(exit status 1\)\n {2}log: \S+build\.log/,
    );
    expect(r.stderr).toContain("blocked top: needs breaks, which cannot build");
    const log = readFileSync(resolve(ROOT, /log: (\S+)/.exec(r.stderr)![1]!), "utf8");
    expect(log).toContain("error: breaks on purpose");
    expect(log).toContain("kiln: build failed");

    // Fixing it builds it and then what it blocked; the others are up to date.
    const fixed = noarchSpec("breaks", { buildRequires: ["base"] });
    writeFileSync(join(set, "packages", "breaks", "breaks.spec"), fixed);
    const r2 = await kiln(["build", "--set", set]);
    expect(r2.stdout).toContain("built 3, up to date 2, cut off 0, failed 0, blocked 0");
    expect(r2.code).toBe(0);
  });
});

describe("bad input", () => {
  const good = { "kiln.yaml": KILN_YAML, "packages/fine/fine.spec": noarchSpec("fine") };

  it.each<{ what: string; files: Record<string, string>; error: RegExp }>([
    {
      what: "a spec rpm cannot parse (rpm's own message and line)",
      files: {
        "packages/bogus/bogus.spec": noarchSpec("bogus").replace("License: MIT", "License: MIT\nBogusTag: x"),
      },
      error: /packages\/bogus\/bogus\.spec:6: rpm cannot parse the spec: Unknown tag: BogusTag: x/,
    },
    {
      what: "a missing Source file",
      files: {
        "packages/nosrc/nosrc.spec": noarchSpec("nosrc").replace(
          "License: MIT",
          "License: MIT\nSource0: nosrc-1.0.tar.gz",
        ),
      },
      error:
        /packages\/nosrc\/nosrc\.spec:6: Source0 "nosrc-1\.0\.tar\.gz" is not in packages\/nosrc\/\n\s+add the file next to the spec/,
    },
    {
      what: "an unknown BuildRequires",
      files: {
        "packages/unk/unk.spec": noarchSpec("unk", { buildRequires: ["fine", "libnothing-devel >= 2"] }),
      },
      error:
        /packages\/unk\/unk\.spec:8: BuildRequires libnothing-devel >= 2: no package in the set provides it and it is not host-provided\n\s+add a package that provides it, or list it under host\.provides in kiln\.yaml/,
    },
    {
      what: "a BuildRequires whose version the set does not have",
      files: { "packages/ver/ver.spec": noarchSpec("ver", { buildRequires: ["fine >= 2.0"] }) },
      error:
        /packages\/ver\/ver\.spec:7: BuildRequires fine >= 2\.0: the set only has fine = 1\.0-1\.kiln \(from fine\)/,
    },
    {
      what: "a cycle with no published member",
      files: {
        "packages/a/a.spec": noarchSpec("a", { buildRequires: ["b"] }),
        "packages/b/b.spec": noarchSpec("b", { buildRequires: ["a"] }),
      },
      error: /packages\/a\/a\.spec: build dependency cycle with no published member: a → b → a/,
    },
    {
      what: "a binary package built by two specs",
      files: {
        "packages/one/one.spec":
          noarchSpec("one") +
          "\n%package -n shared\nSummary: s\n%description -n shared\ns\n%files -n shared\n",
        "packages/two/two.spec":
          noarchSpec("two") +
          "\n%package -n shared\nSummary: s\n%description -n shared\ns\n%files -n shared\n",
      },
      error: /packages\/one\/one\.spec: binary package "shared" is also built by packages\/two\/two\.spec/,
    },
    {
      what: "a spec whose Name does not match its directory",
      files: { "packages/dir/dir.spec": noarchSpec("other") },
      error: /packages\/dir\/dir\.spec:1: the spec's Name is "other" but it is in packages\/dir\//,
    },
    {
      what: "a package directory without its spec",
      files: { "packages/empty/README": "no spec here" },
      error: /packages\/empty: packages\/empty\/ has no empty\.spec/,
    },
  ])("$what: named with file and line, the rest still loads", async ({ files, error }) => {
    const set = makeSet({ ...good, ...files });
    const r = await kiln(["graph", "--set", set]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(error);
    expect(r.stdout).toMatch(/^fine 1\.0-1\.kiln$/m);
  });

  it("builds the good packages and blocks what needs a bad spec", async () => {
    const set = makeSet({
      ...good,
      "packages/bogus/bogus.spec": noarchSpec("bogus").replace("License: MIT", "License: MIT\nBogusTag: x"),
      "packages/needs-bogus/needs-bogus.spec": noarchSpec("needs-bogus", {
        buildRequires: ["bogus", "fine"],
      }),
    });
    const r = await kiln(["build", "--set", set]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("built 1, up to date 0, cut off 0, failed 0, blocked 1");
    expect(r.stdout).toContain("invalid (see the errors above): bogus");
    expect(r.stderr).toContain("blocked needs-bogus: needs bogus, which cannot build");
    expect(r.stderr).toMatch(/invalid bogus: \S+bogus\.spec:6: rpm cannot parse the spec: Unknown tag/);
  });

  it.each([
    { yaml: "name: t\nhost:\n  provide: [gcc]\n", error: /kiln\.yaml:3:3: unknown key "provide" in host/ },
    {
      yaml: "name: t\nrepositories: testing\n",
      error: /kiln\.yaml:2:15: repositories: Invalid input: expected array, received string/,
    },
    { yaml: "name: t\ndist: kiln\n", error: /kiln\.yaml:2:7: dist: a dist tag starts with "\." / },
    {
      yaml: "name: t\n  bad: indent\n",
      error: /kiln\.yaml:1:7: invalid YAML: Nested mappings are not allowed in compact mappings\n/,
    },
    {
      yaml: "host:\n  provides: [gcc]\n",
      error: /kiln\.yaml:1:1: name: Invalid input: expected string, received undefined/,
    },
  ])(
    "kiln.yaml error $error: names the line and column, exits 2 and changes nothing",
    async ({ yaml, error }) => {
      const set = makeSet({ ...good, "kiln.yaml": yaml });
      const r = await kiln(["build", "--set", set]);
      expect(r.stderr).toMatch(error);
      expect(r.code).toBe(2);
      expect(existsSync(join(set, ".kiln"))).toBe(false);
    },
  );

  it("an unknown package name on the command line", async () => {
    const set = makeSet(good);
    const r = await kiln(["build", "--set", set, "nosuch"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no package named nosuch in the set");
    const p = await kiln(["plan", "--set", set, "nosuch"]);
    expect(p.code).toBe(2);
    expect(p.stderr).toContain("no package named nosuch in the set");
  });

  it("a set directory without kiln.yaml", async () => {
    const set = makeSet({ "packages/fine/fine.spec": noarchSpec("fine") });
    const r = await kiln(["build", "--set", set]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no kiln\.yaml in \S+\n\s+a package set is a directory with kiln\.yaml/);
  });
});
