// A server killed in the middle of an update thread's bump (its tarball download stalled) leaves
// the thread claimed; the next server on the same data directory takes it up again at once and
// bumps it from the start, with nothing of the first attempt left (no stray worktree). And the
// farm's watches answer `kiln watch --server`.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { ApiClient } from "../src/api/client.js";
import { UpdateList, type UpdateView } from "../src/api/watch-schemas.js";
import { startFakeUpstreams } from "./kit/fake-upstreams.js";
import { commit, copyExamples, editFile, git, kiln, startProxy, startServer, tempDir } from "./kit/index.js";

test("a thread interrupted by a killed server resumes when the server comes back", async () => {
  const fake = await startFakeUpstreams();
  let stall = true;
  let stalled = 0;
  // The tarball goes through a proxy that holds it back while `stall` is on.
  const proxy = await startProxy(fake.url, {
    onAnswer: (req, _up, res) => {
      if (!stall || !req.url?.includes("libgreet-1.1")) return false;
      stalled++;
      res.on("close", () => undefined);
      return true;
    },
  });
  const set = copyExamples();
  writeFileSync(join(set, ".gitignore"), ".kiln/\n");
  editFile(set, "packages/libgreet/kiln.yaml", (t) =>
    t.replace("min-age: 1d", `min-age: 0\n  url: ${proxy.url}/dist/libgreet/libgreet-{version}.tar.gz`),
  );
  git(set, "init", "-q", "-b", "main");
  commit(set, "the example set");
  fake.addRelease("github", "kiln-examples/libgreet", {
    version: "v1.1",
    publishedAt: "2026-01-01T00:00:00Z",
  });
  const config = join(tempDir("kiln-resume-config-"), "server.yaml");
  writeFileSync(
    config,
    `upstreams:\n  github: {url: "${fake.url}"}\nwatch:\n  host-gap: 0\n  allow-private: true\n  timeout: 120\n`,
  );
  const data = tempDir("kiln-resume-data-");
  const args = { set, data, extra: ["--config", config, "--watch-tick", "1"], scope: "test" as const };

  const first = await startServer(args);
  const api1 = new ApiClient(first.url, first.admin);
  await thread(api1, (u) => u.state === "detected");
  for (let i = 0; stalled === 0 && i < 300; i++) await new Promise((r) => setTimeout(r, 100));
  expect(stalled).toBe(1);
  await first.kill9();

  stall = false;
  const tarball = readFileSync(join(set, "packages/libgreet/libgreet-1.0.tar.gz"));
  fake.addRelease("dist", "libgreet", {
    version: "1.1",
    files: [{ name: "libgreet-1.1.tar.gz", bytes: Buffer.concat([tarball, Buffer.from([0])]) }],
  });
  const second = await startServer(args);
  const api2 = new ApiClient(second.url, second.admin);
  const done = await thread(api2, (u) => u.state !== "detected");
  expect(done).toMatchObject({
    branch: "kiln/update/libgreet-1.1",
    state: expect.stringMatching(/^(bumped|building)$/),
  });
  expect(done.events.map((e) => e.state).slice(0, 2)).toEqual(["detected", "bumped"]);
  // When the candidate is built, no worktree of either attempt is left.
  await thread(api2, (u) => u.state === "ready" || u.state === "failed", 180_000);
  expect(git(set, "worktree", "list").split("\n")).toHaveLength(1);

  const r = await kiln(["watch", "--server", second.url, "--token", second.admin, "libgreet"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(
    "libgreet (github-releases kiln-examples/libgreet): new 1.1 is out upstream (the spec has 1.0)",
  );
  await proxy.close();
});

async function thread(api: ApiClient, ok: (u: UpdateView) => boolean, ms = 60_000): Promise<UpdateView> {
  for (let i = 0; i < ms / 100; i++) {
    const found = (await api.json(UpdateList, "GET", "/updates")).updates.find(ok);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no such thread within ${ms / 1000} s`);
}
