// Helpers for integration tests: throwaway package sets and the real `kiln` command.
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const KILN = join(ROOT, "bin", "kiln.js");
const NODE = join(ROOT, "node_modules", ".bin", "node");

const made: string[] = [];
afterAll(() => {
  if (process.env.KILN_KEEP_TEST_DIRS) return;
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test file. */
export function tempDir(prefix = "kiln-test-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/** A package set from a map of relative paths to contents. */
export function makeSet(files: Record<string, string>): string {
  const dir = tempDir("kiln-set-");
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  return dir;
}

/**
 * a → b → c and a → d, noarch; b ships a copy of a file of a, so b's output follows a's content
 * (a-content-1 in a's spec). `extra`: more files of the set.
 */
export function chainSet(extra: Record<string, string> = {}): string {
  const a = noarchSpec("a").replace(
    "echo a > %{buildroot}%{_datadir}/a/a.txt",
    "echo a-content-1 > %{buildroot}%{_datadir}/a/a.txt",
  );
  const b = noarchSpec("b", { buildRequires: ["a"] }).replace(
    "%files",
    "cp $KILN_BUILDROOT/usr/share/a/a.txt %{buildroot}%{_datadir}/b/from-a.txt\n\n%files",
  );
  return makeSet({
    "kiln.yaml": KILN_YAML,
    "packages/a/a.spec": a,
    "packages/b/b.spec": b,
    "packages/c/c.spec": noarchSpec("c", { buildRequires: ["b"] }),
    "packages/d/d.spec": noarchSpec("d", { buildRequires: ["a"] }),
    ...extra,
  });
}

/** A copy of the bundled example set, without any data directory. */
export function copyExamples(): string {
  const dir = tempDir("kiln-examples-");
  cpSync(join(ROOT, "examples"), dir, {
    recursive: true,
    filter: (src) => !src.includes(`${"/"}.kiln`),
  });
  return dir;
}

export interface KilnResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `kiln` command (dist/, built by `npm test` before the suite). */
export function kiln(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; onStderr?: (chunk: string) => void } = {},
): Promise<KilnResult> & { pid: () => number | undefined } {
  const child = spawn(NODE, [KILN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: "1", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
    opts.onStderr?.(c.toString());
  });
  const p = new Promise<KilnResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  }) as Promise<KilnResult> & { pid: () => number | undefined };
  p.pid = () => child.pid;
  return p;
}

/** A minimal valid spec: a noarch package installing one text file. */
export function noarchSpec(
  name: string,
  extra: { buildRequires?: string[]; requires?: string[]; version?: string } = {},
): string {
  return `Name: ${name}
Version: ${extra.version ?? "1.0"}
Release: 1%{?dist}
Summary: ${name} for a Kiln test
License: MIT
BuildArch: noarch
${(extra.buildRequires ?? []).map((b) => `BuildRequires: ${b}`).join("\n")}
${(extra.requires ?? []).map((b) => `Requires: ${b}`).join("\n")}

%description
${name} for a Kiln test.

%install
mkdir -p %{buildroot}%{_datadir}/${name}
echo ${name} > %{buildroot}%{_datadir}/${name}/${name}.txt

%files
%{_datadir}/${name}
`;
}

export const KILN_YAML = `name: test
host:
  provides: [gcc, make, pkgconf, /usr/bin/pkg-config, "libc.so.6*", "rtld(GNU_HASH)", /bin/sh]
`;

export function writeFile(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

/** A set whose pipeline has two test jobs, a report stage fed by their artifacts, and a release stage that waits for approval. */
export const PIPELINE_YAML = `${KILN_YAML}build:
  rpmlint: "off"
pipeline:
  stages:
    - name: build
      jobs:
        - name: rpm
          steps: [sources, build-dependencies, rpmbuild, check]
    - name: test
      jobs:
        - name: list
          steps:
            - run: ls $KILN_RPMS > rpms.txt; echo "$GREETING" >> rpms.txt
              env: { GREETING: hello-from-env }
          artifacts: [rpms.txt]
        - name: unpack
          steps:
            - run: for r in $KILN_RPMS/*.noarch.rpm; do rpm2cpio $r | cpio -id --quiet; done; test -f usr/share/\${KILN_PACKAGE}/\${KILN_PACKAGE}.txt
    - name: report
      jobs:
        - name: summary
          steps:
            - run: cp $KILN_INPUTS/rpms.txt summary.txt; grep -q "\${KILN_PACKAGE}-1.0" summary.txt
          artifacts: [summary.txt]
    - name: release
      approval: manual
      jobs:
        - name: publish
          steps: [publish]
`;

/** A package error as `kiln plan --format json` gives it. */
export interface PlanError {
  package: string;
  code: string;
  message: string;
  file: string;
  line?: number;
}
