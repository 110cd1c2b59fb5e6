import { describe, expect, it } from "vitest";
import { compareOutputs, type OutputFile, type RpmOutput } from "./equivalence.js";

const file = (path: string, o: Partial<OutputFile> = {}): OutputFile => ({
  path,
  digest: `digest-of-${path}`,
  mode: "100644",
  user: "root",
  group: "root",
  linkTo: "",
  flags: "0",
  ...o,
});

const lib = (o: Partial<RpmOutput> = {}): RpmOutput => ({
  name: "libgreet",
  arch: "x86_64",
  deps: {
    provides: ["libgreet = 1.0-1", "libgreet.so.1()(64bit)"],
    requires: ["libc.so.6()(64bit)", "greet-data"],
  },
  scripts: { "%post": "/sbin/ldconfig\n" },
  files: [
    file("/usr/lib64/libgreet.so.1.0", { mode: "100755" }),
    file("/usr/lib64/libgreet.so.1", { mode: "120777", digest: "", linkTo: "libgreet.so.1.0" }),
  ],
  ...o,
});
const devel = (o: Partial<RpmOutput> = {}): RpmOutput => ({
  name: "libgreet-devel",
  arch: "x86_64",
  deps: { provides: ["libgreet-devel = 1.0-1", "pkgconfig(greet) = 1.0"], requires: ["libgreet = 1.0-1"] },
  scripts: {},
  files: [file("/usr/include/greet.h"), file("/usr/lib64/pkgconfig/greet.pc")],
  ...o,
});

describe("equivalence of two builds' outputs", () => {
  it("is equivalent when everything compared is the same, whatever the order of packages, files and deps", () => {
    const a = [lib(), devel()];
    const b = [
      devel({ files: [...devel().files].reverse() }),
      lib({ deps: { requires: ["greet-data", "libc.so.6()(64bit)"], provides: lib().deps.provides! } }),
    ];
    expect(compareOutputs(a, b)).toEqual({ equivalent: true, differences: [] });
  });

  it("a Release bump changes the package's own Provides: not equivalent", () => {
    const r = compareOutputs(
      [lib()],
      [lib({ deps: { ...lib().deps, provides: ["libgreet = 1.0-2", "libgreet.so.1()(64bit)"] } })],
    );
    expect(r.equivalent).toBe(false);
    expect(r.differences).toEqual([
      "libgreet.x86_64: provides differ (+libgreet = 1.0-2, -libgreet = 1.0-1)",
    ]);
  });

  it("a new soname is a Provides change", () => {
    const r = compareOutputs(
      [lib()],
      [lib({ deps: { ...lib().deps, provides: ["libgreet = 1.0-1", "libgreet.so.2()(64bit)"] } })],
    );
    expect(r.differences).toEqual([
      "libgreet.x86_64: provides differ (+libgreet.so.2()(64bit), -libgreet.so.1()(64bit))",
    ]);
  });

  it("a Requires change, a new dependency kind, a repeated entry", () => {
    const r = compareOutputs(
      [lib()],
      [
        lib({
          deps: {
            ...lib().deps,
            requires: ["libc.so.6()(64bit)", "greet-data", "greet-data"],
            conflicts: ["old-greet"],
          },
        }),
      ],
    );
    expect(r.differences).toEqual([
      "libgreet.x86_64: conflicts differ (+old-greet)",
      "libgreet.x86_64: requires differ (+greet-data)",
    ]);
  });

  it("a changed header (file content) in a subpackage", () => {
    const r = compareOutputs(
      [lib(), devel()],
      [
        lib(),
        devel({
          files: [file("/usr/include/greet.h", { digest: "other" }), file("/usr/lib64/pkgconfig/greet.pc")],
        }),
      ],
    );
    expect(r.differences).toEqual(["libgreet-devel.x86_64: /usr/include/greet.h: content differs"]);
  });

  it("mode, owner, link target and %config flags count; several at once are named together", () => {
    const r = compareOutputs(
      [lib()],
      [
        lib({
          files: [
            file("/usr/lib64/libgreet.so.1.0", { mode: "104755", user: "bin" }),
            file("/usr/lib64/libgreet.so.1", { mode: "120777", digest: "", linkTo: "libgreet.so.1.1" }),
          ],
        }),
      ],
    );
    expect(r.differences).toEqual([
      "libgreet.x86_64: /usr/lib64/libgreet.so.1: link target differs",
      "libgreet.x86_64: /usr/lib64/libgreet.so.1.0: mode, user differ",
    ]);
    const cfg = compareOutputs(
      [devel()],
      [
        devel({
          files: [file("/usr/include/greet.h", { flags: "1" }), file("/usr/lib64/pkgconfig/greet.pc")],
        }),
      ],
    );
    expect(cfg.differences).toEqual(["libgreet-devel.x86_64: /usr/include/greet.h: flags differ"]);
  });

  it("files added or removed", () => {
    const r = compareOutputs(
      [devel()],
      [devel({ files: [file("/usr/include/greet.h"), file("/usr/include/extra.h")] })],
    );
    expect(r.differences).toEqual([
      "libgreet-devel.x86_64: /usr/include/extra.h is new",
      "libgreet-devel.x86_64: /usr/lib64/pkgconfig/greet.pc is gone",
    ]);
  });

  it("scriptlets: a changed body, one added, one removed", () => {
    expect(
      compareOutputs([lib()], [lib({ scripts: { "%post": "/sbin/ldconfig\necho hi" } })]).differences,
    ).toEqual(["libgreet.x86_64: %post scriptlet differs"]);
    expect(
      compareOutputs(
        [lib()],
        [lib({ scripts: { "%post": "/sbin/ldconfig\n", "%trigger in bash": "/bin/sh\n:" } })],
      ).differences,
    ).toEqual(["libgreet.x86_64: %trigger in bash scriptlet differs"]);
    expect(compareOutputs([lib()], [lib({ scripts: {} })]).equivalent).toBe(false);
  });

  it("a subpackage built or no longer built; the same name on another architecture is another package", () => {
    expect(compareOutputs([lib()], [lib(), devel()]).differences).toEqual([
      "libgreet-devel.x86_64: newly built",
    ]);
    expect(compareOutputs([lib(), devel()], [lib()]).differences).toEqual([
      "libgreet-devel.x86_64: no longer built",
    ]);
    expect(compareOutputs([lib()], [lib({ arch: "i686" })]).differences).toEqual([
      "libgreet.x86_64: no longer built",
      "libgreet.i686: newly built",
    ]);
  });

  it("lists at most `limit` differences", () => {
    const many = Array.from({ length: 30 }, (_, i) => file(`/f${String(i).padStart(2, "0")}`));
    const r = compareOutputs([devel({ files: [] })], [devel({ files: many })], 5);
    expect(r.equivalent).toBe(false);
    expect(r.differences).toHaveLength(5);
    expect(r.differences[0]).toBe("libgreet-devel.x86_64: /f00 is new");
  });

  it("no packages on either side is equivalent (nothing to compare); one side empty is not", () => {
    expect(compareOutputs([], []).equivalent).toBe(true);
    expect(compareOutputs([], [lib()]).equivalent).toBe(false);
  });
});
