import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CandidateRecorder,
  candidateLogPath,
  installLogPath,
  readCandidate,
} from "../src/updates/candidate-record.js";
import { tempDir } from "./kit/index.js";

describe("a candidate's record", () => {
  it("keeps each package's last state and says which builds have a log", async () => {
    const dir = tempDir("kiln-cand-");
    const r = new CandidateRecorder(dir);
    r.taken(["greet-data"]);
    r.onEvent({ type: "start", package: "libgreet", buildId: 3, reason: "its source changed" });
    r.onEvent({ type: "green", package: "libgreet", buildId: 3, ms: 812 });
    r.onEvent({ type: "start", package: "hello", buildId: 4, reason: "libgreet changed" });
    r.onEvent({ type: "failed", package: "hello", buildId: 4, error: "rpmbuild exited with 1" });
    r.onEvent({ type: "up-to-date", package: "libframe" });
    await r.done();
    const log = candidateLogPath(dir, 3);
    mkdirSync(dirname(log), { recursive: true });
    writeFileSync(log, "built libgreet\n");
    const c = await readCandidate(dir);
    expect(c.taken).toEqual(["greet-data"]);
    expect(c.installLog).toBe(false);
    expect(c.builds).toEqual([
      { package: "libgreet", state: "green", build: 3, ms: 812, note: "its source changed", log: true },
      { package: "hello", state: "failed", build: 4, ms: null, note: "rpmbuild exited with 1", log: false },
      { package: "libframe", state: "up-to-date", build: null, ms: null, note: null, log: false },
    ]);
    await r.reset();
    expect(await readCandidate(dir)).toEqual({ builds: [], taken: [], installLog: false });
  });

  it("follows no link put where the record is, and shows nothing for a damaged one", async () => {
    const dir = tempDir("kiln-cand-");
    const elsewhere = join(tempDir("kiln-cand-other-"), "record.json");
    writeFileSync(
      elsewhere,
      JSON.stringify({ builds: [{ package: "x", state: "green", build: 1, ms: 1, note: null }], taken: [] }),
    );
    symlinkSync(elsewhere, join(dir, "candidate.json"));
    expect((await readCandidate(dir)).builds).toEqual([]);
    const broken = tempDir("kiln-cand-");
    writeFileSync(join(broken, "candidate.json"), "{ not json");
    writeFileSync(installLogPath(broken), "dnf said\n");
    expect(await readCandidate(broken)).toEqual({ builds: [], taken: [], installLog: true });
    expect(readFileSync(elsewhere, "utf8")).toContain('"x"');
  });
});
