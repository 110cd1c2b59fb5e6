import { describe, expect, it } from "vitest";
import {
  checkPipeline,
  DEFAULT_PIPELINE_INPUT,
  normalizePipeline,
  normalizeStep,
  PipelineError,
  resolvePackagePipeline,
  type PipelineInput,
} from "./pipeline.js";

const withTests: PipelineInput = {
  stages: [
    DEFAULT_PIPELINE_INPUT.stages[0]!,
    {
      name: "test",
      jobs: [
        { name: "smoke", steps: [{ run: "./smoke.sh", timeout: 60, env: { MODE: "quick" } }] },
        {
          name: "lint",
          steps: ["sources", { run: "shellcheck *.sh", name: "shellcheck" }],
          artifacts: ["report.txt"],
        },
      ],
    },
    { name: "release", approval: "manual", jobs: [{ name: "publish", steps: ["publish"] }] },
  ],
};

describe("steps", () => {
  it("built-in by name, with options, and run steps named by their command", () => {
    expect(normalizeStep("rpmbuild")).toEqual({
      kind: "rpmbuild",
      name: "rpmbuild",
      timeoutSec: 14400,
      env: {},
    });
    expect(normalizeStep({ rpmbuild: { timeout: 60, env: { CFLAGS: "-O0" } } })).toEqual({
      kind: "rpmbuild",
      name: "rpmbuild",
      timeoutSec: 60,
      env: { CFLAGS: "-O0" },
    });
    expect(normalizeStep({ run: "make test\nmake check" })).toMatchObject({
      kind: "run",
      name: "run: make test",
      command: "make test\nmake check",
      timeoutSec: 3600,
    });
    expect(normalizeStep({ run: "x".repeat(80) }).name).toBe(`run: ${"x".repeat(39)}…`);
    expect(normalizeStep({ run: "true", name: "nothing" }).name).toBe("nothing");
  });
});

describe("checking a pipeline", () => {
  it("the default and a pipeline with parallel test jobs and an approval are fine", () => {
    expect(checkPipeline(DEFAULT_PIPELINE_INPUT)).toBeUndefined();
    expect(checkPipeline(withTests)).toBeUndefined();
    const p = normalizePipeline(withTests);
    expect(p.stages[0]!.jobs[0]!.steps.map((x) => x.kind)).toContain("rpmbuild");
    expect(p.stages[2]!.jobs[0]!.steps.map((x) => x.kind)).toEqual(["publish"]);
    expect(p.stages[2]!.approval).toBe("manual");
    expect(p.stages[1]!.jobs[1]!.artifacts).toEqual(["report.txt"]);
  });

  const broken = (f: (p: PipelineInput) => void): ReturnType<typeof checkPipeline> => {
    const p = structuredClone(withTests);
    f(p);
    return checkPipeline(p);
  };

  it.each<[string, (p: PipelineInput) => void, (string | number)[], RegExp]>([
    [
      "two stages of one name",
      (p) => (p.stages[1]!.name = "build"),
      ["stages", 1, "name"],
      /a second stage named "build"/,
    ],
    [
      "two jobs of one name in a stage",
      (p) => (p.stages[1]!.jobs[1]!.name = "smoke"),
      ["stages", 1, "jobs", 1, "name"],
      /a second job named "smoke" in stage "test"/,
    ],
    [
      "rpmbuild twice",
      (p) => p.stages[1]!.jobs[0]!.steps.push("sources", "build-dependencies", "rpmbuild"),
      ["stages", 1, "jobs", 0, "steps", 3],
      /rpmbuild runs once per pipeline; it is already in build\/rpm/,
    ],
    [
      "rpmbuild without its sources",
      (p) => p.stages[0]!.jobs[0]!.steps.shift(),
      ["stages", 0, "jobs", 0, "steps", 1],
      /rpmbuild needs the sources step before it/,
    ],
    [
      "check before rpmbuild",
      (p) => (p.stages[0]!.jobs[0]!.steps = ["sources", "build-dependencies", "check", "rpmbuild"]),
      ["stages", 0, "jobs", 0, "steps", 2],
      /check looks at what rpmbuild made/,
    ],
    [
      "check in another job",
      (p) => p.stages[1]!.jobs[0]!.steps.push("check"),
      ["stages", 1, "jobs", 0, "steps", 1],
      /put it after rpmbuild, in the same job/,
    ],
    [
      "publish with other steps",
      (p) => p.stages[2]!.jobs[0]!.steps.push({ run: "true" }),
      ["stages", 2, "jobs", 0, "steps", 0],
      /publish runs on the server: it is the only step of its job/,
    ],
    [
      "publish before the build",
      (p) => p.stages.unshift({ name: "early", jobs: [{ name: "p", steps: ["publish"] }] }),
      ["stages", 3, "jobs", 0, "steps", 0],
      /publish runs once per pipeline/,
    ],
    [
      "publish in the build's stage",
      (p) => {
        p.stages[0]!.jobs.push({ name: "p", steps: ["publish"] });
        p.stages.pop();
      },
      ["stages", 0, "jobs", 1, "steps", 0],
      /publish must come in a stage after the one that runs rpmbuild \("build"\)/,
    ],
    [
      "another job beside publish",
      (p) => p.stages[2]!.jobs.push({ name: "mail", steps: [{ run: "true" }] }),
      ["stages", 2, "jobs", 1, "name"],
      /publish ends the pipeline alone: move job "mail" to an earlier stage/,
    ],
    [
      "a stage after publish",
      (p) => p.stages.push({ name: "notify", jobs: [{ name: "mail", steps: [{ run: "true" }] }] }),
      ["stages", 3, "name"],
      /publish ends the pipeline: stage "notify" comes after it/,
    ],
    ["no rpmbuild", (p) => (p.stages[0]!.jobs[0]!.steps = ["sources"]), ["stages"], /no job runs rpmbuild/],
    ["no publish", (p) => p.stages.pop(), ["stages"], /no job publishes/],
    [
      "a zero timeout",
      (p) => (p.stages[1]!.jobs[0]!.steps = [{ run: "x", timeout: 0 }]),
      ["stages", 1, "jobs", 0, "steps", 0],
      /a timeout is a number of seconds above 0/,
    ],
  ])("%s", (_what, f, path, message) => {
    const problem = broken(f);
    expect(problem?.path).toEqual(path);
    expect(problem?.message).toMatch(message);
  });
});

