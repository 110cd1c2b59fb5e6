// Bad packages beside good ones, through the real `kiln graph`, `kiln plan` and the farm's UI API:
// each is refused with its file and reason, the good ones load, a warm load (spec cache and set
// snapshot) refuses them again, and a bad set-level kiln.yaml stops with its reason.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PackageDetail } from "../src/api/schemas.js";
import {
  api,
  PackageList,
  kiln,
  KILN_YAML,
  makeSet,
  noarchSpec,
  type PlanError,
  type Server,
  startServer,
  tempDir,
} from "./kit/index.js";

const withSource = (name: string, source: string): string =>
  noarchSpec(name).replace("BuildArch: noarch\n", `BuildArch: noarch\nSource1: ${source}\n`);

function badSet(): string {
  const outside = tempDir("kiln-outside-");
  writeFileSync(join(outside, "kiln.yaml"), "rebuild: direct\n");
  mkdirSync(join(outside, "elsewhere"));
  writeFileSync(join(outside, "elsewhere", "elsewhere.spec"), noarchSpec("elsewhere"));
  const set = makeSet({
    "kiln.yaml": KILN_YAML,
    "packages/good/good.spec": withSource("good", "good.tar.gz"),
    "packages/good/good.tar.gz": "a tarball",
    "packages/needsgood/needsgood.spec": noarchSpec("needsgood", { buildRequires: ["good"] }),
    "packages/bigspec/bigspec.spec": BIG_SPEC,
    "packages/yamllink/yamllink.spec": noarchSpec("yamllink"),
    "packages/bigyaml/bigyaml.spec": noarchSpec("bigyaml"),
    "packages/bigyaml/kiln.yaml": BIG_YAML,
    "packages/lintlink/lintlink.spec": noarchSpec("lintlink"),
    "packages/srcdir/srcdir.spec": withSource("srcdir", "tree.tar.gz"),
    "packages/bigsrc/bigsrc.spec": withSource("bigsrc", "big.tar.gz"),
    "packages/dot/dot.spec": withSource("dot", "https://example.org/dl/.."),
    "packages/fifospec/README": "its spec is a pipe\n",
  });
  const p = (...parts: string[]): string => join(set, "packages", ...parts);
  execFileSync("mkfifo", [p("fifospec", "fifospec.spec")]);
  symlinkSync(join(outside, "kiln.yaml"), p("yamllink", "kiln.yaml"));
  symlinkSync(join(outside, "kiln.yaml"), p("lintlink", "lintlink.rpmlintrc"));
  mkdirSync(p("srcdir", "tree.tar.gz"));
  writeFileSync(p("bigsrc", "big.tar.gz"), "");
  truncateSync(p("bigsrc", "big.tar.gz"), 3 * 1024 * 1024 * 1024); // sparse: nothing written
  symlinkSync(join(outside, "elsewhere"), p("elsewhere"));
  return set;
}

const BIG_SPEC = noarchSpec("bigspec") + `# ${"x".repeat(1024 * 1024)}\n`;
const BIG_YAML = `# ${"x".repeat(1024 * 1024)}\nrebuild: direct\n`;

const EXPECTED: [string, string, string][] = [
  [
    "bigspec",
    "FILE_REFUSED",
    `packages/bigspec/bigspec.spec: packages/bigspec/bigspec.spec is ${BIG_SPEC.length} bytes; the limit is 1048576`,
  ],
  [
    "bigsrc",
    "FILE_REFUSED",
    `packages/bigsrc/bigsrc.spec:7: Source1 "big.tar.gz": packages/bigsrc/big.tar.gz is 3221225472 bytes; the limit is 2147483648`,
  ],
  [
    "bigyaml",
    "FILE_REFUSED",
    `packages/bigyaml/kiln.yaml: packages/bigyaml/kiln.yaml is ${BIG_YAML.length} bytes; the limit is 1048576`,
  ],
  [
    "dot",
    "SOURCE_INVALID",
    `packages/dot/dot.spec:7: Source1 "https://example.org/dl/.." does not name a file`,
  ],
  [
    "elsewhere",
    "FILE_REFUSED",
    "packages/elsewhere: packages/elsewhere is a symbolic link: Kiln does not follow links",
  ],
  [
    "fifospec",
    "FILE_REFUSED",
    "packages/fifospec/fifospec.spec: packages/fifospec/fifospec.spec is a pipe, not a regular file",
  ],
  [
    "lintlink",
    "FILE_REFUSED",
    "packages/lintlink/lintlink.rpmlintrc: packages/lintlink/lintlink.rpmlintrc is a symbolic link: Kiln does not follow links",
  ],
  [
    "srcdir",
    "FILE_REFUSED",
    `packages/srcdir/srcdir.spec:7: Source1 "tree.tar.gz": packages/srcdir/tree.tar.gz is a directory, not a file`,
  ],
  [
    "yamllink",
    "FILE_REFUSED",
    "packages/yamllink/kiln.yaml: packages/yamllink/kiln.yaml is a symbolic link: Kiln does not follow links",
  ],
];

