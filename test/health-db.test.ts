// The health checks' records on both engines: each check's state and since when, an event per
// change of state only, and checks of a round's scope that it no longer gives dropped.
import { describe, expect, test } from "vitest";
import type { CheckResult } from "../src/core/health.js";
import type { Db } from "../src/db/connect.js";
import { agentRefusal, healthChecks, healthEvents, recordChecks } from "../src/db/health.js";
import { backends, databaseForSuite } from "./kit/index.js";

const at = (s: number) => new Date(Date.UTC(2026, 1, 1, 0, 0, s));
const disk = (state: CheckResult["state"], free: string): CheckResult => ({
  key: "agent:a1:disk",
  subject: "agent a1",
  state,
  sentence: `agent a1's work directory has ${free} free`,
});
const silent = (name: string): CheckResult => ({
  key: `agent:${name}:silent`,
  subject: `agent ${name}`,
  state: "ok",
  sentence: `agent ${name} was heard from`,
});
const own = (k: string) => k === "agent:a1:disk";

describe.each(backends)("health records on %s", (kind) => {
  let d: Db;
  databaseForSuite(kind, (opened) => (d = opened));

  test("a state, since when, its changes, and refusal while an agent's disk fails", async () => {
    expect(await recordChecks(d.db, [disk("ok", "9 GiB")], at(0), own)).toHaveLength(1);
    expect(await recordChecks(d.db, [disk("ok", "8 GiB")], at(1), own)).toEqual([]);
    expect(await agentRefusal(d.db, "a1")).toBeUndefined();
    expect(await recordChecks(d.db, [disk("failing", "10 MiB")], at(2), own)).toEqual([
      disk("failing", "10 MiB"),
    ]);
    expect(await agentRefusal(d.db, "a1")).toBe("agent a1's work directory has 10 MiB free");
    await recordChecks(d.db, [disk("failing", "9 MiB")], at(3), own);
    expect(await healthChecks(d.db)).toEqual([
      {
        key: "agent:a1:disk",
        subject: "agent a1",
        state: "failing",
        sentence: "agent a1's work directory has 9 MiB free",
        since: at(2).toISOString(),
        checked_at: at(3).toISOString(),
      },
    ]);
    await recordChecks(d.db, [disk("ok", "9 GiB")], at(4), own);
    expect(await agentRefusal(d.db, "a1")).toBeUndefined();
    const events = await healthEvents(d.db, 10, "agent:a1:disk");
    expect(events.map((e) => [e.state, e.at])).toEqual([
      ["ok", at(4).toISOString()],
      ["failing", at(2).toISOString()],
      ["ok", at(0).toISOString()],
    ]);
  });

  test("a round drops the checks of its scope it no longer gives, and leaves the others", async () => {
    const scope = (k: string) => k.endsWith(":silent");
    await recordChecks(d.db, [silent("x"), silent("y")], at(10), scope);
    await recordChecks(d.db, [silent("x")], at(11), scope);
    expect((await healthChecks(d.db)).map((c) => c.key)).toEqual(["agent:a1:disk", "agent:x:silent"]);
  });
});
