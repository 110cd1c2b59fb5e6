import { describe, expect, it } from "vitest";
import { hostLabels, labelsMatch, parseLabel } from "./labels.js";
import { whyWaiting, type AgentState, type WaitingJob } from "./why-waiting.js";

const x86 = { arch: "x86_64", os: "linux" };
const job = (over: Partial<WaitingJob> = {}): WaitingJob => ({
  package: "hello",
  status: "queued",
  labels: x86,
  deps: [],
  ...over,
});
const agent = (over: Partial<AgentState> = {}): AgentState => ({
  name: "a1",
  labels: x86,
  slots: 1,
  running: 0,
  online: true,
  ...over,
});

describe("labels", () => {
  it("parses K=V and refuses anything else", () => {
    expect(parseLabel("arch=x86_64")).toEqual(["arch", "x86_64"]);
    expect(parseLabel("arch")).toBeUndefined();
    expect(parseLabel("=x")).toBeUndefined();
    expect(parseLabel("a=b=c")).toBeUndefined();
  });
  it("an agent matches when it has every wanted label", () => {
    expect(labelsMatch({ ...x86, gpu: "yes" }, x86)).toBe(true);
    expect(labelsMatch({ arch: "aarch64", os: "linux" }, x86)).toBe(false);
    expect(labelsMatch({ arch: "x86_64" }, x86)).toBe(false);
    expect(labelsMatch({}, {})).toBe(true);
  });
  it("names the machine's architecture as rpm does", () => {
    expect(hostLabels("x64", "linux")).toEqual(x86);
    expect(hostLabels("arm64", "linux")).toEqual({ arch: "aarch64", os: "linux" });
  });
});

describe("why a job waits", () => {
  it("says when no online agent's sandbox policy lets it take the job", () => {
    const strict = agent({ sandbox: { policy: "required", available: true } });
    expect(whyWaiting(job({ sandbox: "off" }), [strict])).toBe(
      "ready, but it runs without the sandbox and no online agent takes that (only agents started with --sandbox off do)",
    );
    const noBwrap = agent({ name: "a2", sandbox: { policy: "auto", available: false } });
    expect(whyWaiting(job({ sandbox: "required" }), [noBwrap])).toBe(
      "ready, but the sandbox is required and no online agent can run it in one (bubblewrap does not work on a2)",
    );
    // An agent that would take it is named; one that would not is left out.
    expect(whyWaiting(job({ sandbox: "required" }), [noBwrap, strict])).toBe(
      "ready: the next lease by a1 takes it",
    );
    const off = agent({ name: "a3", sandbox: { policy: "off", available: true } });
    expect(whyWaiting(job({ sandbox: "off" }), [strict, off])).toBe("ready: the next lease by a3 takes it");
    // Before an agent's first lease its policy is unknown: it is counted as willing.
    expect(whyWaiting(job({ sandbox: "off" }), [agent()])).toBe("ready: the next lease by a1 takes it");
  });
  it("names the dependencies it waits for and where they are", () => {
    const j = job({
      deps: [
        { package: "libgreet", status: "leased", agent: "a2" },
        { package: "libupper", status: "queued" },
        { package: "greet-data", status: "green" },
      ],
    });
    expect(whyWaiting(j, [agent()])).toBe("waits for libgreet (building on a2), libupper (queued)");
  });
  it("names the label no online agent has", () => {
    expect(whyWaiting(job({ labels: { arch: "aarch64", os: "linux" } }), [agent()])).toBe(
      "ready, but no online agent has label arch=aarch64",
    );
    const split = [
      agent({ labels: { arch: "aarch64", os: "linux" } }),
      agent({ labels: { arch: "x86_64", os: "freebsd" } }),
    ];
    expect(whyWaiting(job(), split)).toBe("ready, but no online agent has all of arch=x86_64, os=linux");
  });
  it("says when every matching agent is busy, and how many go first", () => {
    const agents = [agent({ running: 1 }), agent({ name: "a2", slots: 2, running: 2 })];
    expect(whyWaiting(job(), agents)).toBe("ready; all 2 matching agents are busy (a1 1/1, a2 2/2)");
    expect(whyWaiting(job({ ahead: 3 }), agents)).toBe(
      "ready; all 2 matching agents are busy (a1 1/1, a2 2/2); 3 ready jobs go first",
    );
  });
  it("says why an agent that takes no jobs now (its disk nearly full) does not take it", () => {
    const full = agent({
      refusal: "agent a1's work directory /w has 9 MiB free of 64 MiB, below the hard limit",
    });
    expect(whyWaiting(job(), [full])).toBe(
      "ready, but no matching agent takes jobs now: agent a1's work directory /w has 9 MiB free of 64 MiB, below the hard limit",
    );
    // Another agent still takes it.
    expect(whyWaiting(job(), [full, agent({ name: "a2" })])).toBe("ready: the next lease by a2 takes it");
  });
  it("tells agents that are offline or missing apart", () => {
    expect(whyWaiting(job(), [])).toBe("ready, but no agent has enrolled");
    expect(whyWaiting(job(), [agent({ online: false })])).toMatch(/no agent is online \(1 enrolled/);
  });
  it("a ready job with an idle agent is next, unless longer chains go first", () => {
    expect(whyWaiting(job(), [agent()])).toBe("ready: the next lease by a1 takes it");
    expect(whyWaiting(job({ ahead: 1 }), [agent()])).toMatch(
      /1 ready job with a longer chain below goes first/,
    );
  });
  it("final and running states say what happened", () => {
    expect(whyWaiting(job({ status: "leased", agent: "a1" }), [])).toBe("building on agent a1");
    expect(whyWaiting(job({ status: "blocked", error: "libgreet failed" }), [])).toBe(
      "blocked: libgreet failed",
    );
  });
});

describe("why a pipeline job waits", () => {
  it("an earlier stage of its own package is named by stage and job; another package by name", () => {
    expect(
      whyWaiting(
        job({
          deps: [
            { package: "hello", status: "leased", agent: "a1", job: "test/smoke" },
            { package: "libgreet", status: "queued" },
          ],
        }),
        [agent()],
      ),
    ).toBe("waits for test/smoke (building on a1), libgreet (queued)");
  });

  it("a stage that needs approval says so, and how to give it, after what it still waits for", () => {
    const approvalOf = { stage: "release", job: 42 };
    expect(whyWaiting(job({ approvalOf }), [agent()])).toBe(
      "waits for approval of stage release (kiln approve 42)",
    );
    expect(
      whyWaiting(job({ approvalOf, deps: [{ package: "hello", status: "queued", job: "test/smoke" }] }), [
        agent(),
      ]),
    ).toBe("waits for test/smoke (queued), then for approval of stage release (kiln approve 42)");
  });

  it("the server's own jobs need no agent: ready, being published, a publication waited for", () => {
    expect(whyWaiting(job({ runsOnServer: true }), [])).toBe("ready: the server publishes it next");
    expect(whyWaiting(job({ runsOnServer: true, status: "leased" }), [])).toBe(
      "being published by the server",
    );
    expect(whyWaiting(job({ deps: [{ package: "libgreet", status: "leased" }] }), [agent()])).toBe(
      "waits for libgreet (being published)",
    );
    expect(whyWaiting(job({ status: "cut-off" }), [])).toBe(
      "built, with the same output as its published build: cut off, not published",
    );
  });
});
