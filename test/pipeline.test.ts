// Pipelines as code with `kiln build`: stages in order, a stage's jobs side by side, steps in one
// workspace; run steps with their environment and timeout; artifacts handed to later stages; a
// stage that waits for approval; a package extending the set's pipeline; rpmlint in the check.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../src/db/connect.js";
import { KILN_YAML, kiln, makeSet, noarchSpec, PIPELINE_YAML } from "./helpers/kiln.js";

async function artifacts(set: string, pkg: string): Promise<Map<string, { kind: string; sha256: string }>> {
  const { db, close } = await openDatabase(`sqlite:${join(set, ".kiln", "kiln.db")}`);
  try {
    const b = await db
      .selectFrom("builds")
      .select("id")
      .where("package", "=", pkg)
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    const rows = await db.selectFrom("artifacts").selectAll().where("build_id", "=", b.id).execute();
    return new Map(rows.map((r) => [r.filename, { kind: r.kind, sha256: r.sha256 }]));
  } finally {
    await close();
  }
}

const stored = (set: string, sha256: string): string =>
  readFileSync(join(set, ".kiln", "artifacts", "sha256", sha256.slice(0, 2), sha256), "utf8");

describe("a pipeline with test stages and an approval, run by kiln build", () => {
  it("runs the stages in order, hands artifacts on, and stops before the approval until --approve", async () => {
    const set = makeSet({
      "kiln.yaml": PIPELINE_YAML,
      "packages/one/one.spec": noarchSpec("one"),
      "packages/two/two.spec": noarchSpec("two", { buildRequires: ["one"] }),
    });
    const first = await kiln(["build", "--set", set]);
    // two needs one, which waits: blocked, and the exit status says so.
    expect(first.code, first.stderr).toBe(1);
    expect(first.stderr).toMatch(/blocked two: needs one, which awaits approval/);
    expect(first.stdout).toContain(
      "built 0, up to date 0, cut off 0, failed 0, blocked 1, awaiting approval 1",
    );
    expect(first.stdout).toContain("awaiting approval (run kiln build --approve): one");
    expect(first.stderr).toMatch(/kiln: {3}one test\/list: ok in [\d.]+ s/);
    expect(first.stderr).toMatch(/kiln: {3}one report\/summary: ok in [\d.]+ s/);
    expect(first.stderr).toMatch(
      /awaits approval one \(build \d+\): stage release runs with kiln build --approve/,
    );
    // Everything the jobs made is kept with the build, and summary.txt came from rpms.txt.
    const a = await artifacts(set, "one");
    expect([...a.keys()].sort()).toEqual([
      "build.log",
      "one-1.0-1.kiln.noarch.rpm",
      "one-1.0-1.kiln.src.rpm",
      "report-summary.log",
      "rpms.txt",
      "summary.txt",
      "test-list.log",
      "test-unpack.log",
    ]);
    expect(a.get("summary.txt")!.kind).toBe("file");
    expect(stored(set, a.get("summary.txt")!.sha256)).toBe("one-1.0-1.kiln.noarch.rpm\nhello-from-env\n");

    const approved = await kiln(["build", "--set", set, "--approve"]);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain("built 2, up to date 0, cut off 0, failed 0, blocked 0");
  }, 120_000);

  it("a failing job fails its package, names the job and its log; a step past its timeout is stopped", async () => {
    const set = makeSet({
      "kiln.yaml": PIPELINE_YAML.replace("      approval: manual\n", "").replace(
        "cp $KILN_INPUTS/rpms.txt summary.txt;",
        'if [ "$KILN_PACKAGE" = bad ]; then exit 3; fi; cp $KILN_INPUTS/rpms.txt summary.txt;',
      ),
      "packages/bad/bad.spec": noarchSpec("bad"),
      "packages/after/after.spec": noarchSpec("after", { buildRequires: ["bad"] }),
      "packages/slow/slow.spec": noarchSpec("slow"),
      "packages/slow/kiln.yaml": `pipeline:
  extends: set
  insert:
    - before: report
      stages:
        - name: soak
          jobs: [{ name: wait, steps: [{ run: sleep 30, timeout: 1 }] }]
`,
      "packages/fine/fine.spec": noarchSpec("fine"),
    });
    const r = await kiln(["build", "--set", set]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain("built 1, up to date 0, cut off 0, failed 2, blocked 1");
    expect(r.stderr).toMatch(
      /FAILED bad \(build \d+\): report\/summary: run: if .* failed \(exit status 3\)\n {2}log: .*report-summary\/report-summary\.log/,
    );
    expect(r.stderr).toMatch(/FAILED slow \(build \d+\): soak\/wait: run: sleep 30 timed out after 1 s/);
    expect(r.stderr).toMatch(/blocked after: needs bad, which cannot build/);
  }, 120_000);

  it("a package adds a step to the set's build job; rpmlint in the check fails on errors unless its rpmlintrc filters them", async () => {
    const set = makeSet({
      "kiln.yaml": `${KILN_YAML}build:\n  rpmlint: errors\n`,
      "packages/linted/linted.spec": noarchSpec("linted"),
      "packages/linted/kiln.yaml": `pipeline:
  extends: set
  add:
    - job: build/rpm
      steps: [{ run: ls $KILN_RPMS/noarch > built.txt, name: list }]
`,
      "packages/filtered/filtered.spec": noarchSpec("filtered"),
      "packages/filtered/filtered.rpmlintrc": 'addFilter("E: ")\n',
    });
    const r = await kiln(["build", "--set", set]);
    expect(r.stdout).toContain("built 1, up to date 0, cut off 0, failed 1, blocked 0");
    expect(r.stderr).toMatch(
      /FAILED linted \(build \d+\): rpmlint found \d+ error\(s\) \(build\.rpmlint: errors in kiln\.yaml\)/,
    );
    const logPath = /FAILED linted[^\n]*\n {2}log: (\S+)/.exec(r.stderr)![1]!;
    const log = readFileSync(logPath.startsWith("/") ? logPath : join(process.cwd(), logPath), "utf8");
    expect(log).toMatch(/linted\.noarch: E: no-changelogname-tag/);
    // The step the package added comes after check, so it did not run.
    const { db, close } = await openDatabase(`sqlite:${join(set, ".kiln", "kiln.db")}`);
    try {
      const b = await db
        .selectFrom("builds")
        .selectAll()
        .where("package", "=", "linted")
        .executeTakeFirstOrThrow();
      expect(JSON.parse(b.steps!)).toMatchObject([
        { name: "sources", status: "ok" },
        { name: "build-dependencies", status: "ok" },
        { name: "rpmbuild", status: "ok" },
        { name: "check", status: "failed" },
        { name: "list", status: "skipped" },
      ]);
    } finally {
      await close();
    }
  }, 120_000);
});
