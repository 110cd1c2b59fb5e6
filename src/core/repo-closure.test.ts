import { describe, expect, it } from "vitest";
import { hostMatcher } from "./providers.js";
import { checkRepoClosure, type ClosureReport, type RepoPackage } from "./repo-closure.js";

const rpm = (binary: string, p: Partial<Omit<RepoPackage, "binary">> = {}): RepoPackage => ({
  source: p.source ?? binary,
  binary,
  provides: p.provides ?? [`${binary} = 1.0-1.kiln`, `${binary}(x86-64) = 1.0-1.kiln`],
  requires: p.requires ?? [],
  files: p.files ?? [],
});

const HOST = ["libc.so.6*", "rtld(GNU_HASH)", "/bin/sh", "perl(*)"];

describe("checkRepoClosure", () => {
  it.each<[string, RepoPackage[], ClosureReport]>([
    ["an empty repository", [], { hostCapabilities: [], missing: [] }],
    [
      "requires satisfied inside the repository",
      [
        rpm("app", { requires: ["libfoo = 1.0-1.kiln", "libfoo.so.1()(64bit)", "foo-data >= 0.9"] }),
        rpm("libfoo", { provides: ["libfoo = 1.0-1.kiln", "libfoo.so.1()(64bit)"] }),
        rpm("foo-data", { source: "libfoo" }),
      ],
      { hostCapabilities: [], missing: [] },
    ],
    [
      "host capabilities are collected, sorted and once each",
      [
        rpm("b", { requires: ["rtld(GNU_HASH)", "libc.so.6()(64bit)", "libc.so.6(GLIBC_2.34)(64bit)"] }),
        rpm("a", { requires: ["libc.so.6()(64bit)", "/bin/sh"] }),
      ],
      {
        hostCapabilities: ["/bin/sh", "libc.so.6()(64bit)", "libc.so.6(GLIBC_2.34)(64bit)", "rtld(GNU_HASH)"],
        missing: [],
      },
    ],
    [
      "what the repository provides is not a host capability, even when the host has it",
      [rpm("a", { requires: ["perl(Foo)"] }), rpm("perl-Foo", { provides: ["perl(Foo) = 1"] })],
      { hostCapabilities: [], missing: [] },
    ],
    [
      "missing requires are reported with who needs them",
      [
        rpm("app", { requires: ["libbar.so.2()(64bit)", "libc.so.6()(64bit)"] }),
        rpm("tool", { requires: ["app >= 2"] }),
      ],
      {
        hostCapabilities: ["libc.so.6()(64bit)"],
        missing: [
          { requirement: "libbar.so.2()(64bit)", neededBy: "app" },
          { requirement: "app >= 2", neededBy: "tool" },
        ],
      },
    ],
    [
      "rpmlib() requirements are rpm's own",
      [
        rpm("a", {
          requires: ["rpmlib(CompressedFileNames) <= 3.0.4-1", "rpmlib(PayloadIsZstd) <= 5.4.18-1"],
        }),
      ],
      { hostCapabilities: [], missing: [] },
    ],
    [
      "file requires satisfied by files",
      [
        rpm("script", { requires: ["/usr/bin/python3", "/usr/share/data/x.db"] }),
        rpm("python3", { files: ["/usr/bin/python3", "/usr/lib/python3.12"] }),
        rpm("data", { files: ["/usr/share/data", "/usr/share/data/x.db"] }),
      ],
      { hostCapabilities: [], missing: [] },
    ],
    [
      "a file require nobody ships",
      [rpm("script", { requires: ["/usr/bin/ruby", "/bin/sh"] })],
      { hostCapabilities: ["/bin/sh"], missing: [{ requirement: "/usr/bin/ruby", neededBy: "script" }] },
    ],
    [
      "a versioned require checks the version",
      [rpm("a", { requires: ["b >= 2.0"] }), rpm("b", { provides: ["b = 1.0-1"] })],
      { hostCapabilities: [], missing: [{ requirement: "b >= 2.0", neededBy: "a" }] },
    ],
    [
      "a rich require satisfied in the repository",
      [rpm("a", { requires: ["(b or c)"] }), rpm("c")],
      { hostCapabilities: [], missing: [] },
    ],
    [
      "a rich require satisfied with the host's help",
      [rpm("a", { requires: ["(b and libc.so.6()(64bit))"] }), rpm("b")],
      { hostCapabilities: ["libc.so.6()(64bit)"], missing: [] },
    ],
    [
      "a rich require nothing satisfies",
      [rpm("a", { requires: ["(b or c)"] })],
      { hostCapabilities: [], missing: [{ requirement: "(b or c)", neededBy: "a" }] },
    ],
    [
      "a require that does not parse is missing",
      [rpm("a", { requires: ["b >="] })],
      { hostCapabilities: [], missing: [{ requirement: "b >=", neededBy: "a" }] },
    ],
    [
      "a provide that does not parse is left out",
      [rpm("a", { requires: ["b"] }), rpm("b", { provides: ["b >=", "other"] })],
      { hostCapabilities: [], missing: [{ requirement: "b", neededBy: "a" }] },
    ],
  ])("%s", (_what, pkgs, expected) => {
    expect(checkRepoClosure(pkgs, hostMatcher(HOST))).toStrictEqual(expected);
  });

  it("asks the host only about what the repository lacks", () => {
    const asked: string[] = [];
    checkRepoClosure([rpm("a", { requires: ["b", "libc.so.6()(64bit)"] }), rpm("b")], (name) => {
      asked.push(name);
      return name.startsWith("libc.so.6");
    });
    expect(asked).not.toContain("b");
    expect(asked).toContain("libc.so.6()(64bit)");
  });
});
