// The bump on real specs, read back by librpm (Kiln's spec reader) and cross-checked with the
// rpmspec command. Neither is optional: without rpm's parser these tests fail rather than skip.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { probeSandbox } from "../src/sandbox/bubblewrap.js";
import { bumpSpecText } from "../src/watch/bump-spec.js";
import { verifyBump } from "../src/watch/verify-bump.js";
import { ROOT, tempDir } from "./kit/index.js";

const date = new Date("2026-12-04T10:00:00Z");
const bump = { version: "1.2", date, author: "Kiln <kiln@localhost>", entry: "Update to 1.2" };
const read = { defines: { dist: ".kiln1" }, sandbox: false };
const libgreet = readFileSync(join(ROOT, "examples/packages/libgreet/libgreet.spec"), "utf8");

function bumped(text: string, o: Partial<typeof bump> = {}): string {
  const r = bumpSpecText(text, { ...bump, ...o });
  if (!("text" in r)) throw new Error(`the bump needs a hand: ${r.needsHand}`);
  return r.text;
}

function rpmspec(text: string, ...args: string[]): string {
  const f = join(tempDir("kiln-bump-rpmspec-"), "x.spec");
  writeFileSync(f, text);
  return execFileSync("rpmspec", ["--define", "dist .kiln1", "-q", ...args, f], { encoding: "utf8" });
}

// Made-up specs in shapes real ones have: a number macro for Release, an Epoch, CRLF endings, a
// subpackage with its own Version and a Requires on the main package's EVR.
const macros = [
  "%global baserelease 4",
  "%global srcver %{version}",
  "Name:\tmacros",
  "Epoch:\t3",
  "Version:\t2.0",
  "Release:\t%{baserelease}%{?dist}",
  "Summary:\tA spec with macros",
  "License:\tMIT",
  "Source0:\thttps://example.org/macros-%{srcver}.tar.gz",
  "BuildRequires:\tgcc >= 4",
  "",
  "%description",
  "Macros.",
  "",
  "%package tools",
  "Version:\t9.1",
  "Summary:\tTools",
  "Requires:\t%{name}%{?_isa} = %{epoch}:%{version}-%{release}",
  "",
  "%description tools",
  "Tools.",
  "",
  "%files",
  "%doc %{_docdir}/macros-%{version}/README",
  "/usr/lib/macros/libmacros.so.2.0",
  "",
  "%files tools",
  "/usr/bin/macros-tool",
  "",
  "%changelog",
  "* Tue Mar 05 2024 A <a@example.org> - 3:2.0-4",
  "- Rebuilt",
  "",
  "* Mon Jan 01 2024 A <a@example.org> - 3:2.0-1",
  "- Initial",
].join("\r\n");

// No %changelog, no newline at the end, a noarch package, a rebuild number after %{?dist}.
const bare = [
  "Name: bare",
  "Version: 0.9.1",
  "Release: 0.3%{?dist}.1",
  "Summary: A bare spec",
  "License: MIT",
  "BuildArch: noarch",
  "Provides: bare-api = %{version}",
  "",
  "%description",
  "Bare.",
  "",
  "%files",
].join("\n");

