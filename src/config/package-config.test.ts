import { describe, expect, it } from "vitest";
import { DEFAULT_PIPELINE_INPUT } from "../core/pipeline.js";
import { UserError } from "../util/errors.js";
import { parsePackageConfig } from "./package-config.js";

const FILE = "packages/libgreet/kiln.yaml";

function rejected(text: string): UserError {
  try {
    parsePackageConfig(text, FILE, DEFAULT_PIPELINE_INPUT);
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

describe("a package's kiln.yaml", () => {
  it("may be empty, or set the rebuild mode and early cutoff", () => {
    expect(parsePackageConfig("", FILE, DEFAULT_PIPELINE_INPUT)).toEqual({});
    expect(parsePackageConfig("# nothing yet\n", FILE, DEFAULT_PIPELINE_INPUT)).toEqual({});
    expect(parsePackageConfig("rebuild: direct\n", FILE, DEFAULT_PIPELINE_INPUT)).toEqual({
      rebuild: "direct",
    });
    expect(parsePackageConfig("early-cutoff: false\n", FILE, DEFAULT_PIPELINE_INPUT)).toEqual({
      earlyCutoff: false,
    });
  });

  it("names the file, line and column of what is wrong", () => {
    const bad = rejected("rebuild: sometimes\n");
    expect(bad.code).toBe("CONFIG_INVALID");
    expect(bad.location).toEqual({ file: FILE, line: 1, column: 10 });
    expect(bad.message).toMatch(/^rebuild: Invalid option/);
    const unknown = rejected("# settings\nrebuld: none\n");
    expect(unknown.message).toBe('unknown key "rebuld"');
    expect(unknown.location).toEqual({ file: FILE, line: 2, column: 1 });
    const cutoff = rejected("rebuild: direct\nearly-cutoff: 0\n");
    expect(cutoff.message).toBe("early-cutoff: Invalid input: expected boolean, received number");
    expect(cutoff.location).toEqual({ file: FILE, line: 2, column: 15 });
    const syntax = rejected("rebuild: [none\n");
    expect(syntax.message).toMatch(/^invalid YAML: /);
    expect(syntax.location?.file).toBe(FILE);
  });
});

describe("a package's pipeline", () => {
  it("extends the set's with a stage and a step", () => {
    const c = parsePackageConfig(
      `pipeline:
  extends: set
  insert:
    - after: build
      stages:
        - name: test
          jobs: [{ name: smoke, steps: [{ run: make check }] }]
  add:
    - job: build/rpm
      steps: [{ run: ls }]
`,
      FILE,
      DEFAULT_PIPELINE_INPUT,
    );
    expect(c.pipeline!.stages.map((s) => s.name)).toEqual(["build", "test", "publish"]);
    expect(c.pipeline!.stages[0]!.jobs[0]!.steps.at(-1)).toEqual({ run: "ls" });
  });

  it("replaces it with stages of its own", () => {
    const c = parsePackageConfig(
      `pipeline:
  stages:
    - name: all
      jobs: [{ name: rpm, steps: [sources, build-dependencies, rpmbuild] }]
    - name: out
      jobs: [{ name: p, steps: [publish] }]
`,
      FILE,
      DEFAULT_PIPELINE_INPUT,
    );
    expect(c.pipeline!.stages.map((s) => s.name)).toEqual(["all", "out"]);
  });

  it("a stage the set's pipeline lacks, a rule broken by stages of its own: named where written", () => {
    const ref = rejected(
      "pipeline:\n  extends: set\n  insert:\n    - after: tests\n      stages: [{ name: x, jobs: [{ name: y, steps: [{ run: z }] }] }]\n",
    );
    expect(ref.message).toMatch(
      /^pipeline: no stage named "tests" in the set's pipeline \(it has build, publish\)/,
    );
    expect(ref.location).toEqual({ file: FILE, line: 4, column: 14 });
    const rule = rejected(
      "pipeline:\n  stages:\n    - name: a\n      jobs: [{ name: rpm, steps: [sources, rpmbuild] }]\n    - name: b\n      jobs: [{ name: p, steps: [publish] }]\n",
    );
    expect(rule.message).toMatch(
      /^pipeline: rpmbuild needs the build-dependencies step before it, in the same job/,
    );
    expect(rule.location).toEqual({ file: FILE, line: 4, column: 44 });
    const extendsWhat = rejected("pipeline:\n  extends: other\n");
    expect(extendsWhat.message).toMatch(/^pipeline\.extends: extends: set/);
  });
});

describe("a package's watch: section", () => {
  const parse = (text: string) => parsePackageConfig(text, FILE, DEFAULT_PIPELINE_INPUT);

  it("names a source and its project, with options checked and defaulted", () => {
    expect(
      parse("watch:\n  source: github-tags\n  project: kiln/libgreet\n  prefix: v\n  min-age: 2d\n").watch,
    ).toEqual({
      source: "github-tags",
      project: "kiln/libgreet",
      prefix: "v",
      "min-age": 172800,
      prerelease: false,
    });
    expect(
      parse(
        "watch:\n  source: regex\n  page: https://www.ruby-lang.org/en/downloads/releases/\n  regex: 'ruby-(\\d+\\.\\d+\\.\\d+)\\.tar\\.gz'\n",
      ).watch,
    ).toMatchObject({ source: "regex" });
    expect(
      parse("watch:\n  source: git\n  repository: https://example.org/x.git\n  exclude: '^v?0\\.'\n").watch,
    ).toMatchObject({ source: "git" });
  });

  it("says at which line a source, a project, a URL or a regular expression is wrong", () => {
    const source = rejected("# upstream\nwatch:\n  source: pipy\n  project: x\n");
    expect(source.message).toMatch(
      /^watch.source: Invalid discriminator value. Expected 'github-releases' \| /,
    );
    expect(source.location).toEqual({ file: FILE, line: 3, column: 11 });
    expect(rejected("watch:\n  source: github-releases\n  project: libgreet\n").message).toBe(
      "watch.project: expected owner/name",
    );
    const url = rejected(
      "watch:\n  source: pypi\n  project: requests\n  url: https://x.org/requests.tar.gz\n",
    );
    expect([url.message, url.location?.line]).toEqual([
      "watch.url: the tarball URL must contain {version}",
      4,
    ]);
    expect(rejected("watch:\n  source: regex\n  page: https://x.org/\n  regex: '(a'\n").message).toBe(
      "watch.regex: not a valid regular expression",
    );
    expect(rejected("watch:\n  source: git\n  repository: file:///srv/git/x\n").message).toBe(
      "watch.repository: expected an http(s):// or git:// repository URL",
    );
    expect(rejected("watch:\n  source: npm\n  project: left-pad\n  token: abc\n").message).toBe(
      'unknown key "token" in watch',
    );
  });
});
