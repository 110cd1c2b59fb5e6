// A build uses what its build root holds, never the host's copy of the same library.
//
// The test puts a different copy of libgreet where the toolchain looks on the host: the header
// in /usr/include, the library in Debian's multiarch directory (which Debian's gcc searches BEFORE
// LIBRARY_PATH), the pkg-config file in the host's pkg-config directory. Each piece of the decoy
// breaks the build if it is used: the header is an #error, the .pc file names a library that does
// not exist, the library lacks greet_message. The example set must still build green, with the
// sandbox and without it; and a control shows that without Kiln's measures the decoy does win.
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  cpSync,
  unlinkSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeSandbox } from "../src/sandbox/bubblewrap.js";
import { copyExamples, kiln, tempDir } from "./kit/index.js";

const triplet = execFileSync("gcc", ["-print-multiarch"]).toString().trim();
const HOST_LIB = `/usr/lib/${triplet}`;
const DECOY = {
  header: "/usr/include/greet.h",
  lib: `${HOST_LIB}/libgreet.so.1`,
  link: `${HOST_LIB}/libgreet.so`,
  pc: `${HOST_LIB}/pkgconfig/greet.pc`,
};
const isRoot = process.getuid?.() === 0;

function removeDecoy(): void {
  for (const f of Object.values(DECOY)) rmSync(f, { force: true });
}

function installDecoy(): void {
  removeDecoy();
  for (const f of Object.values(DECOY)) {
    if (existsSync(f)) throw new Error(`${f} exists on this host; refusing to replace it`);
  }
  const work = tempDir("kiln-decoy-");
  writeFileSync(join(work, "decoy.c"), "int greet_decoy_only(void) { return 42; }\n");
  execFileSync("gcc", [
    "-shared",
    "-fPIC",
    "-Wl,-soname,libgreet.so.1",
    "-o",
    DECOY.lib,
    join(work, "decoy.c"),
  ]);
  symlinkSync("libgreet.so.1", DECOY.link);
  writeFileSync(DECOY.header, "#error \"the host's greet.h was used instead of the build root's\"\n");
  mkdirSync(`${HOST_LIB}/pkgconfig`, { recursive: true });
  writeFileSync(
    DECOY.pc,
    "prefix=/usr\nName: greet\nDescription: the host's decoy\nVersion: 9.9\nLibs: -lgreet-host-decoy-does-not-exist\nCflags: -DHOST_DECOY\n",
  );
}

describe.runIf(isRoot)("a host copy of a library is never used", () => {
  beforeAll(installDecoy);
  afterAll(removeDecoy);

  it("is in the way on this host: a plain compile against libgreet picks the decoy", () => {
    const work = tempDir("kiln-control-");
    writeFileSync(join(work, "t.c"), "#include <greet.h>\nint main(void) { return 0; }\n");
    const r = spawnSync("gcc", ["-c", join(work, "t.c"), "-o", join(work, "t.o")]);
    expect(r.status).not.toBe(0);
    expect(r.stderr.toString()).toContain("the host's greet.h was used");
    expect(execFileSync("pkg-config", ["--modversion", "greet"]).toString().trim()).toBe("9.9");
  });

  for (const sandbox of ["auto", "off"] as const) {
    it(`builds the example set against its own build roots (sandbox ${sandbox})`, async () => {
      if (sandbox === "auto") expect((await probeSandbox()).available).toBe(true);
      const set = copyExamples();
      // kiln.yaml can only tighten the operator's policy: its "sandbox: auto" would win over "off".
      const config = join(set, "kiln.yaml");
      if (sandbox === "off") {
        const text = readFileSync(config, "utf8");
        expect(text).toMatch(/^build:\n {2}sandbox: auto\n/m);
        writeFileSync(config, text.replace(/^build:\n {2}sandbox: auto\n/m, ""));
      }
      const r = await kiln(["build", "--set", set, "--jobs", "2", "--sandbox", sandbox]);
      expect(r.stderr).not.toMatch(/FAILED/);
      expect(r.stdout).toContain("built 7, up to date 0, cut off 0, failed 0, blocked 0");
      if (sandbox === "off") expect(r.stderr).toContain("building without a sandbox");
      else expect(r.stderr).not.toContain("building without a sandbox");

      // The control: the same build root, without the multiarch link Kiln adds, links the decoy.
      const roots = join(set, ".kiln", "buildroots");
      const withGreet = readdirSync(roots).find((d) =>
        existsSync(join(roots, d, "usr", "include", "greet.h")),
      )!;
      const root = join(roots, withGreet);
      const work = tempDir("kiln-control-");
      writeFileSync(
        join(work, "t.c"),
        '#include <greet.h>\n#include <stdlib.h>\nint main(void) { free(greet_message("x")); return 0; }\n',
      );
      const env = {
        PATH: process.env.PATH!,
        CPATH: join(root, "usr/include"),
        LIBRARY_PATH: join(root, "usr/lib64"),
      };
      const good = spawnSync("gcc", [join(work, "t.c"), "-o", join(work, "t"), "-lgreet"], { env });
      expect(good.stderr.toString()).toBe("");
      expect(good.status).toBe(0);
      const plain = join(work, "plain-root");
      cpSync(root, plain, { recursive: true, verbatimSymlinks: true });
      unlinkSync(join(plain, "usr", "lib64", triplet));
      const bad = spawnSync("gcc", [join(work, "t.c"), "-o", join(work, "t"), "-lgreet"], {
        env: { ...env, CPATH: join(plain, "usr/include"), LIBRARY_PATH: join(plain, "usr/lib64") },
      });
      expect(bad.status).not.toBe(0);
      expect(bad.stderr.toString()).toMatch(/undefined reference to `greet_message'/);
    });
  }
});
