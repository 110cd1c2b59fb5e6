// Every Requires of what is published is satisfiable for a client.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { kiln, makeSet, noarchSpec } from "./kit/index.js";

const packagesIn = (repo: string): string[] =>
  readdirSync(join(repo, "Packages"), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort();

describe("publishing", () => {
  it("refuses a package whose Requires nothing provides, and keeps the repository as it was", async () => {
    const set = makeSet({
      "kiln.yaml": "name: t\n",
      "packages/good/good.spec": noarchSpec("good"),
      "packages/needy/needy.spec": noarchSpec("needy", { requires: ["not-in-the-set"] }),
      "packages/after/after.spec": noarchSpec("after", { buildRequires: ["needy"] }),
    });
    const r = await kiln(["build", "--set", set]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /FAILED needy \(build \d+\): not published: nothing in main provides not-in-the-set \(add it to the set, or to host\.provides in kiln\.yaml\)/,
    );
    expect(r.stderr).toContain("blocked after: needs needy, which cannot build");
    const repo = join(set, ".kiln", "repos", "main");
    expect(packagesIn(repo)).toEqual(["good-1.0-1.kiln.noarch.rpm"]);
  });

  it("publishes a package whose run-time Requires is built later in the same run, together with it", async () => {
    // "early" requires "late" at run time only, so nothing orders them: early may finish first.
    const set = makeSet({
      "kiln.yaml": "name: t\n",
      "packages/early/early.spec": noarchSpec("early", { requires: ["late"] }),
      "packages/late/late.spec": noarchSpec("late").replace("%install\n", "%build\nsleep 1\n\n%install\n"),
    });
    const r = await kiln(["build", "--set", set, "--jobs", "2"]);
    expect(r.stdout).toContain("built 2, up to date 0, cut off 0, failed 0, blocked 0");
    expect(r.code).toBe(0);
    expect(packagesIn(join(set, ".kiln", "repos", "main"))).toEqual([
      "early-1.0-1.kiln.noarch.rpm",
      "late-1.0-1.kiln.noarch.rpm",
    ]);
  });

  it("generates no host-provides package when a base repository supplies the host's capabilities", async () => {
    const c = `#include <stdio.h>\nint main(void) { puts("compiled"); return 0; }\n`;
    const spec = `Name: native
Version: 1.0
Release: 1%{?dist}
Summary: a compiled program
License: MIT
Source0: native.c
BuildRequires: gcc
%description
A compiled program, which requires the C library.
%prep
cp %{SOURCE0} .
%build
gcc -O2 -o native native.c
%install
install -D -m 755 native %{buildroot}%{_bindir}/native
%files
%{_bindir}/native
`;
    const hostProvides = '  provides: [gcc, "libc.so.6*", "rtld(GNU_HASH)"]\n';
    const generated = makeSet({
      "kiln.yaml": `name: t\nhost:\n${hostProvides}`,
      "packages/native/native.spec": spec,
      "packages/native/native.c": c,
    });
    expect((await kiln(["build", "--set", generated])).code).toBe(0);
    const genRepo = join(generated, ".kiln", "repos", "main");
    expect(packagesIn(genRepo)).toEqual([
      "kiln-host-provides-1-1.noarch.rpm",
      "native-1.0-1.kiln.x86_64.rpm",
    ]);
    const provides = execFileSync("rpm", [
      "-qp",
      "--provides",
      join(genRepo, "Packages", "k", "kiln-host-provides-1-1.noarch.rpm"),
    ]).toString();
    expect(provides).toMatch(/^libc\.so\.6\(GLIBC_2\.\d+\)\(64bit\)$/m);
    expect(provides).toContain("rtld(GNU_HASH)");
    expect(provides).not.toContain("gcc"); // nothing published requires gcc

    const based = makeSet({
      "kiln.yaml": `name: t\nhost:\n${hostProvides}  base-repository: https://mirror.example.org/base/\n`,
      "packages/native/native.spec": spec,
      "packages/native/native.c": c,
    });
    expect((await kiln(["build", "--set", based])).code).toBe(0);
    const baseRepo = join(based, ".kiln", "repos", "main");
    expect(packagesIn(baseRepo)).toEqual(["native-1.0-1.kiln.x86_64.rpm"]);
    expect(readlinkSync(baseRepo)).toBe(".snapshots/main/1");
    expect(readFileSync(join(baseRepo, "repodata", "repomd.xml"), "utf8")).toContain("primary");
  });
});
