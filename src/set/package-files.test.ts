import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { SourcePackage } from "../core/package.js";
import {
  asPackageError,
  checkPackageFiles,
  checkSpec,
  listPackageDirs,
  MAX_SPEC_BYTES,
  refusal,
} from "./package-files.js";

const root = mkdtempSync(join(tmpdir(), "kiln-package-files-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const packages = join(root, "packages");
mkdirSync(join(packages, "p"), { recursive: true });
const p = (name: string): string => join(packages, "p", name);
writeFileSync(p("p.spec"), "Name: p\n");
writeFileSync(p("ok.tar.gz"), "tarball");
writeFileSync(join(root, "secret"), "s3cret");
symlinkSync(join(root, "secret"), p("link.tar.gz"));
execFileSync("mkfifo", [p("fifo.tar.gz")]);
symlinkSync("/dev/zero", p("zero.tar.gz"));
mkdirSync(p("dir.tar.gz"));
writeFileSync(p("big.tar.gz"), "");
truncateSync(p("big.tar.gz"), 5000);
symlinkSync(join(root, "secret"), p("p.rpmlintrc"));
mkdirSync(join(packages, "q"));
writeFileSync(join(packages, "q", "other.spec"), "");
mkdirSync(join(packages, "r"));
execFileSync("mkfifo", [join(packages, "r", "r.spec")]);
mkdirSync(join(packages, "s"));
writeFileSync(join(packages, "s", "s.spec"), "");
truncateSync(join(packages, "s", "s.spec"), MAX_SPEC_BYTES + 1);
symlinkSync(join(packages, "p"), join(packages, "linked"));
mkdirSync(join(packages, "new\nline"));

describe("refusal", () => {
  it.each([
    ["ok.tar.gz", undefined],
    ["missing.tar.gz", "missing"],
    ["link.tar.gz", "link"],
    ["zero.tar.gz", "link"],
    ["fifo.tar.gz", "special"],
    ["dir.tar.gz", "special"],
    ["big.tar.gz", "too-large"],
  ])("%s: %s", (name, reason) => {
    expect(refusal(p(name), `packages/p/${name}`, 4096)?.reason).toBe(reason);
  });

  it("refuses a device", () => {
    expect(refusal("/dev/null", "/dev/null", 10)?.message).toBe("/dev/null is a device, not a regular file");
  });
});

describe("listPackageDirs", () => {
  it("lists the directories and refuses a directory link without following it", () => {
    const { dirs, refused } = listPackageDirs(packages);
    expect(dirs).toEqual(["p", "q", "r", "s"]);
    expect(
      [...refused].sort(([a], [b]) => a.localeCompare(b)).map(([n, e]) => [n, e.code, e.message]),
    ).toEqual([
      ["linked", "FILE_REFUSED", "packages/linked is a symbolic link: Kiln does not follow links"],
      ["new\nline", "FILE_REFUSED", "packages/new\\nline has a control character in its name"],
    ]);
  });
});

describe("checkSpec", () => {
  it.each([
    ["p", undefined],
    ["q", "SPEC_MISSING: packages/q/ has no q.spec (it has other.spec)"],
    ["r", "FILE_REFUSED: packages/r/r.spec is a pipe, not a regular file"],
    ["s", `FILE_REFUSED: packages/s/s.spec is ${MAX_SPEC_BYTES + 1} bytes; the limit is ${MAX_SPEC_BYTES}`],
  ])("%s", (dir, expected) => {
    const r = checkSpec(packages, dir);
    expect(r.ok ? undefined : `${r.error.code}: ${r.error.message}`).toBe(expected);
  });
});

describe("checkPackageFiles", () => {
  it("names each unusable source at the line that names it, and a linked rpmlintrc", () => {
    const names = [
      "ok.tar.gz",
      "missing.tar.gz",
      "link.tar.gz",
      "fifo.tar.gz",
      "zero.tar.gz",
      "dir.tar.gz",
      "big.tar.gz",
    ];
    const pkg = {
      name: "p",
      specFile: "packages/p/p.spec",
      sources: names.map((name, i) => ({ name, kind: "source" as const, number: i, line: 10 + i })),
    } as unknown as SourcePackage;
    const errors = checkPackageFiles(pkg, packages, "p", 4096);
    expect(errors.map((e) => [e.code, e.location?.line, e.message])).toEqual([
      ["SOURCE_MISSING", 11, 'Source1 "missing.tar.gz" is not in packages/p/'],
      [
        "FILE_REFUSED",
        12,
        'Source2 "link.tar.gz": packages/p/link.tar.gz is a symbolic link: Kiln does not follow links',
      ],
      ["FILE_REFUSED", 13, 'Source3 "fifo.tar.gz": packages/p/fifo.tar.gz is a pipe, not a regular file'],
      [
        "FILE_REFUSED",
        14,
        'Source4 "zero.tar.gz": packages/p/zero.tar.gz is a symbolic link: Kiln does not follow links',
      ],
      ["FILE_REFUSED", 15, 'Source5 "dir.tar.gz": packages/p/dir.tar.gz is a directory, not a file'],
      ["FILE_REFUSED", 16, 'Source6 "big.tar.gz": packages/p/big.tar.gz is 5000 bytes; the limit is 4096'],
      ["FILE_REFUSED", undefined, "packages/p/p.rpmlintrc is a symbolic link: Kiln does not follow links"],
    ]);
  });
});

describe("asPackageError", () => {
  it("makes an errno failure the package's error and rethrows anything else", () => {
    const eacces = Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
    const e = asPackageError(eacces, "packages/p/p.spec");
    expect([e.code, e.message, e.location]).toEqual([
      "FILE_REFUSED",
      "packages/p/p.spec cannot be read (EACCES)",
      { file: "packages/p/p.spec" },
    ]);
    const bug = new TypeError("a bug");
    expect(() => asPackageError(bug, "x")).toThrow(bug);
  });
});
