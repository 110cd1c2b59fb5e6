// An update thread: one new upstream version of one package, from detection to stable. Its states
// and which new version opens, supersedes or is refused a thread are decided here, with no IO.
import { rpmvercmp } from "./rpmvercmp.js";

/**
 * detected: a newer upstream release passed the watch's rules; bumped: the spec and tarball are
 * committed to the thread's branch (or kept as a patch); building / built / testing / ready: the
 * candidate's builds and tests (ready: a green, tested candidate waiting for acceptance);
 * accepted: merged, being published and promoted. Final: promoted (in stable), needs-hand (Kiln
 * cannot make or test the change itself and says why), failed (it did not build or its tests
 * failed), superseded (a newer version's thread took over), rejected (a maintainer said no: that
 * version is never proposed again).
 */
export const UPDATE_PATH = [
  "detected",
  "bumped",
  "building",
  "built",
  "testing",
  "ready",
  "accepted",
  "promoted",
] as const;
/** Where a thread stopped on the way to stable. */
export const UPDATE_STOPS = ["needs-hand", "failed", "superseded", "rejected"] as const;
export const UPDATE_STATES = [...UPDATE_PATH, ...UPDATE_STOPS] as const;
export type UpdateState = (typeof UPDATE_STATES)[number];

const FINAL: ReadonlySet<UpdateState> = new Set([
  "promoted",
  "needs-hand",
  "failed",
  "superseded",
  "rejected",
]);

export const isOpenUpdate = (s: UpdateState): boolean => !FINAL.has(s);

export interface ThreadFacts {
  id: number;
  /** The version as it goes into the spec's Version (rpm ordering). */
  rpmVersion: string;
  state: UpdateState;
}

export type NewVersionDecision = { open: true; supersede: number[] } | { open: false; why: string };

/**
 * What a newly seen upstream version does, given the package's threads: nothing when a thread for
 * it exists (open or ended: a failed version is not retried by itself, a rejected one never
 * proposed again) or an open thread has a newer version; otherwise it opens a thread and
 * supersedes the open threads of older versions that were not accepted yet.
 */
export function onNewVersion(threads: readonly ThreadFacts[], rpmVersion: string): NewVersionDecision {
  const same = threads.find((t) => rpmvercmp(t.rpmVersion, rpmVersion) === 0);
  if (same)
    return {
      open: false,
      why:
        same.state === "rejected"
          ? `${rpmVersion} was rejected (thread ${same.id})`
          : `thread ${same.id} is about ${rpmVersion} already (${same.state})`,
    };
  const open = threads.filter((t) => isOpenUpdate(t.state));
  const newer = open.find((t) => rpmvercmp(t.rpmVersion, rpmVersion) > 0);
  if (newer) return { open: false, why: `thread ${newer.id} is about a newer version, ${newer.rpmVersion}` };
  const accepted = open.find((t) => t.state === "accepted");
  if (accepted)
    return {
      open: false,
      why: `thread ${accepted.id} (${accepted.rpmVersion}) was accepted and is being published`,
    };
  return { open: true, supersede: open.map((t) => t.id) };
}

export type AutoLevel = "patch" | "minor" | "major";

/**
 * Whether going from `from` to `to` (rpm forms) stays within `level`, by their leading numbers
 * (1.2.3: major 1, minor 2; a missing part is 0). A prerelease (~ in rpm's form) never does.
 */
export function withinLevel(from: string, to: string, level: AutoLevel): boolean {
  if (to.includes("~") || rpmvercmp(to, from) <= 0) return false;
  const nums = (v: string): number[] => (/^\d+(\.\d+)*/.exec(v)?.[0] ?? "").split(".").map(Number);
  const [a, b] = [nums(from), nums(to)];
  const part = (x: number[], i: number): number => x[i] ?? 0;
  if (level === "major") return true;
  if (part(a, 0) !== part(b, 0)) return false;
  return level === "minor" || part(a, 1) === part(b, 1);
}
