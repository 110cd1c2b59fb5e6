import { describe, expect, it } from "vitest";
import { heldByApproval, type HeldJob } from "./approval-hold.js";

const job = (id: number, pkg: string, status: string, awaitsApproval = false): HeldJob => ({
  id,
  package: pkg,
  status,
  awaitsApproval,
});

describe("heldByApproval", () => {
  it("names the packages that wait for approval once nothing else can move", () => {
    // one: build (1, green) → release (2, awaits approval) → publish (3); two's build (4) waits for 3.
    const jobs = [
      job(1, "one", "green"),
      job(2, "one", "queued", true),
      job(3, "one", "queued"),
      job(4, "two", "queued"),
    ];
    const deps = [
      { job: 2, dep: 1, depStatus: "green" },
      { job: 3, dep: 2, depStatus: "queued" },
      { job: 4, dep: 3, depStatus: "queued" },
    ];
    expect(heldByApproval(jobs, deps)).toEqual(["one"]);
  });

  it("is empty while a job is under way or another is ready", () => {
    const deps = [{ job: 3, dep: 2, depStatus: "queued" }];
    expect(
      heldByApproval([job(2, "one", "queued", true), job(3, "one", "queued"), job(5, "x", "leased")], deps),
    ).toEqual([]);
    expect(
      heldByApproval([job(2, "one", "queued", true), job(3, "one", "queued"), job(6, "y", "queued")], deps),
    ).toEqual([]);
  });

  it("is empty when a queued job waits for a job of another request that has not ended", () => {
    const jobs = [job(2, "one", "queued", true), job(7, "z", "queued")];
    expect(heldByApproval(jobs, [{ job: 7, dep: 99, depStatus: "leased" }])).toEqual([]);
  });

  it("names only the package whose approval is all it waits for, not those waiting for it", () => {
    // a's publish (2) waits for b's publish (1), both stages need approval.
    const jobs = [job(1, "b", "queued", true), job(2, "a", "queued", true)];
    expect(heldByApproval(jobs, [{ job: 2, dep: 1, depStatus: "queued" }])).toEqual(["b"]);
  });

  it("is empty when nothing waits for approval", () => {
    expect(heldByApproval([job(1, "a", "green")], [])).toEqual([]);
  });
});
