// The real reader (python3-rpm) on specs that misbehave: each is reported on its own and the
// specs after it are read.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readSpecs } from "./spec-reader.js";

const set = mkdtempSync(join(tmpdir(), "kiln-spec-reader-"));
afterAll(() => rmSync(set, { recursive: true, force: true }));

function spec(name: string, body: string): string {
  mkdirSync(join(set, "packages", name), { recursive: true });
  writeFileSync(
    join(set, "packages", name, `${name}.spec`),
    `Name: ${name}\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\n${body}\n%description\nx\n`,
  );
  return `packages/${name}/${name}.spec`;
}

const ok = spec("ok", "");
const opts = { baseDir: set, defines: { dist: ".t" }, sandbox: false };

describe("readSpecs", () => {
  it("fails a spec that allocates more than the reader's memory limit, not the machine", async () => {
    // 250 MB in one Lua string, against a 300 MiB limit (python and librpm take about 200 MiB of it).
    const bomb = spec("bomb", '%{lua: local s = string.rep("x", 250000000)}');
    const [b, after] = await readSpecs([bomb, ok], { ...opts, maxMemoryBytes: 300 * 1024 * 1024 });
    expect(b!.ok).toBe(false);
    expect(b!.messages).toContain("not enough memory");
    expect(after!.ok).toBe(true);
    // Without the limit the same spec reads (so the failure above is the limit's).
    const [free] = await readSpecs([bomb], opts);
    expect(free!.ok).toBe(true);
  });

  it("cuts rpm's messages for one spec at 64 KiB", async () => {
    const noisy = spec("noisy", "%(for i in $(seq 1 20000); do echo warning: noise line $i >&2; done)");
    const [n] = await readSpecs([noisy], opts);
    expect(n!.messages.length).toBeLessThan(65 * 1024);
    expect(n!.messages).toMatch(/\[rpm's messages for this spec were cut at 64 KiB of \d+ bytes\]/);
  });

  it("stops a spec that hangs at the time limit and reads the rest", async () => {
    const hang = spec("hang", "%global x %(sleep 1000)");
    const started = performance.now();
    const r = await readSpecs([ok, hang, ok.replace("ok", "ok")], { ...opts, timeoutMs: 1000 });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(r.map((x) => [x.ok, x.failure?.code])).toEqual([
      [true, undefined],
      [false, "SPEC_TIMEOUT"],
      [true, undefined],
    ]);
  });

  it("cannot read the list of specs or write results for the others", async () => {
    // A spec that drains the reader's stdin and writes a forged result to each descriptor it can
    // reach of the reader's; the Node side takes only results in the order it asked for them.
    const forged = `{"file": "packages/ok/ok.spec", "ok": false, "messages": "forged"}`;
    const sneaky = spec(
      "sneaky",
      `%global x %(cat /proc/$PPID/fd/0 >/dev/null 2>&1; for f in /proc/$PPID/fd/*; do echo '${forged}' > $f; done 2>/dev/null; echo done)`,
    );
    const r = await readSpecs([sneaky, ok], { ...opts, timeoutMs: 5000 });
    expect(r.map((x) => x.file)).toEqual([sneaky, ok]);
    expect(r[0]!.ok || r[0]!.failure?.code === "SPEC_READER_STOPPED").toBe(true);
    expect([r[1]!.ok, r[1]!.messages]).toEqual([true, ""]);
  });

  it("runs no more reader processes at once than there are cores, however many loads ask", async () => {
    const hang = spec("slow", "%global x %(sleep 1.5)");
    // A tag of these readers' own in their command line, so that other tests' readers are not counted.
    const tag = `.slots${process.pid}`;
    const loads = availableParallelism() + 1;
    let most = 0;
    const sample = setInterval(() => {
      const ps = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" });
      const n = ps.split("\n").filter((l) => l.includes("spec-reader.py") && l.includes(tag)).length;
      most = Math.max(most, n);
    }, 100);
    try {
      const all = await Promise.all(
        Array.from({ length: loads }, () => readSpecs([hang], { ...opts, defines: { dist: tag } })),
      );
      expect(all.flat().every((r) => r.ok)).toBe(true);
    } finally {
      clearInterval(sample);
    }
    expect(most).toBe(availableParallelism());
  });
});
