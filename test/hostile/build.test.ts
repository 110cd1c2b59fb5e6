// The hostile corpus, against a real `kiln build` run as root: specs that try to pass a manifest
// off as an RPM, leave links, read /etc/shadow at build and at parse time, look into Kiln's data
// directory and /root, flood the log, and a kiln.yaml that asks for no sandbox. Each attack is
// refused with its own message; no secret shows in any output, log, artifact or RPM payload; the
// honest example packages of the same set still build green.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import {
  copyExamples,
  kiln,
  KILN_YAML,
  type KilnResult,
  makeSet,
  noarchSpec,
  tempDir,
} from "../kit/index.js";
import {
  brokenBwrapPath,
  describeAsRootInSandbox,
  expectNoSecret,
  expectStoreClean,
  plantSecret,
  shadowSecrets,
  type Secret,
} from "./helpers.js";
import { addHostilePackages, EXAMPLES } from "./packages.js";

describeAsRootInSandbox("a hostile package set, built by kiln build", () => {
  let set = "";
  let data = "";
  let secrets: Secret[] = [];
  let r: KilnResult;
  const log = (pkg: string): string => {
    const m = new RegExp(`(?:FAILED|built) ${pkg} \\(build (\\d+)\\)`).exec(r.stderr);
    expect(m, `no build of ${pkg} in:\n${r.stderr}`).not.toBeNull();
    return readFileSync(join(data, "builds", m![1]!, "build.log"), "utf8");
  };

  beforeAll(async () => {
    set = copyExamples();
    data = tempDir("kiln-hostile-data-");
    secrets = [...shadowSecrets(), plantSecret(join(data, "planted.token"), "a token in the data directory")];
    const token = join(data, "planted.token");
    // The set asks for no sandbox; the operator's --sandbox required is an upper bound it cannot loosen.
    const config = join(set, "kiln.yaml");
    writeFileSync(
      config,
      readFileSync(config, "utf8").replace(/^build:\n {2}sandbox: auto\n/m, "build:\n  sandbox: off\n"),
    );
    expect(readFileSync(config, "utf8")).toContain("sandbox: off");
    addHostilePackages(set, {
      secrets: [token],
      probes: [
        { what: "ls of the data directory", command: `ls -la ${data}` },
        { what: "cat of the planted token", command: `cat ${token}` },
        { what: "ls of /root", command: "ls /root" },
        { what: "cat of /root/.bashrc", command: "cat /root/.bashrc" },
      ],
    });
    r = await kiln([
      "build",
      "--set",
      set,
      "--data",
      data,
      "--jobs",
      "2",
      "--sandbox",
      "required",
      "--max-log-mb",
      "1",
    ]);
  }, 240_000);

  it("the honest example packages build green beside the attacks", () => {
    for (const p of [...EXAMPLES, "snoop", "parseshadow", "chatty"])
      expect(r.stderr).toMatch(new RegExp(`built ${p} \\(build \\d+\\)`));
    expect(r.stdout).toContain("built 10, up to date 0, cut off 0, failed 4, blocked 0, invalid 1");
    expect(r.code).toBe(1);
  });

  it("a manifest named zz.rpm in RPMS/ is refused before rpm reads it, naming the file", () => {
    expect(r.stderr).toMatch(
      /FAILED fakerpm \(build \d+\): RPMS\/noarch\/zz\.rpm is not an RPM package \(it does not start with an RPM lead\)/,
    );
    expect(log("fakerpm")).toContain("RPMS/noarch/zz.rpm is not an RPM package");
  });

  it("a manifest named zz.src.rpm in SRPMS/ is refused the same way", () => {
    expect(r.stderr).toMatch(
      /FAILED fakesrpm \(build \d+\): SRPMS\/zz\.src\.rpm is not an RPM package \(it does not start with an RPM lead\)/,
    );
  });

  it("a Source that is a symbolic link to a secret makes its package invalid, naming the link, and stops nothing else", () => {
    expect(r.stderr).toMatch(
      /kiln: invalid linksrc: \S*packages\/linksrc\/linksrc\.spec:\d+: Source0 "secret\.txt": packages\/linksrc\/secret\.txt is a symbolic link: Kiln does not follow links\n/,
    );
    expect(r.stdout).toContain("invalid (see the errors above): linksrc");
    expect(r.stderr).not.toMatch(/(built|FAILED) linksrc/);
  });

  it("a symbolic link left in RPMS/ is refused, naming it", () => {
    expect(r.stderr).toMatch(
      /FAILED linkrpm \(build \d+\): the build left RPMS\/noarch\/zz\.rpm, a symbolic link: refused \(Kiln does not follow links a build made\)/,
    );
  });

  it("cat /etc/shadow in %build is denied: the build fails and its log holds no shadow line", () => {
    expect(r.stderr).toMatch(/FAILED readshadow \(build \d+\): rpmbuild failed \(exit status 1\)/);
    expect(log("readshadow")).toContain("cat: /etc/shadow: Permission denied");
  });

  it("a build sees neither the data directory nor /root, and runs as kiln-build (kiln.yaml's sandbox: off did not loosen --sandbox required)", () => {
    const text = log("snoop");
    for (const probe of [
      "ls of the data directory",
      "cat of the planted token",
      "ls of /root",
      "cat of /root/.bashrc",
    ])
      expect(text).toContain(`probe: ${probe} failed`);
    expect(text).toMatch(/probe: running as kiln-build \(uid \d+\)/);
    expect(text).toContain("kiln: sandbox (bubblewrap, no network): rpmbuild");
    expect(r.stderr).not.toContain("building without a sandbox");
  });

  it("%(cat /etc/shadow) at parse time gets nothing: the RPM's summary and description say permission denied", () => {
    const text = log("parseshadow");
    expect(text).toContain("produced RPMS/noarch/parseshadow-1.0-1.kiln1.noarch.rpm");
    const rpm = join(data, "repos", "testing", "Packages", "p", "parseshadow-1.0-1.kiln1.noarch.rpm");
    const q = execFileSync("rpm", [
      "-qp",
      "--nosignature",
      "--qf",
      "%{SUMMARY}\n%{DESCRIPTION}",
      rpm,
    ]).toString();
    // The parser runs as kiln-build, with a /tmp of its own: the data directory is not even there.
    expect(q).toBe(
      `got cat: /etc/shadow: Permission denied\ncat: /etc/shadow: Permission denied\ncat: ${join(data, "planted.token")}: No such file or directory`,
    );
    expect(expectStoreClean(join(data, "repos"), secrets)).toBeGreaterThan(EXAMPLES.length);
  });

  it("a build printing 5 MB leaves a log cut near 1 MiB, saying so, and still ends", () => {
    const text = log("chatty");
    expect(text.length).toBeGreaterThan(1024 * 1024 - 100);
    expect(text.length).toBeLessThan(1024 * 1024 + 1024);
    expect(text).toMatch(
      /\nkiln: the log was cut at 1048576 bytes \(--max-log-mb\); the rest was dropped\n$/,
    );
  });

  it("no secret shows in kiln's output, any build log, any artifact or any RPM's header or payload", () => {
    expectNoSecret("kiln build's stdout", r.stdout, secrets);
    expectNoSecret("kiln build's stderr", r.stderr, secrets);
    expectStoreClean(join(data, "builds"), secrets);
    // The store holds every RPM, SRPM and log: each RPM is opened, header and payload.
    expect(expectStoreClean(join(data, "artifacts"), secrets)).toBeGreaterThan(2 * EXAMPLES.length);
  });
});

