import { describe, expect, it } from "vitest";
import {
  bytesInWords,
  changedStates,
  databaseCheck,
  DEFAULT_DISK_LIMITS,
  diskCheck,
  eventLoopCheck,
  queueChecks,
  silenceCheck,
  worst,
  type DiskReport,
} from "./health.js";

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const disk = (free: number, inodes = 1e6): DiskReport => ({
  path: "/var/lib/kiln",
  freeBytes: free,
  totalBytes: 100 * GiB,
  freeInodes: inodes,
  totalInodes: 2e6,
});
const check = (d: DiskReport) =>
  diskCheck("server:disk", "the server", "the data directory", d, DEFAULT_DISK_LIMITS, "uploads fail");

describe("health checks", () => {
  it("disk: ok, warning below 5 GiB or 5 %, failing below 1 GiB, with the figures and what to do", () => {
    expect(check(disk(50 * GiB))).toMatchObject({
      state: "ok",
      sentence:
        "the data directory /var/lib/kiln has 50 GiB free of 100 GiB and 1000000 free inodes of 2000000",
    });
    expect(check(disk(4.5 * GiB))).toMatchObject({
      state: "warning",
      sentence: expect.stringMatching(
        /^the data directory \/var\/lib\/kiln has 4\.5 GiB free of 100 GiB, below the warning level of 5\.0 GiB or 5%: free space there before it reaches 1\.0 GiB, when uploads fail$/,
      ),
    });
    expect(check(disk(300 * MiB))).toMatchObject({
      state: "failing",
      sentence: expect.stringMatching(
        /has 300 MiB free of 100 GiB, below the hard limit of 1\.0 GiB: uploads fail; free space there/,
      ),
    });
    expect(check(disk(50 * GiB, 5000))).toMatchObject({
      state: "failing",
      sentence: expect.stringMatching(
        /has 5000 free inodes of 2000000, below the hard limit of 10000: uploads fail/,
      ),
    });
    expect(check(disk(50 * GiB, 20_000)).state).toBe("warning");
    // A file system that counts no inodes (0 of 0) is judged by its bytes alone.
    expect(check({ ...disk(50 * GiB), freeInodes: 0, totalInodes: 0 })).toMatchObject({
      state: "ok",
      sentence: "the data directory /var/lib/kiln has 50 GiB free of 100 GiB",
    });
  });

  it("silence, the database, and what changed", () => {
    expect(silenceCheck("a1", 0, 200_000, 120_000)).toMatchObject({
      key: "agent:a1:silent",
      state: "warning",
      sentence: expect.stringMatching(
        /^agent a1 has not been heard from for 200 s: .*kiln agents disable a1/,
      ),
    });
    expect(silenceCheck("a1", 0, 5_000, 120_000).state).toBe("ok");
    expect(databaseCheck(3.2, undefined, 500)).toMatchObject({
      state: "ok",
      sentence: "the database answers in 3.2 ms",
    });
    expect(databaseCheck(900, undefined, 500).state).toBe("warning");
    expect(databaseCheck(undefined, "connection refused", 500)).toMatchObject({
      state: "failing",
      sentence: expect.stringContaining("connection refused"),
    });
    const a = silenceCheck("a", 0, 1, 10);
    const b = { ...silenceCheck("b", 0, 100, 10) };
    expect(changedStates(new Map([["agent:a:silent", "ok"]]), [a, b]).map((c) => c.key)).toEqual([
      "agent:b:silent",
    ]);
    expect(worst(["ok", "warning", "ok"])).toBe("warning");
    expect(worst(["warning", "failing"])).toBe("failing");
    expect(worst([])).toBe("ok");
    expect([bytesInWords(512), bytesInWords(1536), bytesInWords(15 * MiB)]).toEqual([
      "512 bytes",
      "1.5 KiB",
      "15 MiB",
    ]);
  });

  it("the queue: stalled only while an agent that would take the job has a free slot", () => {
    const x86 = { arch: "x86_64", os: "linux" };
    const ready = [{ id: 7, package: "a", labels: x86, readySinceMs: 0 }];
    const agent = { name: "a1", labels: x86, slots: 1, running: 0, online: true, enabled: true };
    const [stall, labels] = queueChecks(ready, [agent], 400_000, 300_000);
    expect(stall).toMatchObject({
      state: "failing",
      sentence: expect.stringMatching(
        /^the queue is not moving: 1 job\(s\) ready for more than 300 s \(the oldest: a, job 7, 400 s\) while a1 \(0\/1\) could take it/,
      ),
    });
    expect(labels!.state).toBe("ok");
    // Not yet long enough; the agent busy, offline, or refusing (its disk): no stall.
    expect(queueChecks(ready, [agent], 200_000, 300_000)[0]!.state).toBe("ok");
    for (const a of [{ running: 1 }, { online: false }, { refusal: "disk full" }])
      expect(queueChecks(ready, [{ ...agent, ...a }], 400_000, 300_000)[0]!.state).toBe("ok");
    // Labels nobody enabled has: a warning, and no stall.
    const riscv = [{ ...ready[0]!, labels: { arch: "riscv64" } }];
    const [s2, l2] = queueChecks(
      riscv,
      [agent, { ...agent, name: "off", labels: { arch: "riscv64" }, enabled: false, online: false }],
      400_000,
      300_000,
    );
    expect([s2!.state, l2!.state]).toEqual(["ok", "warning"]);
    expect(l2!.sentence).toMatch(/\(a: arch=riscv64\)/);
    expect(eventLoopCheck(800, 500).state).toBe("warning");
    expect(eventLoopCheck(12, 500)).toMatchObject({
      state: "ok",
      sentence: expect.stringContaining("12.0 ms"),
    });
  });
});
