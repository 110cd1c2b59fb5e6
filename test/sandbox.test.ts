// Specs are code: rpm runs their %(shell) while parsing, and their build scripts run too. Where
// bubblewrap works, both run with no network, no view of Kiln's data, and nothing writable but
// their own directories. And a build whose RPMs carry the build root's path fails, naming the files.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join, resolve } from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeSandbox } from "../src/sandbox/bubblewrap.js";
import { kiln, KILN_YAML, makeSet, noarchSpec, ROOT, writeFile } from "./kit/index.js";

const sandbox = await probeSandbox();

describe.runIf(sandbox.available)("inside the sandbox", () => {
  let server: Server;
  let port = 0;
  let connections = 0;
  beforeAll(async () => {
    server = createServer((s) => {
      s.on("error", () => {}); // the probing client hangs up at once
      connections++;
      s.end("hello from the host\n");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("a build reaches no network and writes nothing outside its own directories", async () => {
    const marker = `/tmp/kiln-escape-${randomUUID()}`;
    const set = makeSet({ "kiln.yaml": KILN_YAML });
    const spec = noarchSpec("escape").replace(
      "%install\n",
      `%build
# Fails the build if it can reach a TCP server on the host's loopback (rpm runs scripts with
# /bin/sh, dash on Debian, which has no /dev/tcp: ask bash).
if bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port}' 2>/dev/null; then echo "NETWORK REACHABLE"; exit 1; fi
# Each of these must fail quietly: none of these places is writable or even visible.
touch ${marker} 2>/dev/null || true
touch ${set}/written-by-build 2>/dev/null || true
ls ${set}/.kiln/kiln.db 2>/dev/null && { echo "DATA VISIBLE"; exit 1; }
echo "build ran as $(id -u)"

%install
`,
    );
    writeFile(join(set, "packages", "escape", "escape.spec"), spec);
    const r = await kiln(["build", "--set", set]);
    expect(r.stderr).not.toMatch(/FAILED/);
    expect(r.code).toBe(0);
    expect(connections).toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(join(set, "written-by-build"))).toBe(false);

    // The same build without the sandbox does reach the host: the check above can fail.
    const r2 = await kiln(["build", "--set", set, "--force", "--sandbox", "off", "escape"]);
    expect(r2.code).toBe(1);
    expect(connections).toBe(1);
  });

  it("parsing a spec runs its %(shell) macros in the sandbox, away from Kiln's data", async () => {
    const marker = `/tmp/kiln-parse-${randomUUID()}`;
    const set = makeSet({ "kiln.yaml": KILN_YAML, "packages/plain/plain.spec": noarchSpec("plain") });
    // Create the data directory first, so that there is something to hide.
    expect((await kiln(["graph", "--set", set])).code).toBe(0);
    expect(existsSync(join(set, ".kiln", "kiln.db"))).toBe(true);
    writeFile(
      join(set, "packages", "sneaky", "sneaky.spec"),
      noarchSpec("sneaky")
        .replace(
          "Release: 1%{?dist}",
          `Release: 1%(test -e ${set}/.kiln/kiln.db && echo .datavisible)%{?dist}`,
        )
        .replace(
          "Summary: sneaky for a Kiln test",
          `Summary: %(touch ${marker} && echo escaped || echo contained)`,
        ),
    );
    const r = await kiln(["graph", "--set", set, "--format", "json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const graph = JSON.parse(r.stdout) as { packages: { name: string; evr: string }[] };
    expect(graph.packages).toContainEqual(expect.objectContaining({ name: "sneaky", evr: "1.0-1.kiln" }));
    expect(existsSync(marker)).toBe(false);

    // Without the sandbox (and without the spec cache, keyed by content only), the same spec sees
    // and touches the host: the checks above can fail.
    const data = join(set, ".kiln-unsandboxed");
    const r2 = await kiln(["graph", "--set", set, "--data", data, "--format", "json", "--sandbox", "off"]);
    expect(r2.code).toBe(0);
    expect(JSON.parse(r2.stdout).packages).toContainEqual(
      expect.objectContaining({ name: "sneaky", evr: "1.0-1.datavisible.kiln" }),
    );
    expect(existsSync(marker)).toBe(true);
    rmSync(marker, { force: true });
  });
});

describe("the build root path check", () => {
  it("fails a build whose RPM records the build root's path, naming the file", async () => {
    const set = makeSet({
      "kiln.yaml": KILN_YAML,
      "packages/base/base.spec": noarchSpec("base"),
      // Records LDFLAGS built from LIBRARY_PATH, which points into the build root, into a shipped
      // file: the mistake an interpreter's build-config file makes.
      "packages/leaky/leaky.spec": noarchSpec("leaky", { buildRequires: ["base"] }).replace(
        "echo leaky > %{buildroot}%{_datadir}/leaky/leaky.txt",
        'echo leaky > %{buildroot}%{_datadir}/leaky/leaky.txt\necho "LDFLAGS=-L${LIBRARY_PATH%%:*}" > %{buildroot}%{_datadir}/leaky/build-config',
      ),
    });
    const r = await kiln(["build", "--set", set]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /FAILED leaky \(build \d+\): the build root's path is in 1 shipped file\(s\): leaky-1\.0-1\.kiln\.noarch\.rpm:\/usr\/share\/leaky\/build-config/,
    );
    const log = /log: (\S+)/.exec(r.stderr)![1]!;
    expect(readFileSync(resolve(ROOT, log), "utf8")).toContain("contains the build root path");
    expect(r.stdout).toContain("built 1, up to date 0, cut off 0, failed 1, blocked 0");
  });
});
