// Build roots, cached by the exact set of dependency RPMs (their sha256s) and cloned with hard
// links for each build instead of being reinstalled. A cached root is complete or absent: it is
// installed under a temporary name and renamed into place. Clones share inodes with the cache,
// so a build must treat its root as read-only (the sandbox mounts it read-only).
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rename, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ArtifactStore } from "../artifacts/store.js";
import { initRoot, installIntoRoot } from "../rpm/rpm-root.js";
import { exec } from "../util/exec.js";
import { sha256 } from "../util/hash.js";

export interface RootPackage {
  sha256: string;
  /** The RPM's file name (name-version-release.arch.rpm). */
  filename: string;
}

export interface PreparedRoot {
  key: string;
  /** Whether the root came from the cache (cloned) or was installed now. */
  cached: boolean;
  installMs: number;
  cloneMs: number;
}

/** The multiarch triplet gcc searches below each library directory (x86_64-linux-gnu on Debian). */
let multiarch: Promise<string> | undefined;
function multiarchTriplet(): Promise<string> {
  multiarch ??= exec(["gcc", "-print-multiarch"]).then(
    (r) => r.stdout.trim(),
    () => "",
  );
  return multiarch;
}

export function rootKey(packages: readonly RootPackage[]): string {
  return sha256(["kiln-buildroot-v1", ...packages.map((p) => p.sha256).sort()].join("\n"));
}

export class BuildRootCache {
  constructor(
    readonly dir: string,
    private readonly store: ArtifactStore,
  ) {}

  /** Makes `dest` a build root holding exactly `packages`, from the cache when it has one. */
  async prepare(
    packages: readonly RootPackage[],
    dest: string,
    log?: (line: string) => void,
  ): Promise<PreparedRoot> {
    const key = rootKey(packages);
    const template = join(this.dir, key);
    const cached = existsSync(template);
    let installMs = 0;
    if (!cached) {
      const t0 = performance.now();
      await this.install(packages, template);
      installMs = performance.now() - t0;
    }
    const names = packages.map((p) => p.filename).join(" ") || "no packages";
    log?.(`build root ${key.slice(0, 12)} ${cached ? "(cached)" : "(installed now)"}: ${names}`);
    const t1 = performance.now();
    await clone(template, dest);
    return { key, cached, installMs, cloneMs: performance.now() - t1 };
  }

  /** Installs a fresh root at `template` (used by prepare, and by the benchmark to compare). */
  async install(packages: readonly RootPackage[], template: string): Promise<void> {
    const tmp = join(this.dir, `.tmp-${randomUUID()}`);
    try {
      await mkdir(tmp, { recursive: true });
      await initRoot(tmp);
      const incoming = join(this.dir, `.tmp-${randomUUID()}-rpms`);
      try {
        const files = packages.map((p) => join(incoming, p.filename));
        for (const [i, p] of packages.entries()) await this.store.materialize(p.sha256, files[i]!);
        await installIntoRoot(tmp, files);
      } finally {
        await rm(incoming, { recursive: true, force: true });
      }
      // Debian's gcc searches <dir>/<triplet>/ of each LIBRARY_PATH directory before the host's
      // /usr/lib/<triplet>: pointing that at the directory itself puts the root's libraries first.
      const triplet = await multiarchTriplet();
      if (triplet) {
        for (const lib of ["usr/lib64", "usr/lib"]) {
          const d = join(tmp, lib);
          await mkdir(d, { recursive: true });
          if (!existsSync(join(d, triplet))) await symlink(".", join(d, triplet));
        }
      }
      await writeFile(join(tmp, ".kiln-buildroot.json"), JSON.stringify({ packages }, null, 1));
      await mkdir(this.dir, { recursive: true });
      try {
        await rename(tmp, template);
      } catch (e) {
        // Another build installed the same root meanwhile: theirs is as good as ours.
        if (!existsSync(template)) throw e;
      }
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
}

/** Clones a root with hard links (cp -al): milliseconds instead of an rpm install. */
export async function clone(template: string, dest: string): Promise<void> {
  await rm(dest, { recursive: true, force: true });
  await exec(["cp", "-al", template, dest]);
}
