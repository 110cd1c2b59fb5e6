// Repositories with real clients: dnf (and zypper) install over HTTP from what `kiln serve`
// serves, promotion moves exactly the tested builds (gated, closure-checked, audited, undone by
// demotion), signing satisfies dnf's gpgcheck and repo_gpgcheck and a tampered RPM is refused,
// scrub finds a flipped byte, and a client reading a repository while it is republished never sees
// a mix.
import { execFile, execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { BuildView, RequestView } from "../src/api/schemas.js";
import { sha256 } from "../src/util/hash.js";
import {
  api,
  bodyOf,
  copyExamples,
  kiln,
  RepositoryList,
  type Server,
  startAgent,
  startProxy,
  startServer,
  tempDir,
  waitForRequest,
} from "./kit/index.js";

/** Flips one bit of the byte at `at(length)` of the stored file `filename` of `repo`'s snapshot: its sha256. */
function flipStoredByte(set: string, repo: string, filename: string, at: (length: number) => number): string {
  const snap = JSON.parse(
    readFileSync(join(set, ".kiln", "repos", repo, ".kiln-snapshot.json"), "utf8"),
  ) as Record<string, string>;
  const sum = snap[filename]!;
  const path = join(set, ".kiln", "artifacts", "sha256", sum.slice(0, 2), sum);
  chmodSync(path, 0o644);
  const bytes = readFileSync(path);
  bytes[at(bytes.length)]! ^= 1;
  writeFileSync(path, bytes);
  return sum;
}

const ALL = ["greet-data", "libgreet", "libcount", "libframe", "libstats", "libupper", "hello"];

/** The example set with a third repository whose rules forbid almost everything. */
function exampleSet(extraStable = ""): string {
  const set = copyExamples();
  const yaml = readFileSync(join(set, "kiln.yaml"), "utf8").replace(
    "  - name: stable\n    description: promoted builds\n",
    `  - name: stable\n    description: promoted builds\n${extraStable}  - name: frozen\n    promote: { from: [stable], soak: 1d, require-stages: [test] }\n`,
  );
  writeFileSync(join(set, "kiln.yaml"), yaml);
  return set;
}

async function farmWithBuilds(
  set: string,
  o: { env?: NodeJS.ProcessEnv; localAgents?: number } = {},
): Promise<{ server: Server; stop: () => Promise<void> }> {
  const data = tempDir("kiln-farm-data-");
  const server = await startServer({
    set,
    data,
    localAgents: o.localAgents ?? 0,
    ...(o.env ? { env: o.env } : {}),
  });
  const agent =
    (o.localAgents ?? 0) > 0
      ? undefined
      : startAgent({
          url: server.url,
          token: server.enrol,
          workdir: tempDir("kiln-agent-"),
          name: "builder",
          slots: 2,
        });
  await agent?.waitFor(/ready/);
  const req = await api(server.url, "POST", "/requests", {
    token: server.admin,
    body: {},
    schema: RequestView,
  });
  const done = await waitForRequest(server.url, req.body.id, 180_000);
  expect(
    done.packages.every((p) => p.status === "green"),
    JSON.stringify(done.packages),
  ).toBe(true);
  // The last snapshot is written a moment after the last build is recorded.
  const manifest = join(server.data, "repos", "testing", ".kiln-snapshot.json");
  for (let t0 = Date.now(); ;) {
    const files = existsSync(manifest)
      ? Object.keys(JSON.parse(readFileSync(manifest, "utf8")) as object)
      : [];
    if (ALL.every((p) => files.some((f) => f.startsWith(`${p}-1.0`)))) break;
    if (Date.now() - t0 > 30_000) throw new Error(`testing has only ${files.join(", ")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    server,
    stop: async () => {
      agent?.child.kill("SIGTERM");
      server.child.kill("SIGTERM");
      await server.exited;
    },
  };
}

/** dnf, as a client machine runs it: the server's .repo file in its repos dir, a root of its own. */
function dnf(server: string, repo: string, args: string[], o: { via?: string } = {}): string {
  const root = tempDir("kiln-client-");
  const reposDir = join(root, "etc", "yum.repos.d");
  mkdirSync(reposDir, { recursive: true });
  const repoFile = execFileSync("curl", ["-fsS", `${server}/repos/${repo}.repo`]).toString();
  writeFileSync(join(reposDir, `${repo}.repo`), o.via ? repoFile.replaceAll(server, o.via) : repoFile);
  return (
    execFileSync(
      "dnf",
      [
        `--installroot=${root}`,
        `--setopt=reposdir=${reposDir}`,
        `--setopt=cachedir=${root}/var/cache/dnf`,
        "--releasever=1",
        "-y",
        ...args,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    ).toString() + `\nROOT=${root}`
  );
}

/** zypper, as an openSUSE client runs it: the same .repo file added by its URL, a root of its own. */
function zypper(server: string, repo: string, args: string[]): string {
  const root = tempDir("kiln-zypper-");
  const z = (...a: string[]): string =>
    execFileSync("zypper", ["--non-interactive", "--root", root, ...a], {
      stdio: ["ignore", "pipe", "pipe"],
    }).toString();
  z("addrepo", `${server}/repos/${repo}.repo`);
  return z(...args) + `\nROOT=${root}`;
}

function runHello(out: string): string {
  const root = /ROOT=(\S+)$/.exec(out)![1]!;
  return execFileSync(join(root, "usr", "bin", "hello"), ["Kiln"], {
    env: { LD_LIBRARY_PATH: join(root, "usr", "lib64"), GREET_DATA_DIR: join(root, "usr", "share", "greet") },
  }).toString();
}

/** `kiln COMMAND --server URL --token ADMIN ARGS…` against a test server. */
function asAdmin(server: Server, command: string, ...args: string[]): ReturnType<typeof kiln> {
  return kiln([command, "--server", server.url, "--token", server.admin, ...args]);
}

async function evrIn(server: Server, repo: string, pkg: string): Promise<string | undefined> {
  const { body } = await api(server.url, "GET", "/repositories", { schema: RepositoryList });
  const r = body.repositories.find((x) => x.name === repo);
  return r!.packages.find((p) => p.package === pkg)?.evr;
}

describe("repositories over HTTP, promotion and history", () => {
  it("dnf installs from testing; promotion is gated and closure-checked; dnf installs from stable; demotion rolls back; all audited", async () => {
    const set = exampleSet();
    const { server, stop } = await farmWithBuilds(set);
    const fromTesting = dnf(server.url, "testing", ["install", "hello"]);
    expect(runHello(fromTesting)).toMatch(/Kiln/);

    // Promoting hello alone would leave stable without what it needs: refused, with the names.
    const alone = await asAdmin(server, "promote", "hello", "--to", "stable");
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain("promoting would break stable: nothing in it would provide:\n");
    expect(alone.stderr).toContain("  - libframe.so.1()(64bit) (required by hello)\n");
    expect(alone.stderr).toContain(
      "greet-data, libcount, libframe, libgreet, libstats, libupper in testing would bring what is missing: promote them together",
    );
    // The rules of a repository: where from, how long in it, which stages passed.
    const frozen = await asAdmin(server, "promote", "hello", "--to", "frozen");
    expect(frozen.code).toBe(2);
    // By default from where the rules take promotions: stable, which does not have it.
    expect(frozen.stderr).toContain("promotion to frozen refused: hello is not in stable");
    const viaStable = await asAdmin(server, "promote", "hello", "--to", "frozen", "--from", "testing");
    expect(viaStable.stderr).toContain("frozen takes promotions only from stable, not from testing");
    expect(viaStable.stderr).toMatch(/has been in testing for \d+ s; frozen wants 24\.0 h \(soak\)/);
    expect(viaStable.stderr).toMatch(/has not passed pipeline stage test, which frozen requires/);

    const all = await asAdmin(server, "promote", ...ALL, "--to", "stable", "--reason", "release 1");
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/^promoted hello 1\.0-1\.kiln1 \(build \d+\) into stable$/m);
    const fromStable = dnf(server.url, "stable", ["install", "hello"]);
    expect(runHello(fromStable)).toMatch(/Kiln/);
    // The same .repo file serves zypper.
    const byZypper = zypper(server.url, "stable", ["install", "hello"]);
    expect(byZypper).toMatch(/hello-1\.0-1\.kiln1/);
    expect(runHello(byZypper)).toMatch(/Kiln/);
    // What moved is exactly what was tested: the same sha256 in both repositories.
    const t = readFileSync(join(server.data, "repos", "testing", ".kiln-snapshot.json"), "utf8");
    const s = readFileSync(join(server.data, "repos", "stable", ".kiln-snapshot.json"), "utf8");
    const hello = (m: string): string =>
      (JSON.parse(m) as Record<string, string>)["hello-1.0-1.kiln1.x86_64.rpm"]!;
    expect(hello(s)).toBe(hello(t));

    // A new libgreet in testing, promoted, then rolled back in stable.
    const spec = join(set, "packages", "libgreet", "libgreet.spec");
    writeFileSync(spec, readFileSync(spec, "utf8").replace(/^Release: *1/m, "Release: 2"));
    const bump = await api(server.url, "POST", "/requests", {
      token: server.admin,
      body: { packages: ["libgreet"] },
      schema: RequestView,
    });
    await waitForRequest(server.url, bump.body.id, 120_000);
    expect(await evrIn(server, "testing", "libgreet")).toBe("1.0-2.kiln1");
    const up = await asAdmin(server, "promote", "libgreet@1.0-2.kiln1", "--to", "stable");
    expect(up.code, up.stderr).toBe(0);
    expect(await evrIn(server, "stable", "libgreet")).toBe("1.0-2.kiln1");
    // Both builds are in stable's metadata: a client can downgrade.
    expect(dnf(server.url, "stable", ["list", "--showduplicates", "libgreet"])).toMatch(
      /1\.0-1\.kiln1[\s\S]*1\.0-2\.kiln1|1\.0-2\.kiln1[\s\S]*1\.0-1\.kiln1/,
    );
    const down = await asAdmin(server, "demote", "libgreet", "--repo", "stable", "--reason", "breaks hello");
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toMatch(/demoted libgreet in stable: back to 1\.0-1\.kiln1 \(build \d+\)/);
    expect(await evrIn(server, "stable", "libgreet")).toBe("1.0-1.kiln1");

    const history = await kiln(["history", "--server", server.url, "--repo", "stable", "libgreet"]);
    const lines = history.stdout.trim().split("\n");
    expect(lines[0]).toMatch(
      /stable\s+demote\s+libgreet 1\.0-1\.kiln1 \(build \d+\), was build \d+ {2}by admin: breaks hello/,
    );
    expect(lines[1]).toMatch(
      /stable\s+promote\s+libgreet 1\.0-2\.kiln1 \(build \d+\) from testing, was build \d+ {2}by admin/,
    );
    expect(lines[2]).toMatch(
      /stable\s+promote\s+libgreet 1\.0-1\.kiln1 \(build \d+\) from testing {2}by admin: release 1/,
    );
    await stop();
  }, 300_000);

  it("a signed repository: dnf with gpgcheck and repo_gpgcheck installs; an RPM changed on the way is refused", async () => {
    const gnupg = tempDir("kiln-gnupg-");
    chmodSync(gnupg, 0o700);
    execFileSync(
      "gpg",
      [
        "--batch",
        "--passphrase",
        "",
        "--quick-gen-key",
        "Kiln Test <kiln-test@example.org>",
        "rsa2048",
        "sign",
        "never",
      ],
      {
        env: { ...process.env, GNUPGHOME: gnupg },
        stdio: "ignore",
      },
    );
    const set = exampleSet("    sign: { key: kiln-test@example.org }\n");
    const { server, stop } = await farmWithBuilds(set, { env: { GNUPGHOME: gnupg } });
    const promoted = await asAdmin(server, "promote", ...ALL, "--to", "stable");
    expect(promoted.code, promoted.stderr).toBe(0);
    const repoFile = await (await fetch(`${server.url}/repos/stable.repo`)).text();
    expect(repoFile).toContain("gpgcheck=1\nrepo_gpgcheck=1\n");
    expect(repoFile).toContain(`gpgkey=${server.url}/repos/stable/RPM-GPG-KEY-kiln`);
    const ok = dnf(server.url, "stable", ["install", "hello"]);
    expect(runHello(ok)).toMatch(/Kiln/);
    // The served RPM carries the repository's signature.
    const rpm = join(/ROOT=(\S+)$/.exec(ok)![1]!, "hello.rpm");
    writeFileSync(
      rpm,
      Buffer.from(
        await (
          await fetch(`${server.url}/repos/stable/Packages/h/hello-1.0-1.kiln1.x86_64.rpm`)
        ).arrayBuffer(),
      ),
    );
    expect(execFileSync("rpm", ["-qp", "--qf", "%{RSAHEADER:pgpsig}\n", rpm]).toString()).toMatch(
      /^RSA\/SHA\d+, .*Key ID [0-9a-f]{16}$/m,
    );

    // A proxy that changes one byte of every RPM it carries: dnf refuses the package.
    const proxy = await startProxy(server.url, {
      onAnswer: (req, up, res) => {
        void bodyOf(up).then((body) => {
          if (req.url?.endsWith(".rpm") && body.length > 2000) body[body.length - 1000]! ^= 0xff;
          res.writeHead(up.statusCode ?? 502, up.headers);
          res.end(body);
        });
        return true;
      },
    });
    const via = proxy.url;
    // dnf runs beside this process here (not synchronously): the proxy answers from this process.
    const root = tempDir("kiln-client-");
    const reposDir = join(root, "etc", "yum.repos.d");
    mkdirSync(reposDir, { recursive: true });
    writeFileSync(join(reposDir, "stable.repo"), repoFile.replaceAll(server.url, via));
    const attempt = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        "dnf",
        [
          `--installroot=${root}`,
          `--setopt=reposdir=${reposDir}`,
          `--setopt=cachedir=${root}/cache`,
          "--releasever=1",
          "-y",
          "install",
          "hello",
        ],
        (err, _stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });
    expect(attempt.code).not.toBe(0);
    const refused = attempt.stderr;
    // Every RPM is changed: whichever dnf fetches first (hello, or the host-provides package) is refused.
    expect(refused).toMatch(
      /Error downloading packages:\n\s+\S+-[^-\s]+-[^-\s]+\.(noarch|x86_64): Cannot download/,
    );
    await proxy.close();
    await stop();
  }, 300_000);
});

describe("checksums end to end", () => {
  it("scrub finds a flipped byte: repairs it from an agent's copy, or takes it out, never serves it, names the builds, and they build again", async () => {
    const set = exampleSet();
    const { server, stop } = await farmWithBuilds(set, { localAgents: 1 });
    const promoted = await asAdmin(server, "promote", ...ALL, "--to", "stable");
    expect(promoted.code, promoted.stderr).toBe(0);
    const repo = JSON.parse(
      readFileSync(join(server.data, "repos", "testing", ".kiln-snapshot.json"), "utf8"),
    ) as Record<string, string>;
    const flip = (file: string): string => {
      const sum = repo[file]!;
      const path = join(server.data, "artifacts", "sha256", sum.slice(0, 2), sum);
      chmodSync(path, 0o644);
      const bytes = readFileSync(path);
      bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
      writeFileSync(path, bytes);
      return sum;
    };
    // libgreet went into other builds' roots, so the agent has a copy; hello went nowhere.
    const libgreet = flip("libgreet-1.0-1.kiln1.x86_64.rpm");
    const hello = flip("hello-1.0-1.kiln1.x86_64.rpm");
    // Not served as it is now.
    const served = await fetch(`${server.url}/repos/testing/Packages/h/hello-1.0-1.kiln1.x86_64.rpm`);
    expect(served.status).toBe(500);
    // A 500 says only a reference; the server's log says what is damaged.
    const err = (await served.json()) as { error: string; reference: string };
    expect(err.error).toBe(`internal error (reference ${err.reference}); the server's log has the details`);
    await server.waitFor(
      new RegExp(`error ${err.reference}: GET /repos/testing/Packages/h/hello-\\S+: [\\s\\S]*is damaged`),
    );
    expect((await fetch(`${server.url}/api/v1/artifacts/${hello}`)).status).toBe(500);

    const r = await asAdmin(server, "scrub");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      new RegExp(
        `DAMAGED libgreet-1\\.0-1\\.kiln1\\.x86_64\\.rpm \\(sha256 ${libgreet}\\)\\n {2}in the artifact store \\(read as [0-9a-f]{64}\\): repaired from .*agents/local-1/artifacts`,
      ),
    );
    // The repository's own copies (hard links of the damaged file) are put right from the store.
    expect(r.stdout).toMatch(
      / {2}in repository testing snapshot \d+ \(read as [0-9a-f]{64}\): repaired from .*\/artifacts\/sha256\//,
    );
    expect(r.stdout).toMatch(
      new RegExp(
        `DAMAGED hello-1\\.0-1\\.kiln1\\.x86_64\\.rpm \\(sha256 ${hello}\\)\\n {2}in the artifact store \\(read as [0-9a-f]{64}\\): removed from the store`,
      ),
    );
    expect(r.stdout).toMatch(
      / {2}in repository testing snapshot \d+ \(read as [0-9a-f]{64}\): left in place: no good copy yet \(it is not served\)/,
    );
    expect(r.stdout).toMatch(
      / {2}build \d+ \(hello 1\.0-1\.kiln1\), held by testing, stable: rebuild it \(kiln rebuild hello\) and promote it again/,
    );
    expect(r.stdout).toMatch(
      /scrubbed \d+ file\(s\) \([\d.]+ MB\) in [\d.]+ s: 2 damaged \(1 repaired\), 0 missing/,
    );
    expect((await fetch(`${server.url}/api/v1/artifacts/${libgreet}`)).status).toBe(200);
    expect((await fetch(`${server.url}/api/v1/artifacts/${hello}`)).status).toBe(404);

    // The next build of everything not up to date builds hello again (and publishes it).
    const again = await api(server.url, "POST", "/requests", {
      token: server.admin,
      body: {},
      schema: RequestView,
    });
    const done = await waitForRequest(server.url, again.body.id, 120_000);
    expect(done.packages.map((p) => `${p.package}:${p.status}`)).toEqual(["hello:green"]);
    const build = await api(server.url, "GET", `/builds/${done.packages[0]?.build}`, { schema: BuildView });
    expect(build.body.reason).toBe("an artifact of its last build is damaged (kiln scrub found it)");
    const clean = await asAdmin(server, "scrub");
    // The rebuild put hello's bytes back in the store: the older snapshots kept for clients that
    // still read them are repaired from it, and then nothing is damaged.
    expect(clean.stdout).not.toMatch(/removed from the store|left in place/);
    const cleaner = await asAdmin(server, "scrub");
    expect(cleaner.code, cleaner.stdout).toBe(0);
    expect(cleaner.stdout).toMatch(/: 0 damaged \(0 repaired\), 0 missing/);
    expect(runHello(dnf(server.url, "testing", ["install", "hello"]))).toMatch(/Kiln/);
    // stable held the same damaged build: its snapshot was written again once the bytes were back.
    const fromStable = await fetch(`${server.url}/repos/stable/Packages/h/hello-1.0-1.kiln1.x86_64.rpm`);
    expect(fromStable.status).toBe(200);
    expect(sha256(Buffer.from(await fromStable.arrayBuffer()))).toBe(hello);
    await stop();
  }, 300_000);

  it("a client reading a repository while it is republished sees the old metadata or the new, never a mix", async () => {
    const set = exampleSet();
    const { server, stop } = await farmWithBuilds(set);
    let reading = true;
    let reads = 0;
    const problems: string[] = [];
    const reader = (async () => {
      while (reading) {
        const base = `${server.url}/repos/testing/`;
        const repomd = await (await fetch(`${base}repodata/repomd.xml`)).text();
        for (const [, sum, href] of repomd.matchAll(
          /<checksum type="sha256">([0-9a-f]{64})<\/checksum>[\s\S]*?<location href="([^"]+)"/g,
        )) {
          const res = await fetch(`${base}${href}`);
          const body = Buffer.from(await res.arrayBuffer());
          if (res.status !== 200 || sha256(body) !== sum) problems.push(`${href}: ${res.status}`);
          if (href!.includes("primary.xml")) {
            const primary = gunzipSync(body).toString();
            const first =
              /<checksum type="sha256" pkgid="YES">([0-9a-f]{64})<\/checksum>[\s\S]*?<location href="([^"]+)"/.exec(
                primary,
              );
            if (first) {
              const rpm = Buffer.from(await (await fetch(`${base}${first[2]}`)).arrayBuffer());
              if (sha256(rpm) !== first[1]) problems.push(`${first[2]}: not the file the metadata describes`);
            }
          }
        }
        reads++;
      }
    })();
    // Three publications of new output while it reads.
    const spec = join(set, "packages", "greet-data", "greet-data.spec");
    for (const release of [2, 3, 4]) {
      writeFileSync(spec, readFileSync(spec, "utf8").replace(/^Release: *\d+/m, `Release: ${release}`));
      const r = await api(server.url, "POST", "/requests", {
        token: server.admin,
        body: { packages: ["greet-data"] },
        schema: RequestView,
      });
      await waitForRequest(server.url, r.body.id, 120_000);
    }
    reading = false;
    await reader;
    expect(problems).toEqual([]);
    expect(reads).toBeGreaterThan(5);
    expect(await evrIn(server, "testing", "greet-data")).toBe("1.0-4.kiln1");
    await stop();
  }, 300_000);
});

