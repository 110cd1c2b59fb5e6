// An update thread's first step: fetch the new release's tarball (the watch's limits, its magic
// checked, compared with the tarball the spec builds now), bump the spec in place (Version, a
// reset Release, a %changelog entry), check the result by reading it back with rpm's parser, and
// commit both to the thread's own branch, kiln/update/<package>-<version>, in a worktree, so the
// set's checkout and main branch are untouched. A set outside git keeps the change as a patch and
// the tarball beside the thread.
import { existsSync, lstatSync } from "node:fs";
import { cp, mkdir, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { UpdateRow } from "../db/schema.js";
import {
  addWorktree,
  branchExists,
  commitPaths,
  deleteBranch,
  headCommit,
  pruneWorktrees,
  removeWorktree,
  setPrefix,
} from "../git/set-repo.js";
import { exec } from "../util/exec.js";
import { sha256 } from "../util/hash.js";
import { readRegular, RefusedFileError } from "../util/safe-fs.js";
import type { UpstreamFetcher } from "../watch/http.js";
import { bumpSpecText } from "../watch/bump-spec.js";
import { expandNameVersion, source0Of, wrongMagic } from "./tarball.js";

export interface BumpContext {
  setDir: string;
  /** The thread's own directory (<data>/updates/<id>). */
  workDir: string;
  fetcher: UpstreamFetcher;
  maxTarballBytes: number;
  /** Differences in words between what the bump should have changed and what it did; [] is good. */
  verify: (o: BumpCheck) => Promise<string[]>;
  /** What the watch looks at, for the commit message. */
  source: string;
  now: Date;
}

/** What a bump was asked to do and what it wrote, for reading back (src/watch/verify-bump.ts). */
export interface BumpCheck {
  oldText: string;
  newText: string;
  version: string;
  date: Date;
  author: string;
  entry: string;
}

export type BumpOutcome =
  | {
      state: "bumped";
      note: string;
      fields: { branch: string | null; commit: string | null; patch: string | null; tarball_sha256: string };
    }
  | { state: "needs-hand" | "failed"; note: string };

export const branchOf = (u: Pick<UpdateRow, "package" | "rpm_version">): string =>
  `kiln/update/${u.package}-${u.rpm_version.replace(/[^A-Za-z0-9._+-]/g, "_")}`;

class NeedsHand extends Error {}
class Failed extends Error {}

export async function bumpThread(u: UpdateRow, ctx: BumpContext): Promise<BumpOutcome> {
  if (!u.tarball_url || !u.tarball_name)
    return { state: "needs-hand", note: "the thread has no tarball URL" };
  const tree = join(ctx.workDir, "tree");
  const branch = branchOf(u);
  const head = await headCommit(ctx.setDir);
  await rm(tree, { recursive: true, force: true });
  await mkdir(ctx.workDir, { recursive: true });
  let pkgDir: string;
  if (head) {
    // A crash may have left the worktree (removed above: pruned now) and the branch: start again
    // from the set's commit.
    await pruneWorktrees(ctx.setDir);
    if (await branchExists(ctx.setDir, branch)) await deleteBranch(ctx.setDir, branch);
    await addWorktree(ctx.setDir, tree, branch, head);
    pkgDir = join(tree, await setPrefix(ctx.setDir), "packages", u.package);
  } else {
    pkgDir = join(tree, "packages", u.package);
    await cp(join(ctx.setDir, "packages", u.package), pkgDir, { recursive: true, verbatimSymlinks: true });
  }
  try {
    const r = await bumpIn(u, pkgDir, ctx);
    if (head) {
      const commit = await commitPaths(tree, [pkgDir], commitMessage(u, r.sha256, ctx.source));
      await removeWorktree(ctx.setDir, tree);
      return {
        state: "bumped",
        note: `${u.package} ${u.rpm_version} committed to branch ${branch} (${commit.slice(0, 12)})`,
        fields: { branch, commit, patch: null, tarball_sha256: r.sha256 },
      };
    }
    const patch = join(ctx.workDir, "update.patch");
    await writeFile(
      patch,
      await specDiff(join(ctx.setDir, "packages", u.package), pkgDir, basename(r.specFile)),
    );
    return {
      state: "bumped",
      note: `the set is not a git repository: the change is kept as ${basename(patch)} with ${u.tarball_name} beside the thread`,
      fields: { branch: null, commit: null, patch, tarball_sha256: r.sha256 },
    };
  } catch (e) {
    if (head) {
      await removeWorktree(ctx.setDir, tree).catch(() => undefined);
      await deleteBranch(ctx.setDir, branch).catch(() => undefined);
    }
    if (e instanceof NeedsHand) return { state: "needs-hand", note: e.message };
    if (e instanceof Failed) return { state: "failed", note: e.message };
    throw e;
  }
}

async function bumpIn(
  u: UpdateRow,
  pkgDir: string,
  ctx: BumpContext,
): Promise<{ sha256: string; specFile: string }> {
  const specFile = join(pkgDir, `${u.package}.spec`);
  const oldSpec = (await readRegular(specFile, { maxBytes: 1024 * 1024 })).toString("utf8");
  let bytes: Buffer;
  try {
    bytes = await ctx.fetcher.download(u.tarball_url!, ctx.maxTarballBytes);
  } catch (e) {
    throw new Failed(`fetching the tarball ${u.tarball_url}: ${(e as Error).message}`);
  }
  const name = u.tarball_name!;
  const bad = wrongMagic(name, bytes.subarray(0, 512));
  if (bad) throw new Failed(`the tarball from ${u.tarball_url}: ${bad}`);
  const sum = sha256(bytes);
  // The tarball the spec builds now, by its own Source0 with the old version.
  const source0 = source0Of(oldSpec);
  const oldName = source0 ? basename(expandNameVersion(source0, u.package, u.from_version)) : undefined;
  const oldPath = oldName ? join(pkgDir, oldName) : undefined;
  // The package directory comes from the set: nothing in it is followed as a link or read unbounded.
  if (oldPath && lstatSync(oldPath, { throwIfNoEntry: false })) {
    const oldBytes = await readRegular(oldPath, { maxBytes: ctx.maxTarballBytes }).catch((e: unknown) => {
      if (e instanceof RefusedFileError)
        throw new NeedsHand(
          `packages/${u.package}/${oldName} is not a regular file (a link?): Kiln does not follow it`,
        );
      throw e;
    });
    const oldSum = sha256(oldBytes);
    if (oldSum === sum)
      throw new NeedsHand(
        `the upstream's tarball for ${u.version} is byte for byte the one for ${u.from_version} (sha256 ${sum.slice(0, 16)}…)`,
      );
    if (oldName !== name) await rm(oldPath);
  }
  const target = join(pkgDir, name);
  const there = lstatSync(target, { throwIfNoEntry: false });
  if (there && !there.isFile())
    throw new NeedsHand(
      `the spec cannot be bumped here: packages/${u.package}/${name} is in the set already and is not a regular file`,
    );
  await rm(target, { force: true });
  // "wx": a link made in the meantime is not followed; the file is new.
  await writeFile(target, bytes, { flag: "wx" });
  const asked = {
    version: u.rpm_version,
    date: ctx.now,
    author: "Kiln <kiln@localhost>",
    entry: `Update to ${u.version} (release watch: ${ctx.source})`,
  };
  const bumped = bumpSpecText(oldSpec, asked);
  if ("needsHand" in bumped) throw new NeedsHand(`the spec cannot be bumped: ${bumped.needsHand}`);
  await writeFile(specFile, bumped.text);
  const missing = missingLocalFiles(bumped.text, u.package, u.rpm_version, pkgDir);
  if (missing.length)
    throw new NeedsHand(
      `after the bump the spec names ${missing.join(", ")}, which the package does not have ` +
        "(a patch named by %{version}?): rename the file or write its name out in the spec",
    );
  const differences = await ctx.verify({ ...asked, oldText: oldSpec, newText: bumped.text });
  if (differences.length) throw new NeedsHand(`the bumped spec reads back wrong: ${differences.join("; ")}`);
  return { sha256: sum, specFile };
}

/** The preamble's local Source and Patch files, by the new version, that the package lacks. */
function missingLocalFiles(spec: string, name: string, version: string, pkgDir: string): string[] {
  const missing: string[] = [];
  for (const line of spec.split(/\r?\n/)) {
    if (/^%(package|description|prep)\b/.test(line)) break;
    const m = /^((?:Source|Patch)\d*)\s*:\s*(\S+)/i.exec(line);
    if (!m) continue;
    const file = expandNameVersion(m[2]!, name, version);
    // A URL is fetched by name only (its last part); other macros were checked by the read-back.
    const local = basename(file);
    if (file.includes("%")) continue;
    if (!existsSync(join(pkgDir, local))) missing.push(`${m[1]} ${local}`);
  }
  return missing;
}

function commitMessage(u: UpdateRow, sum: string, source: string): string {
  return [
    `${u.package}: update to ${u.version}`,
    "",
    `Upstream: ${source} (${u.raw})`,
    `Tarball: ${u.tarball_url} (sha256 ${sum})`,
    `Update thread ${u.id}, opened by Kiln's release watch.`,
  ].join("\n");
}

async function specDiff(oldDir: string, newDir: string, spec: string): Promise<string> {
  const r = await exec(["diff", "-u", join(oldDir, spec), join(newDir, spec)], { okCodes: [0, 1] });
  return r.stdout;
}