describe("a bump read back by rpm", () => {
  it("has rpm's parser here (CI does not skip these tests)", () => {
    expect(execFileSync("rpmspec", ["--version"], { encoding: "utf8" })).toMatch(/RPM version 4\./);
    execFileSync("/usr/bin/python3", ["-c", "import rpm"]);
  });

  it("bumps libgreet, in the sandbox: the new version, Release 1, the entry, nothing else", async () => {
    await probeSandbox();
    const text = bumped(libgreet);
    expect(
      await verifyBump({ oldText: libgreet, newText: text, ...bump, read: { ...read, sandbox: true } }),
    ).toEqual([]);
    // The rpmspec command agrees, independently of Kiln's reader.
    expect(rpmspec(text, "--srpm", "--qf", "%{version}-%{release}\n")).toBe("1.2-1.kiln1\n");
    const log = rpmspec(
      text,
      "--srpm",
      "--qf",
      "[* %{changelogtime:day} %{changelogname}\n%{changelogtext}\n\n]",
    ).split("\n");
    expect(log.slice(0, 4)).toEqual([
      "* Fri Dec 04 2026 Kiln <kiln@localhost> - 1.2-1",
      "- Update to 1.2",
      "",
      "* Mon Jan 01 2024 Kiln examples <kiln@example.org> - 1.0-1",
    ]);
  });

  it.each([
    ["macros, an Epoch and CRLF", macros, "2.1"],
    ["no %changelog and no newline at the end", bare, "1.0~rc1"],
  ])("bumps a spec with %s", async (_what, oldText, version) => {
    const newText = bumped(oldText, { version });
    expect(await verifyBump({ oldText, newText, ...bump, version, read })).toEqual([]);
  });

  it("leaves the subpackage's own Version and the main package's Epoch as they were", () => {
    const out = rpmspec(bumped(macros, { version: "2.1" }), "--qf", "%{epoch}:%{version}-%{release}\n");
    expect(out).toBe("3:2.1-1.kiln1\n3:9.1-1.kiln1\n");
  });

  it.each<[string, (bumpedText: string) => string, RegExp]>([
    [
      "a changed BuildRequires",
      (t) => t.replace("gcc >= 4", "gcc >= 5"),
      /BuildRequires: no longer "gcc >= 4"; now also "gcc >= 5"/,
    ],
    [
      "a Release not reset",
      (t) => t.replace("baserelease 1", "baserelease 5"),
      /Release is "5\.kiln1", not "1\.kiln1"/,
    ],
    [
      "a subpackage dropped",
      (t) =>
        t
          .replace(/%package tools[^]*?%description tools\r\nTools\.\r\n/, "")
          .replace("%files tools\r\n/usr/bin/macros-tool\r\n", ""),
      /packages: no longer "macros-tools\.x86_64"/,
    ],
    [
      "a file renamed",
      (t) => t.replace("/usr/bin/macros-tool", "/usr/bin/macros-tool2"),
      /%files of macros-tools: no longer "\/usr\/bin\/macros-tool"; now also "\/usr\/bin\/macros-tool2"/,
    ],
    [
      "an old entry edited",
      (t) => t.replace("- Rebuilt", "- Rebuilt twice"),
      /the %changelog entry "A <a@example.org> - 3:2\.0-4" changed/,
    ],
    [
      "an entry by someone else",
      (t) => t.replace("Kiln <kiln@localhost>", "Eve <e@x>"),
      /entry is by "Eve <e@x> - 3:2\.1-1"/,
    ],
    [
      "a Version not set",
      (t) => t.replace("Version:\t2.1", "Version:\t2.0"),
      /Version is "2\.0", not "2\.1"/,
    ],
  ])("reports %s", async (_what, spoil, why) => {
    const newText = spoil(bumped(macros, { version: "2.1" }));
    const diffs = await verifyBump({ oldText: macros, newText, ...bump, version: "2.1", read });
    expect(diffs.join("\n")).toMatch(why);
  });

  it("reports a spec rpm cannot read, and rpm's own complaint about a changelog out of order", async () => {
    const newText = bumped(libgreet);
    const broken = await verifyBump({
      oldText: libgreet,
      newText: newText.replace("Release:", "Releese:"),
      ...bump,
      read,
    });
    expect(broken.join("\n")).toMatch(/rpm cannot read the bumped spec: .*line 3: Unknown tag/);
    const backwards = newText.replace("Mon Jan 01 2024", "Sat Jan 01 2028");
    const order = await verifyBump({ oldText: libgreet, newText: backwards, ...bump, read });
    expect(order.join("\n")).toMatch(/not in descending chronological order/);
  });
});
