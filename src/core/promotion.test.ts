import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration, promotionRefusals, type PromotionFacts } from "./promotion.js";

const now = new Date("2026-12-01T12:00:00Z");
const facts = (o: Partial<PromotionFacts> = {}): PromotionFacts => ({
  package: "hello",
  build: { id: 7, status: "green", evr: "1.0-1", cutOff: false },
  from: "testing",
  to: "stable",
  inFromSince: new Date("2026-11-29T12:00:00Z"),
  now,
  stagesPassed: ["build", "test"],
  rules: {},
  ...o,
});

describe("promotion rules", () => {
  it("a green build in its repository, with no rules: may go", () => {
    expect(promotionRefusals(facts())).toEqual([]);
  });

  it("names every reason it may not, in words", () => {
    expect(
      promotionRefusals(
        facts({
          build: { id: 7, status: "failed", evr: "1.0-1", cutOff: false },
          inFromSince: undefined,
          rules: { from: ["qa"], requireStages: ["soak-test"] },
        }),
      ),
    ).toEqual([
      "hello 1.0-1 (build 7) is failed: only a green build is promoted",
      "hello 1.0-1 (build 7) is not in testing",
      "stable takes promotions only from qa, not from testing",
      "hello 1.0-1 (build 7) has not passed pipeline stage soak-test, which stable requires",
    ]);
  });

  it("soak: the time in the source repository against the rule", () => {
    expect(promotionRefusals(facts({ rules: { soakSeconds: 86400 } }))).toEqual([]);
    expect(promotionRefusals(facts({ rules: { soakSeconds: 7 * 86400 } }))).toEqual([
      "hello 1.0-1 (build 7) has been in testing for 2.0 days; stable wants 7.0 days (soak)",
    ]);
  });

  it("a cut-off build, the same repository, a build the target holds already", () => {
    expect(
      promotionRefusals(facts({ build: { id: 7, status: "green", evr: "1.0-1", cutOff: true } })),
    ).toEqual([
      "hello 1.0-1 (build 7) was cut off (its output equals an earlier build's): promote the build that was published",
    ]);
    expect(promotionRefusals(facts({ to: "testing" }))).toEqual([
      "hello 1.0-1 (build 7) would go from testing to itself",
    ]);
    expect(promotionRefusals(facts({ targetHolds: 7 }))).toEqual([
      "stable holds hello 1.0-1 (build 7) already",
    ]);
  });
});

describe("durations", () => {
  it("parses seconds and s, m, h, d", () => {
    expect(parseDuration(90)).toBe(90);
    expect(parseDuration("90")).toBe(90);
    expect(parseDuration("15m")).toBe(900);
    expect(parseDuration("24h")).toBe(86400);
    expect(parseDuration("1.5d")).toBe(129600);
    expect(parseDuration("a day")).toBeUndefined();
    expect(parseDuration(-1)).toBeUndefined();
  });
  it("says them the way people do", () => {
    expect(formatDuration(42)).toBe("42 s");
    expect(formatDuration(900)).toBe("15 min");
    expect(formatDuration(36000)).toBe("10.0 h");
    expect(formatDuration(3 * 86400)).toBe("3.0 days");
  });
});