describe("a package's own pipeline", () => {
  it("none: the set's; stages of its own: those replace the set's", () => {
    expect(resolvePackagePipeline(withTests, undefined)).toBe(withTests);
    expect(resolvePackagePipeline(withTests, DEFAULT_PIPELINE_INPUT)).toBe(DEFAULT_PIPELINE_INPUT);
  });

  it("extends the set's: stages inserted before and after, steps added to a job; the set's is unchanged", () => {
    const before = structuredClone(withTests);
    const p = resolvePackagePipeline(withTests, {
      extends: "set",
      insert: [
        {
          after: "build",
          stages: [{ name: "abi", jobs: [{ name: "abidiff", steps: [{ run: "abidiff" }] }] }],
        },
        {
          before: "release",
          stages: [{ name: "soak", jobs: [{ name: "wait", steps: [{ run: "sleep 1" }] }] }],
        },
      ],
      add: [{ job: "build/rpm", steps: [{ run: "ls $KILN_RPMS" }] }],
    });
    expect(p.stages.map((s) => s.name)).toEqual(["build", "abi", "test", "soak", "release"]);
    expect(p.stages[0]!.jobs[0]!.steps).toEqual([
      "sources",
      "build-dependencies",
      "rpmbuild",
      "check",
      { run: "ls $KILN_RPMS" },
    ]);
    expect(withTests).toEqual(before);
    expect(checkPipeline(p)).toBeUndefined();
  });

  it("a reference to a stage or job the set's pipeline lacks names it, and where", () => {
    const at = (own: Parameters<typeof resolvePackagePipeline>[1]): PipelineError => {
      try {
        resolvePackagePipeline(withTests, own);
      } catch (e) {
        if (e instanceof PipelineError) return e;
      }
      throw new Error("expected a PipelineError");
    };
    const stage = at({ extends: "set", insert: [{ after: "tests", stages: [] }] });
    expect(stage.problem).toEqual({
      path: ["pipeline", "insert", 0, "after"],
      message: 'no stage named "tests" in the set\'s pipeline (it has build, test, release)',
    });
    const job = at({ extends: "set", add: [{ job: "build/srpm", steps: [] }] });
    expect(job.problem.path).toEqual(["pipeline", "add", 0, "job"]);
    expect(job.problem.message).toMatch(
      /no job "build\/srpm" in the set's pipeline \(name it "stage\/job": build\/rpm, test\/smoke, test\/lint, release\/publish\)/,
    );
  });
});
