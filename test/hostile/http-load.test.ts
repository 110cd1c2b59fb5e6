// Attacks on the farm's HTTP server that try to hold it or make it grow: followers that never read
// a big log, clients that send their headers a byte at a time; and secrets on disk left readable.
import { chmodSync, readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BuildView } from "../../src/api/schemas.js";
import {
  api,
  BuildList,
  KILN_YAML,
  makeSet,
  noarchSpec,
  readyAgent,
  startServer,
  tempDir,
} from "../kit/index.js";
import { modes } from "./http-helpers.js";

const rssMiB = (pid: number): number =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

/** A spec whose build writes `mb` MB of log, half, a pause, then the other half. */
function chattySpec(mb: number): string {
  const half = Math.round((mb * 1e6) / 2);
  return noarchSpec("chatty").replace(
    "%install",
    `%build\nhead -c ${half} /dev/zero | tr '\\0' x | fold -w 99\nsleep 3\nhead -c ${half} /dev/zero | tr '\\0' y | fold -w 99\n\n%install`,
  );
}

function follower(url: string, path: string): Socket {
  const { hostname, port } = new URL(url);
  const s = connect(Number(port), hostname);
  s.on("error", () => undefined);
  s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  // Never reads: what the server sends piles up in the kernel's buffers, then at the server.
  s.pause();
  return s;
}

describe("the HTTP server under load", () => {
  it("50 followers that never read a 80 MB log being written do not grow the server past 600 MiB", async () => {
    const set = makeSet({ "kiln.yaml": KILN_YAML, "packages/chatty/chatty.spec": chattySpec(80) });
    const server = await startServer({ set, data: tempDir("kiln-hostile-load-") });
    await readyAgent(server, "a1", { ready: /ready: 1 slot/ });
    const req = await api(server.url, "POST", "/requests", { token: server.admin, body: { packages: [] } });
    expect(req.status, JSON.stringify(req.body)).toBe(201);
    let build: number | undefined;
    for (let i = 0; i < 600 && build === undefined; i++) {
      const b = await api(server.url, "GET", "/builds?status=running", { schema: BuildList });
      build = b.body.builds[0]?.id;
      if (build === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    expect(build, "a build started").toBeDefined();
    const followers = Array.from({ length: 50 }, () =>
      follower(server.url, `/api/v1/builds/${build}/log?follow=1`),
    );
    const pid = server.child.pid!;
    const base = rssMiB(pid);
    let peak = base;
    const sample = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 100);
    let status = "running";
    for (let i = 0; i < 1200 && status === "running"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await api(server.url, "GET", `/builds/${build}`, { schema: BuildView })).body.status;
    }
    // The log is whole on the server, and the followers are still open (and still not reading).
    await new Promise((r) => setTimeout(r, 1000));
    clearInterval(sample);
    const log = await fetch(`${server.url}/api/v1/builds/${build}/log`).then((r) => r.text());
    expect(log.length).toBeGreaterThan(80e6);
    console.log(
      `server RSS: ${base.toFixed(0)} MiB before, peak ${peak.toFixed(0)} MiB with 50 idle followers`,
    );
    expect(peak).toBeLessThan(600);
    // The server still answers at once.
    const t0 = Date.now();
    expect((await api(server.url, "GET", "/agents")).status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(2000);
    for (const f of followers) f.destroy();
  }, 300_000);

  it("200 clients sending their headers a byte at a time are cut off and do not hold the server", async () => {
    const set = makeSet({ "kiln.yaml": KILN_YAML, "packages/a/a.spec": noarchSpec("a") });
    const server = await startServer({ set, data: tempDir("kiln-hostile-slow-") });
    const { hostname, port } = new URL(server.url);
    const closed: number[] = [];
    const t0 = Date.now();
    const slow = Array.from({ length: 200 }, () => {
      const s = connect(Number(port), hostname);
      s.on("error", () => undefined);
      s.on("close", () => closed.push(Date.now() - t0));
      s.write("GET /api/v1/agents HTTP/1.1\r\nHost: x\r\n");
      const drip = setInterval(() => s.writable && s.write("X-a: b\r\n"), 1000);
      s.on("close", () => clearInterval(drip));
      return s;
    });
    await new Promise((r) => setTimeout(r, 500));
    const t1 = Date.now();
    expect((await api(server.url, "GET", "/agents")).status).toBe(200);
    expect(Date.now() - t1).toBeLessThan(2000);
    // Headers must be complete within 10 s (checked every second).
    for (let i = 0; i < 150 && closed.length < slow.length; i++) await new Promise((r) => setTimeout(r, 100));
    expect(closed.length).toBe(200);
    expect(Math.max(...closed)).toBeLessThan(15_000);
    expect(Math.min(...closed)).toBeGreaterThan(9_000);
  }, 60_000);

  it("secrets on disk are owner-only, and made so again at every start", async () => {
    const set = makeSet({ "kiln.yaml": KILN_YAML, "packages/a/a.spec": noarchSpec("a") });
    const data = tempDir("kiln-hostile-modes-");
    const first = await startServer({ set, data });
    const want = {
      ".": "700",
      "kiln.db": "600",
      "admin.token": "600",
      "enrol.token": "600",
      "hook.secret": "600",
    };
    expect(modes(data)).toEqual(want);
    first.child.kill("SIGTERM");
    await first.exited;
    for (const f of ["kiln.db", "admin.token", "enrol.token", "hook.secret"]) chmodSync(join(data, f), 0o644);
    chmodSync(data, 0o755);
    const second = await startServer({ set, data });
    expect(modes(data)).toEqual(want);
    // The same secrets: nothing was made anew.
    expect(second.admin).toBe(first.admin);
    expect(second.hookSecret).toBe(first.hookSecret);
    expect(second.output()).toMatch(/^webhook secret: \S+hook\.secret$/m);
    second.child.kill("SIGTERM");
    await second.exited;
  }, 60_000);
});
