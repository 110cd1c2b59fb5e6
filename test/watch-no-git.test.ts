// A set outside git: the bump is kept as a patch beside the thread (with the new tarball), the
// candidate is built from a copy of the set with the bumped package, and accepting it is refused
// with what to do instead: apply the patch by hand.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { ApiClient } from "../src/api/client.js";
import { UpdateList, UpdateView } from "../src/api/watch-schemas.js";
import { startFakeUpstreams } from "./kit/fake-upstreams.js";
import { copyExamples, editFile, startServer, tempDir } from "./kit/index.js";

test("outside git the bump is a patch, the candidate still builds, and acceptance says to apply the patch", async () => {
  const fake = await startFakeUpstreams();
  const set = copyExamples();
  editFile(set, "packages/libgreet/kiln.yaml", (t) => t.replace("min-age: 1d", "min-age: 0"));
  const dir = tempDir("kiln-nogit-tarball-");
  cpSync(join(set, "packages/libgreet/upstream/libgreet-1.0"), join(dir, "libgreet-1.1"), {
    recursive: true,
  });
  const bytes = execFileSync("gzip", ["-n"], {
    input: execFileSync("tar", ["-C", dir, "-cf", "-", "libgreet-1.1"]),
  });
  fake.addRelease("github", "kiln-examples/libgreet", {
    version: "v1.1",
    publishedAt: "2026-01-01T00:00:00Z",
    files: [{ name: "libgreet-1.1.tar.gz", bytes }],
  });
  const config = join(tempDir("kiln-nogit-config-"), "server.yaml");
  writeFileSync(config, `upstreams:\n  github: {url: "${fake.url}"}\nwatch:\n  host-gap: 0\n`);
  const data = tempDir("kiln-nogit-data-");
  const server = await startServer({
    set,
    data,
    extra: ["--config", config, "--watch-tick", "1"],
    scope: "test",
  });
  const api = new ApiClient(server.url, server.admin);
  let t: UpdateView | undefined;
  for (let i = 0; i < 900 && !(t && ["ready", "failed", "needs-hand"].includes(t.state)); i++) {
    await new Promise((r) => setTimeout(r, 200));
    t = (await api.json(UpdateList, "GET", "/updates")).updates[0];
  }
  expect(t, JSON.stringify(t?.events)).toMatchObject({ state: "ready", branch: null, patch: true });
  expect(t!.events.find((e) => e.state === "bumped")!.note).toMatch(
    /^the set is not a git repository: the change is kept as update\.patch with libgreet-1\.1\.tar\.gz beside the thread/,
  );
  const patch = readFileSync(join(data, "updates", String(t!.id), "update.patch"), "utf8");
  expect(patch).toMatch(/^-Version: {8}1\.0$/m);
  expect(patch).toMatch(/^\+Version: {8}1\.1$/m);
  // The set itself is as it was.
  expect(readFileSync(join(set, "packages/libgreet/libgreet.spec"), "utf8")).toMatch(/^Version: {8}1\.0$/m);
  expect(existsSync(join(set, "packages/libgreet/libgreet-1.1.tar.gz"))).toBe(false);
  const refused = await api
    .json(UpdateView, "POST", `/updates/${t!.id}/accept`)
    .catch((e: unknown) => e as Error);
  expect((refused as Error).message).toMatch(
    /the set is not a git repository: apply thread \d+'s patch by hand/,
  );
});
