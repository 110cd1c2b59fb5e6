// The reader's watcher, driven by small stand-in readers (python scripts that follow the reader's
// protocol and misbehave on cue), so that each way a spec can stop a reader is tested on its own.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { readWithRestarts, type ReaderCommand } from "./spec-reader-run.js";

// A reader that answers each path at once, except: "sleep" hangs (in a child, as %(sleep) would),
// "big" prints a line longer than any cap, "crash" exits, "forge" claims another spec's result,
// and "bg" leaves a background process behind that would hold the group.
const FAKE = String.raw`
import json, os, subprocess, sys, time
paths = [l.strip() for l in sys.stdin if l.strip()]
out = sys.stdout
out.write('{"ready": true}\n'); out.flush()
for p in paths:
    if p.startswith("sleep"):
        subprocess.run(["sleep", "1000"])
    elif p.startswith("big"):
        out.write('{"file": "%s", "ok": true, "messages": "' % p + "x" * 3000000); out.flush()
        time.sleep(1000)
    elif p.startswith("crash"):
        os._exit(3)
    elif p.startswith("forge"):
        out.write(json.dumps({"file": "other", "ok": True, "messages": ""}) + "\n"); out.flush()
        time.sleep(1000)
    elif p.startswith("bg"):
        subprocess.Popen(["sleep", "1001"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out.write(json.dumps({"file": p, "ok": True, "messages": ""}) + "\n"); out.flush()
`;

const command: ReaderCommand = {
  argv: ["/usr/bin/python3", "-c", FAKE],
  cwd: "/",
  env: { PATH: "/usr/bin:/bin" },
};
const limits = { timeoutMs: 1000, maxSpecOutputBytes: 1024 * 1024 };

const leftovers = (pattern: string): string =>
  execFileSync("ps", ["-eo", "args"], { encoding: "utf8" })
    .split("\n")
    .filter((l) => l.startsWith(pattern))
    .join("\n");

describe("readWithRestarts", () => {
  it("reads every spec of a well-behaved batch, in order", async () => {
    const r = await readWithRestarts(["a", "b", "c"], command, limits);
    expect(r.map((x) => [x.file, x.ok])).toEqual([
      ["a", true],
      ["b", true],
      ["c", true],
    ]);
  });

  it.each([
    ["sleep1", "SPEC_TIMEOUT", "reading took longer than 1 s (--spec-timeout) and was stopped"],
    ["big1", "SPEC_TOO_LARGE", "reading printed more than 1 MiB for this spec and was stopped"],
    ["crash1", "SPEC_READER_STOPPED", "the spec reader stopped while reading this spec (exit status 3)"],
    ["forge1", "SPEC_READER_STOPPED", "the spec reader printed something that is not a result"],
  ])("reports %s alone (%s) and reads the specs after it", async (bad, code, message) => {
    const started = performance.now();
    const r = await readWithRestarts(["a", bad, "b", "c"], command, limits);
    expect(r.map((x) => x.file)).toEqual(["a", bad, "b", "c"]);
    expect(r.map((x) => x.ok)).toEqual([true, false, true, true]);
    expect(r[1]!.failure).toEqual({ code, message });
    expect(r.filter((x) => x.failure)).toHaveLength(1);
    // One timeout at most, not one per remaining spec.
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("kills what the reader started: no sleep outlives its batch", async () => {
    await readWithRestarts(["sleep2", "bg1"], command, limits);
    await new Promise((r) => setTimeout(r, 200));
    expect(leftovers("sleep 1000")).toBe("");
    expect(leftovers("sleep 1001")).toBe("");
  });

  it("times each spec from the end of the one before: many quick specs never add up to a timeout", async () => {
    const files = Array.from({ length: 50 }, (_, i) => `ok${i}`);
    const r = await readWithRestarts(files, command, { ...limits, timeoutMs: 300 });
    expect(r.every((x) => x.ok)).toBe(true);
  });

  it("says so when the reader cannot start at all, rather than failing each spec", async () => {
    await expect(
      readWithRestarts(
        ["a", "b"],
        { ...command, argv: ["/usr/bin/python3", "-c", "import sys; sys.exit(4)"] },
        limits,
      ),
    ).rejects.toThrow(/did not start \(exit status 4\)/);
  });
});
