import { describe, expect, it } from "vitest";
import { DEFAULT_PIPELINE_INPUT, normalizePipeline, type PipelineInput } from "../core/pipeline.js";
import { pipelineJobs, type PipelineJobsInput } from "./pipeline-jobs.js";

const def = normalizePipeline(DEFAULT_PIPELINE_INPUT);
const tested = normalizePipeline({
  stages: [
    DEFAULT_PIPELINE_INPUT.stages[0]!,
    {
      name: "test",
      jobs: [
        { name: "a", steps: [{ run: "true" }], labels: { gpu: "yes" } },
        { name: "b", steps: [{ run: "true" }] },
      ],
    },
    { name: "release", approval: "manual", jobs: [{ name: "publish", steps: ["publish"] }] },
  ],
} satisfies PipelineInput);

function input(o: Partial<PipelineJobsInput> = {}): PipelineJobsInput {
  return {
    plan: {
      names: ["lib", "app", "old", "broken", "after"],
      state: new Map([
        ["lib", "pending"],
        ["app", "pending"],
        ["old", "up-to-date"],
        ["broken", "invalid"],
        ["after", "blocked"],
      ]),
      reason: new Map([
        ["lib", "spec changed"],
        ["app", "lib is being rebuilt"],
      ]),
      blockedBy: new Map([["after", ["broken"]]]),
    },
    pipelineOf: (p) => (p === "app" ? tested : def),
    order: new Map([
      ["app", new Set(["lib", "old", "other"])],
      ["after", new Set(["broken"])],
    ]),
    building: new Set(["lib", "app"]),
    active: new Map([["other", { id: 99 }]]),
    chain: new Map([
      ["lib", 3000],
      ["app", 1000],
    ]),
    errors: new Map([["broken", ["packages/broken/broken.spec:3: bad"]]]),
    labels: { arch: "x86_64", os: "linux" },
    ...o,
  };
}

describe("a request's queue jobs", () => {
  const jobs = pipelineJobs(input());
  const byKey = new Map(jobs.map((j) => [j.key, j]));

  it("one job per pipeline job of each package to build; none for what is up to date", () => {
    expect(jobs.map((j) => `${j.key} ${j.stageName}/${j.name} ${j.runsOn}`)).toEqual([
      "lib/0/0 build/rpm agent",
      "lib/1/0 publish/publish server",
      "app/0/0 build/rpm agent",
      "app/1/0 test/a agent",
      "app/1/1 test/b agent",
      "app/2/0 release/publish server",
      "broken/0/0 build/rpm agent",
      "broken/1/0 publish/publish server",
      "after/0/0 build/rpm agent",
      "after/1/0 publish/publish server",
    ]);
  });

  it("the first stage waits for what the package needs to be published, here or in an earlier request", () => {
    expect(byKey.get("app/0/0")).toMatchObject({ needs: ["lib/1/0"], needsJobs: [99] });
    expect(byKey.get("lib/0/0")).toMatchObject({ needs: [], needsJobs: [] });
  });

  it("each later stage waits for the whole stage before it; approvals and labels come with the stage and job", () => {
    expect(byKey.get("app/1/1")!.needs).toEqual(["app/0/0"]);
    expect(byKey.get("app/2/0")!.needs).toEqual(["app/1/0", "app/1/1"]);
    expect(byKey.get("app/2/0")!.approval).toBe("manual");
    expect(byKey.get("app/1/0")!.labels).toEqual({ arch: "x86_64", os: "linux", gpu: "yes" });
    expect(byKey.get("app/1/0")!.priority).toBe(1000);
    expect(byKey.get("app/1/0")!.reason).toBe("lib is being rebuilt");
    expect(JSON.parse(byKey.get("app/1/0")!.definition!)).toMatchObject({
      name: "a",
      steps: [{ kind: "run" }],
    });
  });

  it("a package that cannot build has its jobs ended already, with why, waiting for nothing", () => {
    expect(byKey.get("broken/0/0")).toMatchObject({
      final: { status: "invalid", error: "packages/broken/broken.spec:3: bad" },
      needs: [],
      priority: 0,
    });
    expect(byKey.get("after/1/0")!.final).toEqual({
      status: "blocked",
      error: "needs broken, which cannot build",
    });
  });

  it("a package under way in an earlier request is not built again here", () => {
    const again = pipelineJobs(input({ building: new Set(["app"]), active: new Map([["lib", { id: 7 }]]) }));
    expect(again.some((j) => j.package === "lib")).toBe(false);
    expect(again.find((j) => j.key === "app/0/0")).toMatchObject({ needs: [], needsJobs: [7] });
  });
});