async function graphErrors(
  set: string,
): Promise<{ code: number | null; packages: string[]; errors: string[][] }> {
  const r = await kiln(["graph", "--set", set, "--format", "json"]);
  const out = JSON.parse(r.stdout) as {
    packages: { name: string; evr: string | null }[];
    errors: PlanError[];
  };
  return {
    code: r.code,
    packages: out.packages.filter((x) => x.evr !== null).map((x) => x.name),
    errors: out.errors
      .map((e) => [e.package, e.code, `${e.file}${e.line !== undefined ? `:${e.line}` : ""}: ${e.message}`])
      .sort(),
  };
}

describe("bad packages beside good ones", () => {
  let set: string;
  beforeAll(() => {
    set = badSet();
  });

  it("refuses each with its file and reason; the good ones load", async () => {
    const g = await graphErrors(set);
    expect(g.code).toBe(1);
    expect(g.errors).toEqual(EXPECTED);
    expect(g.packages.sort()).toEqual(["good", "needsgood"]);
  });

  it("refuses them again on a warm load, and a source turned into a link since", async () => {
    rmSync(join(set, "packages", "good", "good.tar.gz"));
    symlinkSync("/etc/passwd", join(set, "packages", "good", "good.tar.gz"));
    const g = await graphErrors(set);
    expect(g.errors).toEqual(
      [
        ...EXPECTED,
        [
          "good",
          "FILE_REFUSED",
          'packages/good/good.spec:7: Source1 "good.tar.gz": packages/good/good.tar.gz is a symbolic link: Kiln does not follow links',
        ],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    rmSync(join(set, "packages", "good", "good.tar.gz"));
    writeFileSync(join(set, "packages", "good", "good.tar.gz"), "a tarball");
  });

  it("kiln plan prints every invalid package's error and exits 1", async () => {
    const r = await kiln(["plan", "good", "--set", set]);
    expect(r.code).toBe(1);
    for (const [pkg] of EXPECTED) expect(r.stderr).toMatch(new RegExp(`^${pkg}: .*packages/${pkg}`, "m"));
    expect(r.stderr).toContain(`invalid: ${EXPECTED.map((e) => e[0]).join(", ")}`);
    expect(r.stdout).toContain("a change to good rebuilds at most 2 package(s)");
  });

  it("stops on a packages/ that is a link (it would show the reader's sandbox the set's data directory)", async () => {
    const other = makeSet({ "kiln.yaml": KILN_YAML, "elsewhere/p/p.spec": noarchSpec("p") });
    symlinkSync("elsewhere", join(other, "packages"));
    const r = await kiln(["graph", "--set", other]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(other, "packages")} is a symbolic link: Kiln does not follow links`);
  });

  it("stops on a set kiln.yaml that is a link, saying so", async () => {
    const other = makeSet({ "packages/a/a.spec": noarchSpec("a") });
    symlinkSync(join(set, "kiln.yaml"), join(other, "kiln.yaml"));
    const r = await kiln(["graph", "--set", other]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/kiln\.yaml is a symbolic link: Kiln does not follow links/);
  });
});

describe("the farm's packages API", () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer({ set: badSet(), data: tempDir("kiln-data-") });
  });
  afterAll(async () => {
    server.child.kill("SIGTERM");
    await server.exited;
  });

  it("shows a package's set-level error and marks it invalid", async () => {
    const one = await api(server.url, "GET", "/packages/yamllink", {
      token: server.admin,
      schema: PackageDetail,
    });
    expect(one.status).toBe(200);
    expect(one.body.status).toBe("invalid");
    expect(one.body.errors).toEqual([
      "packages/yamllink/kiln.yaml: packages/yamllink/kiln.yaml is a symbolic link: Kiln does not follow links",
    ]);
    const all = await api(server.url, "GET", "/packages", { token: server.admin, schema: PackageList });
    const status = new Map(all.body.packages.map((p) => [p.name, p.status]));
    for (const [pkg] of EXPECTED) expect(status.get(pkg), pkg).toBe("invalid");
    expect(status.get("good")).not.toBe("invalid");
  });
});
