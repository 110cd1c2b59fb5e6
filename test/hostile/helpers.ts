// Shared by the hostile corpus: the secrets an attacker must never read, and where to look for
// them (texts, logs, every artifact in a store, the payload and header of every RPM there).
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect } from "vitest";
import { probeSandbox } from "../../src/sandbox/bubblewrap.js";
import { tempDir } from "../kit/index.js";

export interface Secret {
  /** How a failure names it (never its value). */
  name: string;
  value: string;
}

/** Each line of /etc/shadow (tests run as root): none may show anywhere an attacker reads. */
export function shadowSecrets(): Secret[] {
  return readFileSync("/etc/shadow", "utf8")
    .split("\n")
    .filter((l) => l.length >= 8)
    .map((value, i) => ({ name: `line ${i + 1} of /etc/shadow`, value }));
}

/** A file with a fresh random token in it, to be looked for where it must not be. */
export function plantSecret(path: string, name: string): Secret {
  const value = `kiln-secret-${randomBytes(16).toString("hex")}`;
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  return { name, value };
}

/** A token file the server wrote (admin.token, enrol.token) or an agent's credential (agent.json). */
export function secretOf(path: string, name: string): Secret {
  const text = readFileSync(path, "utf8").trim();
  const value = path.endsWith(".json") ? (JSON.parse(text) as { token: string }).token : text;
  expect(value.length, `${name} is empty`).toBeGreaterThan(8);
  return { name, value };
}

/** Fails naming where a secret showed, without printing the secret. */
export function expectNoSecret(where: string, text: string | Buffer, secrets: readonly Secret[]): void {
  const s = typeof text === "string" ? text : text.toString("latin1");
  const shown = secrets.filter((x) => s.includes(x.value)).map((x) => x.name);
  expect(shown, `${where} holds a secret`).toEqual([]);
}

const RPM_MAGIC = Buffer.from([0xed, 0xab, 0xee, 0xdb]);

/** Every regular file below `dir`. */
export function filesBelow(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** What an RPM shows whoever installs it: its header (summary, description, scripts) and payload. */
export function rpmTexts(rpm: string): { where: string; text: Buffer }[] {
  const out: { where: string; text: Buffer }[] = [];
  out.push({
    where: `${rpm} (header)`,
    text: execFileSync("rpm", ["-qpi", "--scripts", "--nomanifest", "--nosignature", rpm]),
  });
  const into = tempDir("kiln-payload-");
  execFileSync("sh", ["-c", 'rpm2cpio "$1" | cpio -idm --quiet --no-absolute-filenames', "sh", rpm], {
    cwd: into,
  });
  for (const f of filesBelow(into))
    out.push({ where: `${rpm}:${f.slice(into.length)}`, text: readFileSync(f) });
  return out;
}

/**
 * Scans every file below `dir` (an artifact store, a repository): RPMs by header and payload,
 * anything else as it is. Returns how many RPMs it opened.
 */
export function expectStoreClean(dir: string, secrets: readonly Secret[]): number {
  let rpms = 0;
  for (const f of filesBelow(dir)) {
    const bytes = readFileSync(f);
    if (bytes.subarray(0, 4).equals(RPM_MAGIC)) {
      rpms++;
      for (const t of rpmTexts(f)) expectNoSecret(t.where, t.text, secrets);
    } else expectNoSecret(f, bytes, secrets);
  }
  return rpms;
}

const isRoot = process.getuid?.() === 0;
const sandbox = await probeSandbox();

/**
 * A describe block that needs root and a working bubblewrap: skipped where they are missing, but
 * with CI=true it runs and fails, saying what is missing.
 */
export function describeAsRootInSandbox(name: string, body: () => void): void {
  const missing = [
    ...(isRoot ? [] : ["root (the attacks are on what root can read)"]),
    ...(sandbox.available ? [] : [`bubblewrap (${sandbox.reason ?? "unknown reason"})`]),
  ];
  describe.skipIf(missing.length > 0 && process.env.CI !== "true")(name, () => {
    beforeAll(() => {
      if (missing.length > 0) throw new Error(`this test needs ${missing.join(" and ")}`);
    });
    body();
  });
}

/** A directory with a `bwrap` that fails as a broken one does, to put first in PATH. */
export function brokenBwrapPath(): string {
  const dir = tempDir("kiln-nobwrap-");
  writeFileSync(
    join(dir, "bwrap"),
    "#!/bin/sh\necho 'bwrap: No permissions to creating new namespace' >&2\nexit 1\n",
    { mode: 0o755 },
  );
  return `${dir}:${process.env.PATH ?? "/usr/bin:/bin"}`;
}
