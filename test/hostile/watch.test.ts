// Attacks through release watches, against a real `kiln serve`: a set whose watches point at the
// server's own API and at a hostile upstream that answers with catastrophic input for the set's
// regular expression, gigabytes, a never-ending trickle, and redirects into this machine. Each watch
// ends in an error in words; no secret is ever shown; the server keeps answering throughout.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { expect, test } from "vitest";
import { ApiClient } from "../../src/api/client.js";
import { UpdateList, WatchList, type UpdateView } from "../../src/api/watch-schemas.js";
import { startFakeUpstreams } from "../kit/fake-upstreams.js";
import {
  copyExamples,
  editFile,
  KILN_YAML,
  makeSet,
  noarchSpec,
  startServer,
  tempDir,
} from "../kit/index.js";

test("hostile watches end in errors in words and never stop the server or show a secret", async () => {
  let kilnPort = 0;
  const hostile = createServer((req, res) => {
    const path = req.url ?? "";
    if (path === "/redos") return res.end(`${"a".repeat(5000)}!`);
    if (path === "/huge") {
      res.writeHead(200);
      const chunk = Buffer.alloc(1024 * 1024, 0x61);
      let sent = 0;
      const more = (): void => {
        while (sent < 200 && res.write(chunk)) sent++;
        if (sent < 200) res.once("drain", more);
        else res.end();
      };
      return more();
    }
    if (path === "/trickle") {
      res.writeHead(200);
      const t = setInterval(() => res.write("a"), 100);
      return res.on("close", () => clearInterval(t));
    }
    if (path === "/into-kiln")
      return res.writeHead(302, { location: `http://127.0.0.1:${kilnPort}/api/v1/tokens` }).end();
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => hostile.listen(0, "127.0.0.1", r));
  const evil = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;

  const watches: Record<string, string> = {
    redos: `page: ${evil}/redos\n  regex: '(a+)+b'`,
    huge: `page: ${evil}/huge\n  regex: 'v([0-9.]+)'`,
    trickle: `page: ${evil}/trickle\n  regex: 'v([0-9.]+)'`,
    redirect: `page: ${evil}/into-kiln\n  regex: '"token":"([^"]+)"'`,
    // Straight at the server's own API and the usual cloud metadata address.
    self: `page: http://localhost:8080/api/v1/tokens\n  regex: '(.+)'`,
    metadata: `page: http://169.254.169.254/latest/meta-data/\n  regex: '(.+)'`,
  };
  const files: Record<string, string> = { "kiln.yaml": KILN_YAML };
  for (const [name, w] of Object.entries(watches)) {
    files[`packages/${name}/${name}.spec`] = noarchSpec(name);
    files[`packages/${name}/kiln.yaml`] = `watch:\n  source: regex\n  ${w}\n`;
  }
  const set = makeSet(files);
  // The hostile upstream is the server's configured PyPI: its origin is trusted (its private
  // address allowed), so what it answers is what is attacked; the set's other URLs are not.
  const config = join(tempDir("kiln-hostile-watch-"), "server.yaml");
  writeFileSync(
    config,
    `upstreams:\n  pypi: {url: "${evil}"}\nwatch:\n  host-gap: 0\n  timeout: 3\n  max-answer-mb: 1\n`,
  );
  const server = await startServer({
    set,
    data: tempDir("kiln-hostile-watch-data-"),
    extra: ["--config", config, "--watch-tick", "0"],
    scope: "test",
  });
  kilnPort = Number(new URL(server.url).port);
  const api = new ApiClient(server.url, server.admin);

  const looking = api.json(WatchList, "POST", "/watches/check", { packages: [] });
  // While the looks run, the server answers.
  for (let i = 0; i < 5; i++) {
    const list = await api.json(WatchList, "GET", "/watches");
    expect(list.watches).toHaveLength(6);
    await new Promise((r) => setTimeout(r, 300));
  }
  const errors = new Map((await looking).watches.map((w) => [w.package, w.error]));
  expect(errors.get("redos")).toBe(
    "reading 127.0.0.1:" + new URL(evil).port + "'s answer took longer than 2 s and was stopped",
  );
  expect(errors.get("huge")).toMatch(/: the answer is larger than 1 MB$/);
  expect(errors.get("trickle")).toMatch(/: no whole answer within 3 s$/);
  expect(errors.get("redirect")).toMatch(
    /^127\.0\.0\.1:\d+ is a private address \(127\.0\.0\.1\); watches from the set may only reach public hosts/,
  );
  expect(errors.get("self")).toMatch(/^localhost is a private address \((127\.0\.0\.1|::1)\)/);
  expect(errors.get("metadata")).toMatch(/^169\.254\.169\.254 is a private address \(169\.254\.169\.254\)/);
  const everything = JSON.stringify(await api.json(WatchList, "GET", "/watches")) + server.output();
  for (const secret of [server.admin, server.enrol, server.hookSecret])
    expect(everything).not.toContain(secret);
  hostile.close();
});

test("a link in the package where the bump writes its tarball is refused, and what it points at is untouched", async () => {
  const fake = await startFakeUpstreams();
  const set = copyExamples();
  editFile(set, "packages/libgreet/kiln.yaml", (t) => t.replace("min-age: 1d", "min-age: 0"));
  const secret = join(tempDir("kiln-hostile-target-"), "secret");
  writeFileSync(secret, "do not overwrite\n");
  symlinkSync(secret, join(set, "packages/libgreet/libgreet-1.1.tar.gz"));
  fake.addRelease("github", "kiln-examples/libgreet", {
    version: "v1.1",
    publishedAt: "2026-01-01T00:00:00Z",
    files: [{ name: "libgreet-1.1.tar.gz", bytes: gzipSync("not really a tarball") }],
  });
  const config = join(tempDir("kiln-hostile-link-config-"), "server.yaml");
  writeFileSync(config, `upstreams:\n  github: {url: "${fake.url}"}\nwatch:\n  host-gap: 0\n`);
  const server = await startServer({
    set,
    data: tempDir("kiln-hostile-link-"),
    extra: ["--config", config, "--watch-tick", "1"],
    scope: "test",
  });
  const api = new ApiClient(server.url, server.admin);
  let t: UpdateView | undefined;
  for (let i = 0; i < 300 && !(t && t.state !== "detected"); i++) {
    await new Promise((r) => setTimeout(r, 200));
    t = (await api.json(UpdateList, "GET", "/updates")).updates[0];
  }
  expect(t).toMatchObject({
    state: "needs-hand",
    note: "the spec cannot be bumped here: packages/libgreet/libgreet-1.1.tar.gz is in the set already and is not a regular file",
  });
  expect(readFileSync(secret, "utf8")).toBe("do not overwrite\n");
});
