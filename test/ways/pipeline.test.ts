// Pipelines as code, the same in every way: stages in order, a stage's jobs side by side, steps in
// one workspace; run steps with their environment and timeout; artifacts handed to later stages;
// a stage that waits for approval (given as the way gives it); a package extending the set's
// pipeline; rpmlint in the check. Printed texts are soft assertions.
import { expect, it } from "vitest";
import {
  artifacts,
  forEachWay,
  KILN_YAML,
  lastBuildSteps,
  makeSet,
  noarchSpec,
  onSet,
  PIPELINE_ARTIFACTS,
  PIPELINE_YAML,
  stored,
} from "../kit/index.js";

forEachWay((way) => {
  it("runs the stages in order, hands artifacts on, and waits at the approval until it is given", async () => {
    const set = makeSet({
      "kiln.yaml": PIPELINE_YAML,
      "packages/one/one.spec": noarchSpec("one"),
      "packages/two/two.spec": noarchSpec("two", { buildRequires: ["one"] }),
    });
    const w = await onSet(way, set);
    const { waiting, approved } = await w.buildApproving([], async () => {
      // Everything the jobs made is kept with the build, and summary.txt came from rpms.txt.
      const a = await artifacts(w.dbUrl, "one");
      expect([...a.keys()].sort()).toEqual(PIPELINE_ARTIFACTS);
      expect(a.get("summary.txt")!.kind).toBe("file");
      expect(stored(w.data, a.get("summary.txt")!.sha256)).toBe(
        "one-1.0-1.kiln.noarch.rpm\nhello-from-env\n",
      );
    });
    // Locally two needs one, which waits: blocked, and the exit status says so (see Way.approval).
    expect(waiting.code, waiting.stderr).toBe(way.approval.waitingCode);
    for (const line of way.approval.stdout) expect.soft(waiting.stdout).toContain(line);
    for (const re of way.approval.stderr) expect.soft(waiting.stderr).toMatch(re);
    expect.soft(waiting.stderr).toMatch(/kiln: {3}one test\/list: ok in [\d.]+ s/);
    expect.soft(waiting.stderr).toMatch(/kiln: {3}one report\/summary: ok in [\d.]+ s/);

    expect(approved.code, approved.stderr).toBe(0);
    expect.soft(approved.stdout).toContain("built 2, up to date 0, cut off 0, failed 0, blocked 0");
  }, 180_000);

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
    const w = await onSet(way, set);
    const r = await w.kiln(["build"]);
    expect(r.code, r.stderr).toBe(1);
    expect.soft(r.stdout).toContain("built 1, up to date 0, cut off 0, failed 2, blocked 1");
    expect
      .soft(r.stderr)
      .toMatch(
        new RegExp(
          String.raw`FAILED bad \(build \d+\): report\/summary: run: if .* failed \(exit status 3\)\n {2}log: ` +
            way.jobLog("report-summary").source,
        ),
      );
    expect.soft(r.stderr).toMatch(/FAILED slow \(build \d+\): soak\/wait: run: sleep 30 timed out after 1 s/);
    expect.soft(r.stderr).toMatch(/blocked after: needs bad, which cannot build/);
  }, 180_000);

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
    const w = await onSet(way, set);
    const r = await w.kiln(["build"]);
    expect.soft(r.stdout).toContain("built 1, up to date 0, cut off 0, failed 1, blocked 0");
    expect
      .soft(r.stderr)
      .toMatch(
        /FAILED linted \(build \d+\): rpmlint found \d+ error\(s\) \(build\.rpmlint: errors in kiln\.yaml\)/,
      );
    const where = /FAILED linted[^\n]*\n {2}log: (.+)/.exec(r.stderr);
    expect(where, r.stderr).not.toBeNull();
    expect(await w.readLog(where![1]!)).toMatch(/linted\.noarch: E: no-changelogname-tag/);
    // The step the package added comes after check, so it did not run; what the build left is
    // uploaded all the same.
    expect(await lastBuildSteps(w.dbUrl, "linted")).toMatchObject([
      { name: "sources", status: "ok" },
      { name: "build-dependencies", status: "ok" },
      { name: "rpmbuild", status: "ok" },
      { name: "check", status: "failed" },
      { name: "list", status: "skipped" },
      { name: "upload", status: "ok" },
    ]);
  }, 180_000);
});
