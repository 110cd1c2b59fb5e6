import { describe, expect, it } from "vitest";
import { decide, defaultPolicy, jobMode, stricter, type SandboxMode } from "./sandbox-policy.js";

describe("sandbox policy", () => {
  it.each<[SandboxMode, SandboxMode | undefined, SandboxMode]>([
    ["off", undefined, "off"],
    ["off", "auto", "auto"],
    ["off", "required", "required"],
    ["auto", "off", "auto"],
    ["required", "off", "required"],
    ["required", "auto", "required"],
    ["auto", "required", "required"],
  ])("a policy of %s with a set asking for %s runs jobs in %s", (policy, set, want) => {
    expect(jobMode(policy, set)).toBe(want);
    expect(stricter(policy, set)).toBe(want);
  });

  it("defaults to required where the sandbox works, else auto", () => {
    expect(defaultPolicy(true)).toBe("required");
    expect(defaultPolicy(false)).toBe("auto");
  });

  it.each<[SandboxMode, SandboxMode, boolean, string]>([
    ["required", "required", true, "sandboxed"],
    ["auto", "required", true, "sandboxed"],
    ["auto", "auto", true, "sandboxed"],
    ["required", "auto", false, "refuse"],
    ["auto", "required", false, "refuse"],
    ["auto", "auto", false, "unsandboxed"],
    ["off", "required", true, "refuse"],
    ["off", "auto", true, "refuse"],
    ["off", "off", true, "unsandboxed"],
    ["auto", "off", true, "sandboxed"],
    ["required", "off", false, "refuse"],
  ])("a job asking for %s on an agent with policy %s (sandbox works: %s): %s", (mode, policy, ok, want) => {
    const d = decide(mode, policy, ok, "no user namespaces");
    expect("refuse" in d ? "refuse" : d.run).toBe(want);
    if ("refuse" in d && !ok && mode !== "off") expect(d.refuse).toContain("no user namespaces");
    if ("run" in d && d.run === "unsandboxed") expect(d.note).toMatch(/^no sandbox: /);
  });
});