describeAsRootInSandbox("kiln build where bubblewrap is broken", () => {
  const env = { PATH: brokenBwrapPath() };
  const why =
    "bubblewrap does not work here: bwrap failed (exit status 1): bwrap: No permissions to creating new namespace";
  const set = (sandbox?: string): string =>
    makeSet({
      "kiln.yaml": sandbox ? `${KILN_YAML}build:\n  sandbox: ${sandbox}\n` : KILN_YAML,
      "packages/plain/plain.spec": noarchSpec("plain"),
    });

  it("--sandbox auto builds without it, saying so in words on the terminal and in the log", async () => {
    const s = set();
    const r = await kiln(["build", "--set", s, "--sandbox", "auto"], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`note: building without a sandbox: no sandbox: ${why} (sandbox mode auto)`);
    expect(readFileSync(join(s, ".kiln", "builds", "1", "build.log"), "utf8")).toContain(
      `kiln: no sandbox: ${why} (sandbox mode auto): this job's steps run WITHOUT the sandbox\n`,
    );
  });

  it("--sandbox required refuses to start, naming why, and builds nothing", async () => {
    const r = await kiln(["build", "--set", set(), "--sandbox", "required"], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `error: the sandbox is required, but ${why} (--sandbox required)\n  install bubblewrap and allow user namespaces (unshare -Ur true must work), or pass --sandbox auto\n`,
    );
  });

  it("kiln.yaml's sandbox: required tightens --sandbox auto: refused, naming kiln.yaml, never unsandboxed", async () => {
    const r = await kiln(["build", "--set", set("required"), "--sandbox", "auto"], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: \S+\/kiln\.yaml: the sandbox is required, but bubblewrap does not work here: .* \(kiln\.yaml: build\.sandbox: required\)\n/,
    );
    expect(r.stderr).not.toMatch(/built plain|building without a sandbox/);
  });
});
