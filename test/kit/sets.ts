// Throwaway package sets and the edits tests make to them, plain or as a git repository.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ROOT } from "./paths.js";
import { KILN_YAML, noarchSpec } from "./spec.js";
import { tempDir } from "./temp.js";

export function writeFile(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

/** A package set from a map of relative paths to contents. */
export function makeSet(files: Record<string, string>, dir = tempDir("kiln-set-")): string {
  for (const [rel, content] of Object.entries(files)) writeFile(join(dir, rel), content);
  return dir;
}

/** A set with no packages (`name` in its kiln.yaml). */
export function emptySet(dir = tempDir("kiln-set-"), name = "test"): string {
  mkdirSync(join(dir, "packages"), { recursive: true });
  writeFileSync(join(dir, "kiln.yaml"), `name: ${name}\n`);
  return dir;
}

/**
 * a → b → c and a → d, noarch; b ships a copy of a file of a, so b's output follows a's content
 * (a-content-1 in a's spec). `extra`: more files of the set.
 */
export function chainSet(extra: Record<string, string> = {}): string {
  return makeSet({
    "kiln.yaml": KILN_YAML,
    "packages/a/a.spec": noarchSpec("a", { content: "a-content-1" }),
    "packages/b/b.spec": noarchSpec("b", {
      buildRequires: ["a"],
      install: ["cp $KILN_BUILDROOT/usr/share/a/a.txt %{buildroot}%{_datadir}/b/from-a.txt"],
    }),
    "packages/c/c.spec": noarchSpec("c", { buildRequires: ["b"] }),
    "packages/d/d.spec": noarchSpec("d", { buildRequires: ["a"] }),
    ...extra,
  });
}

/** first → slow → last, noarch; slow's %build echoes `marker`, then sleeps `seconds`. */
export function slowSet(marker: string, seconds: number): string {
  return makeSet({
    "kiln.yaml": KILN_YAML,
    "packages/first/first.spec": noarchSpec("first"),
    "packages/slow/slow.spec": noarchSpec("slow", { buildRequires: ["first"] }).replace(
      "%install\n",
      `%build\necho ${marker}; sleep ${seconds}\n\n%install\n`,
    ),
    "packages/last/last.spec": noarchSpec("last", { buildRequires: ["slow"] }),
  });
}

/** A copy of the bundled example set, without any data directory. */
export function copyExamples(dir = tempDir("kiln-examples-")): string {
  cpSync(join(ROOT, "examples"), dir, {
    recursive: true,
    filter: (src) => !src.includes(`${"/"}.kiln`),
  });
  return dir;
}

/** Rewrites a package's spec (packages/PKG/PKG.spec). */
export function edit(set: string, pkg: string, f: (spec: string) => string): void {
  editFile(set, join("packages", pkg, `${pkg}.spec`), f);
}

/** Rewrites any file of the set, by its path in the set. */
export function editFile(set: string, path: string, f: (text: string) => string): void {
  const file = join(set, path);
  writeFileSync(file, f(readFileSync(file, "utf8")));
}

/** The chain set (a → b → c, a → d) as a git repository with one commit. */
export function gitSet(): string {
  const set = chainSet({ ".gitignore": ".kiln/\n" });
  git(set, "init", "-q", "-b", "main");
  commit(set, "the first packages");
  return set;
}

export function git(dir: string, ...args: string[]): string {
  return execFileSync("git", ["-C", dir, ...args], {
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "Maintainer",
      GIT_AUTHOR_EMAIL: "m@example.org",
      GIT_COMMITTER_NAME: "Maintainer",
      GIT_COMMITTER_EMAIL: "m@example.org",
    },
  })
    .toString()
    .trim();
}

/** Commits everything in the set; returns the commit. */
export function commit(dir: string, message: string): string {
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", message);
  return git(dir, "rev-parse", "HEAD");
}
