// Hostile corpus: set loading. The example set with hostile packages added beside its honest ones
// (a spec that is a link to /etc/shadow, sources that are links to a secret, a pipe and /dev/zero,
// a spec that hangs, one that recurses, one that prints megabytes, an alias bomb in a package's
// kiln.yaml, a Source that climbs out of its directory), through the real `kiln plan` and `kiln
// build`: each hostile package is refused with its exact reason, the honest ones still build,
// loading does not wait out every timeout, and the secret is nowhere Kiln writes.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  copyExamples,
  kiln,
  type KilnResult,
  noarchSpec,
  type PlanError,
  tempDir,
  writeFile,
} from "../kit/index.js";

const SECRET = "kiln-hostile-secret-7f3a9c";
const TIMEOUT_S = 2;
const HONEST = ["greet-data", "hello", "libcount", "libframe", "libgreet", "libstats", "libupper"];

const header = (name: string): string =>
  `Name: ${name}\nVersion: 1\nRelease: 1\nSummary: hostile\nLicense: MIT\nBuildArch: noarch\n`;
const withSource = (name: string, source: string): string =>
  noarchSpec(name).replace("BuildArch: noarch\n", `BuildArch: noarch\nSource1: ${source}\n`);

/** Every file below `dir`, recursively, not following links. */
function filesBelow(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesBelow(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

function hostileSet(): string {
  const set = copyExamples();
  const outside = tempDir("kiln-secret-");
  const secretFile = join(outside, "secret.txt");
  writeFile(secretFile, `${SECRET}\n`);
  const pkg = (name: string, file: string): string => join(set, "packages", name, file);

  writeFile(pkg("shadow", "README"), "its spec is a link to /etc/shadow\n");
  symlinkSync("/etc/shadow", pkg("shadow", "shadow.spec"));

  writeFile(pkg("leak", "leak.spec"), withSource("leak", "secret.txt"));
  symlinkSync(secretFile, pkg("leak", "secret.txt"));

  writeFile(pkg("fifo", "fifo.spec"), withSource("fifo", "pipe.tar.gz"));
  execFileSync("mkfifo", [pkg("fifo", "pipe.tar.gz")]);

  writeFile(pkg("zero", "zero.spec"), withSource("zero", "zero.tar.gz"));
  symlinkSync("/dev/zero", pkg("zero", "zero.tar.gz"));

  writeFile(pkg("sleepy", "sleepy.spec"), `${header("sleepy")}%global x %(sleep 1013)\n%description\nx\n`);
  writeFile(
    pkg("recur", "recur.spec"),
    `${header("recur")}%define a %{a}%{a}\nProvides: %{a}\n%description\nx\n`,
  );
  writeFile(
    pkg("huge", "huge.spec"),
    `${header("huge")}Provides: %(head -c 6000000 /dev/zero | tr '\\0' x)\n%description\nx\n`,
  );

  writeFile(pkg("bomb", "bomb.spec"), noarchSpec("bomb"));
  writeFile(
    pkg("bomb", "kiln.yaml"),
    [
      "rebuild: direct",
      'a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]',
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
      "",
    ].join("\n"),
  );

  writeFile(pkg("escape", "escape.spec"), withSource("escape", "../../x"));
  writeFile(pkg("escape", "x"), "the file rpm would take\n");
  writeFile(join(set, "x"), `${SECRET}\n`);
  return set;
}

const EXPECTED: [string, string, string][] = [
  ["bomb", "CONFIG_INVALID", "packages/bomb/kiln.yaml:3: its aliases (*name) expand to more than 100 nodes"],
  [
    "escape",
    "SOURCE_INVALID",
    `packages/escape/escape.spec:7: Source1 "../../x" leaves the package's directory (..)`,
  ],
  [
    "fifo",
    "FILE_REFUSED",
    `packages/fifo/fifo.spec:7: Source1 "pipe.tar.gz": packages/fifo/pipe.tar.gz is a pipe, not a regular file`,
  ],
  [
    "huge",
    "SPEC_TOO_LARGE",
    "packages/huge/huge.spec: reading printed more than 4 MiB for this spec and was stopped",
  ],
  [
    "leak",
    "FILE_REFUSED",
    `packages/leak/leak.spec:7: Source1 "secret.txt": packages/leak/secret.txt is a symbolic link: Kiln does not follow links`,
  ],
  [
    "recur",
    "SPEC_PARSE",
    "packages/recur/recur.spec:8: rpm cannot parse the spec: Too many levels of recursion in macro expansion",
  ],
  [
    "shadow",
    "FILE_REFUSED",
    "packages/shadow/shadow.spec: packages/shadow/shadow.spec is a symbolic link: Kiln does not follow links",
  ],
  [
    "sleepy",
    "SPEC_TIMEOUT",
    `packages/sleepy/sleepy.spec: reading took longer than ${TIMEOUT_S} s (--spec-timeout) and was stopped`,
  ],
  [
    "zero",
    "FILE_REFUSED",
    `packages/zero/zero.spec:7: Source1 "zero.tar.gz": packages/zero/zero.tar.gz is a symbolic link: Kiln does not follow links`,
  ],
];

const shown = (e: PlanError): string => `${e.file}${e.line !== undefined ? `:${e.line}` : ""}: ${e.message}`;

describe("hostile set loading", () => {
  let set: string;
  let plan: KilnResult;
  let planMs: number;
  let build: KilnResult;
  let shadowLine: string;

  beforeAll(async () => {
    set = hostileSet();
    // Its first line (root's), whole: no file Kiln writes has a reason to hold it.
    shadowLine = readFileSync("/etc/shadow", "utf8").split("\n")[0] ?? "";
    const started = performance.now();
    plan = await kiln([
      "plan",
      "hello",
      "--set",
      set,
      "--format",
      "json",
      "--spec-timeout",
      String(TIMEOUT_S),
    ]);
    planMs = performance.now() - started;
    build = await kiln(["build", "--set", set, "--jobs", "2", "--spec-timeout", String(TIMEOUT_S)]);
  });

  it("kiln plan refuses each hostile package with its reason, and exits 1", () => {
    expect(plan.code).toBe(1);
    const out = JSON.parse(plan.stdout) as { packages: string[]; errors: PlanError[] };
    const got = out.errors.map((e): [string, string, string] => [e.package, e.code, shown(e)]).sort();
    expect(got).toHaveLength(EXPECTED.length);
    for (const [i, [pkg, code, text]] of EXPECTED.entries()) {
      expect(got[i]![0]).toBe(pkg);
      expect(got[i]![1]).toBe(code);
      expect(got[i]![2].startsWith(text), `${got[i]![2]}\n  starts with\n${text}`).toBe(true);
    }
    expect(out.packages).toEqual(["hello"]);
    // The text form says the same on stderr, one line a package.
    for (const [pkg] of EXPECTED) expect(plan.stderr).toMatch(new RegExp(`^${pkg}: .*packages/${pkg}/`, "m"));
  });

  it("does not wait out a timeout for every hostile spec", () => {
    // Four specs that could each have hung the reader (sleep, recursion, huge output, the link):
    // only the sleeping one waits for its timeout.
    expect(planMs).toBeLessThan(4 * TIMEOUT_S * 1000);
    // And what the sleeping spec started was killed with its reader (bubblewrap's too).
    const left = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" });
    expect(left.split("\n").filter((l) => l.startsWith("sleep 1013"))).toEqual([]);
  });

  it("kiln build builds every honest package and says which are invalid", () => {
    expect(build.stdout).toContain("built 7, up to date 0, cut off 0, failed 0, blocked 0");
    expect(build.stdout).toContain(`invalid (see the errors above): ${EXPECTED.map((e) => e[0]).join(", ")}`);
    expect(build.code).toBe(1);
    const repo = join(set, ".kiln", "repos", "testing");
    const rpms = filesBelow(join(repo, "Packages"))
      .map((f) => f.replace(/^.*\//, ""))
      .filter((f) => f.endsWith(".rpm"));
    for (const p of HONEST) expect(rpms.some((f) => f.startsWith(`${p}-`))).toBe(true);
    for (const [p] of EXPECTED) expect(rpms.some((f) => f.startsWith(`${p}-`))).toBe(false);
  });

  it("leaves the secret and /etc/shadow nowhere in the output, logs or .kiln/", () => {
    expect(shadowLine.length).toBeGreaterThan(0);
    const texts = [plan.stdout, plan.stderr, build.stdout, build.stderr];
    for (const t of texts) {
      expect(t).not.toContain(SECRET);
      expect(t).not.toContain(shadowLine);
    }
    const files = filesBelow(join(set, ".kiln"));
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) {
      if (statSync(f).size > 64 * 1024 * 1024) continue;
      const bytes = readFileSync(f);
      expect(bytes.includes(SECRET), f).toBe(false);
      expect(bytes.includes(shadowLine), f).toBe(false);
    }
  });
});
