import { describe, expect, it } from "vitest";
import { DEFAULT_PIPELINE_INPUT } from "../core/pipeline.js";
import { UserError } from "../util/errors.js";
import { parseSetConfig, type SetConfig } from "./set-config.js";

const FILE = "/sets/example/kiln.yaml";

function configError(text: string): UserError {
  try {
    parseSetConfig(text, FILE);
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

const DEFAULTS: Omit<SetConfig, "name"> = {
  dist: ".kiln",
  repositories: [{ name: "main", keep: 2 }],
  host: { provides: [] },
  rebuild: "transitive",
  "early-cutoff": true,
  build: { rpmlint: "report" },
  pipeline: DEFAULT_PIPELINE_INPUT,
};

describe("parseSetConfig: valid files", () => {
  it.each<[string, string, SetConfig]>([
    ["only a name: every default", "name: example\n", { name: "example", ...DEFAULTS }],
    ["a name with . _ + -", "name: my.set_1+x-2\n", { name: "my.set_1+x-2", ...DEFAULTS }],
    ["a comment and a document start", "# the set\n---\nname: x # inline\n", { name: "x", ...DEFAULTS }],
    ["a dist tag", "name: x\ndist: .kiln1\n", { name: "x", ...DEFAULTS, dist: ".kiln1" }],
    ["a dist tag with _ . +", "name: x\ndist: .el9_4.k+1\n", { name: "x", ...DEFAULTS, dist: ".el9_4.k+1" }],
    [
      "repositories, in order",
      "name: x\nrepositories:\n  - name: testing\n    description: new builds\n  - name: stable\n",
      {
        name: "x",
        ...DEFAULTS,
        repositories: [
          { name: "testing", description: "new builds", keep: 2 },
          { name: "stable", keep: 2 },
        ],
      },
    ],
    [
      "host provides with patterns",
      "name: x\nhost:\n  provides:\n    - gcc\n    - libc.so.6*\n    - rtld(GNU_HASH)\n    - '*'\n",
      { name: "x", ...DEFAULTS, host: { provides: ["gcc", "libc.so.6*", "rtld(GNU_HASH)", "*"] } },
    ],
    ["an empty host section", "name: x\nhost: {}\n", { name: "x", ...DEFAULTS }],
    [
      "a base repository",
      "name: x\nhost:\n  base-repository: https://mirror.example.org/fedora/40/\n",
      {
        name: "x",
        ...DEFAULTS,
        host: { provides: [], "base-repository": "https://mirror.example.org/fedora/40/" },
      },
    ],
    ...(["transitive", "direct", "none"] as const).map((rebuild): [string, string, SetConfig] => [
      `rebuild ${rebuild}`,
      `name: x\nrebuild: ${rebuild}\n`,
      { name: "x", ...DEFAULTS, rebuild },
    ]),
    ["early cutoff off", "name: x\nearly-cutoff: false\n", { name: "x", ...DEFAULTS, "early-cutoff": false }],
    ...(["auto", "required", "off"] as const).map((sandbox): [string, string, SetConfig] => [
      `sandbox ${sandbox}`,
      `name: x\nbuild:\n  sandbox: ${sandbox}\n`,
      { name: "x", ...DEFAULTS, build: { sandbox, rpmlint: "report" } },
    ]),
    ["an empty build section", "name: x\nbuild: {}\n", { name: "x", ...DEFAULTS }],
    ["a description", "name: x\ndescription: A set\n", { name: "x", description: "A set", ...DEFAULTS }],
    [
      "flow style",
      "{name: x, dist: .k, build: {sandbox: off}}",
      { name: "x", ...DEFAULTS, dist: ".k", build: { sandbox: "off", rpmlint: "report" } },
    ],
  ])("%s", (_what, text, expected) => {
    expect(parseSetConfig(text, FILE)).toStrictEqual(expected);
  });
});

describe("parseSetConfig: errors", () => {
  it.each<[string, string, string, number, number]>([
    // Invalid YAML: the parser's position.
    [
      "a tab as indentation",
      "name: x\n\tdist: y\n",
      "invalid YAML: Tabs are not allowed as indentation",
      2,
      1,
    ],
    ["a duplicate key", "name: x\ndist: .a\nname: y\n", "invalid YAML: Map keys must be unique", 3, 1],
    [
      "an unterminated flow sequence",
      "name: x\nrepositories: [\n",
      "invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
      3,
      1,
    ],
    [
      "a nested mapping in a compact one",
      "name: t\n  bad: indent\n",
      "invalid YAML: Nested mappings are not allowed in compact mappings",
      1,
      7,
    ],
    // Unknown keys: the key itself.
    ["an unknown top-level key", "name: x\nnmae: y\n", 'unknown key "nmae"', 2, 1],
    [
      "a rebuild mode that does not exist",
      "name: x\nrebuild: always\n",
      'rebuild: Invalid option: expected one of "transitive"|"direct"|"none"',
      2,
      10,
    ],
    [
      "early cutoff that is not true or false",
      "name: x\nearly-cutoff: off\n",
      "early-cutoff: Invalid input: expected boolean, received string",
      2,
      15,
    ],
    [
      "an unknown top-level key without a value",
      "name: x\n\nrepository:\n",
      'unknown key "repository"',
      3,
      1,
    ],
    [
      "an unknown nested key, block style",
      "name: x\nhost:\n  provide:\n    - gcc\n",
      'unknown key "provide" in host',
      3,
      3,
    ],
    [
      "an unknown nested key, flow style",
      "name: x\nhost: {provide: [gcc]}\n",
      'unknown key "provide" in host',
      2,
      8,
    ],
    [
      "an unknown key in build",
      "name: x\nbuild:\n  sandbox: off\n  jobs: 4\n",
      'unknown key "jobs" in build',
      4,
      3,
    ],
    [
      "an unknown key in a repository",
      "name: x\nrepositories:\n  - name: a\n  - name: b\n    url: http://x\n",
      'unknown key "url" in repositories.1',
      5,
      5,
    ],
    ["several unknown keys", "name: x\nfoo: 1\nbar: 2\n", 'unknown key "foo", "bar"', 2, 1],
    // Wrong types: the value.
    [
      "repositories not a list",
      "name: x\nrepositories: foo\n",
      "repositories: Invalid input: expected array, received string",
      2,
      15,
    ],
    [
      "host.provides not a list",
      "name: x\nhost:\n  provides: gcc\n",
      "host.provides: Invalid input: expected array, received string",
      3,
      13,
    ],
    [
      "host not a mapping",
      "name: x\nhost: gcc\n",
      "host: Invalid input: expected object, received string",
      2,
      7,
    ],
    ["a number as the name", "name: 42\n", "name: Invalid input: expected string, received number", 1, 7],
    ["a list at the top", "- name: x\n", "(top level): Invalid input: expected object, received array", 1, 1],
    [
      "a scalar at the top",
      "just text\n",
      "(top level): Invalid input: expected object, received string",
      1,
      1,
    ],
    // Missing name: the document.
    ["an empty file", "", "name: Invalid input: expected string, received undefined", 1, 1],
    [
      "no name",
      "# comment\nhost:\n  provides: [gcc]\n",
      "name: Invalid input: expected string, received undefined",
      2,
      1,
    ],
    // Invalid values: the value.
    ["a name with a space", "name: 'my set'\n", "name: the set's name is letters, digits and . _ + -", 1, 7],
    ["a name starting with -", "name: -x\n", "name: the set's name is letters, digits and . _ + -", 1, 7],
    [
      "a dist tag without a dot",
      "name: x\ndist: kiln\n",
      'dist: a dist tag starts with "." and has no spaces, e.g. ".kiln1"',
      2,
      7,
    ],
    [
      "a dist tag with a space",
      "name: x\ndist: '.kiln 1'\n",
      'dist: a dist tag starts with "." and has no spaces, e.g. ".kiln1"',
      2,
      7,
    ],
    [
      "a dist tag with a macro",
      "name: x\ndist: '.%{x}'\n",
      'dist: a dist tag starts with "." and has no spaces, e.g. ".kiln1"',
      2,
      7,
    ],
    [
      "a dot alone as dist tag",
      "name: x\ndist: .\n",
      'dist: a dist tag starts with "." and has no spaces, e.g. ".kiln1"',
      2,
      7,
    ],
    [
      "duplicate repository names",
      "name: x\nrepositories:\n  - name: a\n  - name: b\n  - name: a\n",
      "repositories: repository names must be unique",
      3,
      3,
    ],
    [
      "no repository",
      "name: x\nrepositories: []\n",
      "repositories: name at least one repository; builds publish to the first",
      2,
      15,
    ],
    [
      "a bad repository name",
      "name: x\nrepositories:\n  - name: ok\n  - name: 'not ok'\n",
      "repositories.1.name: a repository name is letters, digits and . _ + -",
      4,
      11,
    ],
    [
      "a repository without a name",
      "name: x\nrepositories:\n  - description: nameless\n",
      "repositories.0.name: Invalid input: expected string, received undefined",
      3,
      5,
    ],
    [
      "a host capability with a space",
      "name: x\nhost:\n  provides:\n    - gcc\n    - gcc >= 12\n",
      "host.provides.1: a host capability has no spaces and no % (write the name only)",
      5,
      7,
    ],
    [
      "a host capability with a %",
      "name: x\nhost:\n  provides: [gcc, '%{_bindir}/make']\n",
      "host.provides.1: a host capability has no spaces and no % (write the name only)",
      3,
      19,
    ],
    [
      "an empty host capability",
      "name: x\nhost:\n  provides:\n    - ''\n",
      "host.provides.0: Too small: expected string to have >=1 characters",
      4,
      7,
    ],
    [
      "a base repository that is not a URL",
      "name: x\nhost:\n  base-repository: not a url\n",
      "host.base-repository: Invalid URL",
      3,
      20,
    ],
    [
      "an unknown sandbox mode",
      "name: x\nbuild:\n  sandbox: maybe\n",
      'build.sandbox: Invalid option: expected one of "off"|"auto"|"required"',
      3,
      12,
    ],
    [
      "several problems: the first, and how many more",
      "name: x\ndist: kiln\nbuild:\n  sandbox: maybe\n",
      'dist: a dist tag starts with "." and has no spaces, e.g. ".kiln1" (and 1 more problem(s))',
      2,
      7,
    ],
  ])("%s", (_what, text, message, line, column) => {
    const e = configError(text);
    expect(e.code).toBe("CONFIG_INVALID");
    expect(e.message).toBe(message);
    expect(e.location).toStrictEqual({ file: FILE, line, column });
  });

  it("formats as file:line:column", () => {
    const e = configError("name: x\nhost:\n  provide:\n    - gcc\n");
    expect(e.format()).toBe(
      `${FILE}:3:3: unknown key "provide" in host\n  check the spelling; see README.md for the keys kiln.yaml takes`,
    );
  });

  it("counts lines after a BOM and CRLF line ends", () => {
    const e = configError("\ufeffname: x\r\n\r\nbogus: 1\r\n");
    expect(e.message).toBe('unknown key "bogus"');
    expect(e.location).toStrictEqual({ file: FILE, line: 3, column: 1 });
  });
});

describe("parseSetConfig: pipelines", () => {
  const PIPELINE = `name: x
pipeline:
  stages:
    - name: build
      jobs:
        - name: rpm
          steps:
            - sources
            - build-dependencies
            - rpmbuild: { timeout: 600, env: { CFLAGS: -O1 } }
            - check
    - name: test
      jobs:
        - name: smoke
          steps:
            - run: ./smoke.sh
              timeout: 60
          artifacts: [smoke.log]
    - name: release
      approval: manual
      jobs:
        - { name: publish, steps: [publish] }
`;

  it("a pipeline of stages, jobs and steps", () => {
    const c = parseSetConfig(PIPELINE, "kiln.yaml");
    expect(c.pipeline.stages.map((s) => s.name)).toEqual(["build", "test", "release"]);
    expect(c.pipeline.stages[0]!.jobs[0]!.steps[2]).toEqual({
      rpmbuild: { timeout: 600, env: { CFLAGS: "-O1" } },
    });
    expect(c.pipeline.stages[1]!.jobs[0]).toEqual({
      name: "smoke",
      steps: [{ run: "./smoke.sh", timeout: 60 }],
      artifacts: ["smoke.log"],
    });
    expect(c.pipeline.stages[2]!.approval).toBe("manual");
  });

  it.each<[string, (t: string) => string, RegExp, number, number]>([
    [
      "a misspelt step",
      (t) => t.replace("- rpmbuild:", "- rpmbiuld:"),
      /^pipeline\.stages\.0\.jobs\.0\.steps\.2: a step is one of sources, build-dependencies, rpmbuild, check, publish/,
      10,
      15,
    ],
    [
      "an unknown step name",
      (t) => t.replace("- sources", "- fetch"),
      /^pipeline\.stages\.0\.jobs\.0\.steps\.0: unknown step "fetch"/,
      8,
      15,
    ],
    [
      "a negative timeout",
      (t) => t.replace("timeout: 60\n", "timeout: -1\n"),
      /^pipeline\.stages\.1\.jobs\.0\.steps\.0\.timeout: a timeout is a number of seconds above 0/,
      17,
      24,
    ],
    [
      "an unknown key in a job",
      (t) => t.replace("artifacts:", "artefacts:"),
      /^unknown key "artefacts" in pipeline\.stages\.1\.jobs\.0/,
      18,
      11,
    ],
    [
      "an approval that is not manual",
      (t) => t.replace("approval: manual", "approval: auto"),
      /^pipeline\.stages\.2\.approval: approval is "manual"/,
      20,
      17,
    ],
    [
      "publish missing",
      (t) => t.replace("{ name: publish, steps: [publish] }", '{ name: p, steps: [{ run: "true" }] }'),
      /^pipeline: no job publishes/,
      4,
      5,
    ],
    [
      "check before rpmbuild",
      (t) => t.replace("- sources\n", "- sources\n            - check\n"),
      /^pipeline: check looks at what rpmbuild made/,
      9,
      15,
    ],
    [
      "two stages of one name",
      (t) => t.replace("- name: test", "- name: build"),
      /^pipeline: a second stage named "build"/,
      12,
      13,
    ],
  ])("%s: named at its line and column", (_what, edit, message, line, column) => {
    const e = configError(edit(PIPELINE));
    expect(e.message).toMatch(message);
    expect(e.location).toEqual({ file: FILE, line, column });
  });
});

describe("parseSetConfig: repositories, promotion rules and signing", () => {
  it("keep, promote (from, soak, require-stages) and sign", () => {
    const c = parseSetConfig(
      `name: x
repositories:
  - name: testing
  - name: stable
    keep: 3
    promote: { from: [testing], soak: 24h, require-stages: [test] }
    sign: { key: packager@example.org }
`,
      FILE,
    );
    expect(c.repositories[1]).toEqual({
      name: "stable",
      keep: 3,
      promote: { from: ["testing"], soak: 86400, "require-stages": ["test"] },
      sign: { key: "packager@example.org" },
    });
    expect(c.repositories[0]!.keep).toBe(2);
  });

  it.each<[string, string, RegExp, number, number]>([
    [
      "a soak that is not a duration",
      "    promote: { from: [testing], soak: a day }\n",
      /soak: a duration is seconds, or a number with s, m, h or d/,
      5,
      39,
    ],
    ["keep 0", "    keep: 0\n", /keep: keep at least the current build/, 5, 11],
    ["a sign without its key", "    sign: {}\n", /sign\.key: /, 5, 11],
  ])("%s", (_what, line5, message, line, column) => {
    const e = configError(`name: x\nrepositories:\n  - name: testing\n  - name: stable\n${line5}`);
    expect(e.message).toMatch(message);
    expect(e.location).toMatchObject({ line, column });
  });
});