describe("repositories without a server", () => {
  it("kiln promote, history and scrub on the local data directory", async () => {
    const { makeSet, noarchSpec, KILN_YAML } = await import("./kit/index.js");
    const set = makeSet({
      "kiln.yaml": `${KILN_YAML.replace("name: test\n", "name: test\nrepositories: [{ name: testing }, { name: stable }]\n")}build:\n  rpmlint: "off"\n`,
      "packages/one/one.spec": noarchSpec("one"),
      "packages/two/two.spec": noarchSpec("two", { requires: ["one"] }),
    });
    expect((await kiln(["build", "--set", set])).code).toBe(0);
    const alone = await kiln(["promote", "--set", set, "two", "--to", "stable"]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain(
      "promoting would break stable: nothing in it would provide: one (required by two)",
    );
    expect(alone.stderr).toContain("one in testing would bring what is missing: promote them together");
    const both = await kiln([
      "promote",
      "--set",
      set,
      "one",
      "two",
      "--to",
      "stable",
      "--reason",
      "first release",
    ]);
    expect(both.code, both.stderr).toBe(0);
    expect(both.stdout).toMatch(/^promoted two 1\.0-1\.kiln \(build 2\) into stable$/m);
    const history = await kiln(["history", "--set", set, "--repo", "stable"]);
    expect(history.stdout).toMatch(
      /stable\s+promote\s+two 1\.0-1\.kiln \(build 2\) from testing {2}by \S+ \(local\): first release/,
    );

    flipStoredByte(set, "stable", "two-1.0-1.kiln.noarch.rpm", () => 100);
    const scrubbed = await kiln(["scrub", "--set", set]);
    expect(scrubbed.code).toBe(1);
    expect(scrubbed.stdout).toMatch(/DAMAGED two-1\.0-1\.kiln\.noarch\.rpm/);
    expect(scrubbed.stdout).toMatch(
      /build 2 \(two 1\.0-1\.kiln\), held by testing, stable: rebuild it \(kiln rebuild two\) and promote it again/,
    );
    const rebuilt = await kiln(["build", "--set", set]);
    expect(rebuilt.stdout).toContain("built 1, up to date 1, cut off 0, failed 0, blocked 0");
    expect(rebuilt.stderr).toMatch(
      /start two \(build 3\): an artifact of its last build is damaged \(kiln scrub found it\)/,
    );
    // This spec has no %changelog, so its rebuild is not byte for byte the same: stable, which
    // held the damaged build, cannot be written again until the new build is promoted into it.
    expect(rebuilt.stderr).toMatch(
      /FAILED \(repository stable\): two-1\.0-1\.kiln\.noarch\.rpm is not in the artifact store/,
    );
    expect((await kiln(["promote", "--set", set, "two", "--to", "stable"])).code).toBe(0);
    const fresh = JSON.parse(
      readFileSync(join(set, ".kiln", "repos", "testing", ".kiln-snapshot.json"), "utf8"),
    ) as Record<string, string>;
    const stable = join(set, ".kiln", "repos", "stable", "Packages", "t", "two-1.0-1.kiln.noarch.rpm");
    expect(sha256(readFileSync(stable))).toBe(fresh["two-1.0-1.kiln.noarch.rpm"]);
    const last = await kiln(["scrub", "--set", set]);
    expect(last.code, last.stdout).toBe(0);
  }, 120_000);
});

describe("a damaged artifact is never installed", () => {
  it("a build root that would take a damaged RPM from the store is refused, naming it", async () => {
    const { makeSet, noarchSpec, KILN_YAML } = await import("./kit/index.js");
    const set = makeSet({
      "kiln.yaml": `${KILN_YAML}build:\n  rpmlint: "off"\n`,
      "packages/base/base.spec": noarchSpec("base"),
      "packages/top/top.spec": noarchSpec("top", { buildRequires: ["base"] }),
    });
    expect((await kiln(["build", "--set", set])).code).toBe(0);
    const sum = flipStoredByte(set, "main", "base-1.0-1.kiln.noarch.rpm", (length) => length - 10);
    // A build root already in the cache was installed from the good bytes; one that is not (the
    // cache emptied) is filled from the store, which checks each RPM: nothing damaged goes in.
    rmSync(join(set, ".kiln", "buildroots"), { recursive: true, force: true });
    // No scrub has run: the damage is found when the build root is filled, and nothing is installed.
    const r = await kiln(["rebuild", "--set", set, "top"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("failed 1");
    const log = /FAILED top[^\n]*\n {2}log: (\S+)/.exec(r.stderr)![1]!;
    expect(readFileSync(log.startsWith("/") ? log : join(process.cwd(), log), "utf8")).toMatch(
      new RegExp(`stored artifact \\S+${sum} is corrupted: its sha256 is now [0-9a-f]{64}`),
    );
  }, 60_000);
});
