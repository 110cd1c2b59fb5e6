// The choice of the version to propose from what an upstream lists: the watch's options (prefix,
// include/exclude, ignored, prerelease, min-age) and the ecosystem's version rules, then the
// greatest. Pure: the clock comes in as `now`. Every release left out says why, in a few words a
// maintainer reads on the watch's page ("3.1.0rc1: a prerelease").
import { compareEvr, rpmvercmp } from "../core/rpmvercmp.js";
import { formatDuration } from "../core/promotion.js";
import type { WatchConfig } from "../config/watch-schema.js";
import type { Release, VersionScheme } from "./types.js";
import { toRpmVersion, versionRules, type RpmVersion } from "./versions.js";

/** The watch options that bear on the choice, as `watch:` in kiln.yaml spells them (min-age in seconds). */
export type SelectOptions = Partial<
  Pick<WatchConfig, "prefix" | "include" | "exclude" | "ignored" | "prerelease" | "min-age">
>;

export interface Chosen {
  /** As the upstream wrote it. */
  raw: string;
  /** With the prefix stripped: the version under the scheme's rules. */
  version: string;
  release: Release;
  /** How it goes into the spec (Version, and Epoch when the upstream has one). */
  rpm: RpmVersion;
}

export interface Skipped {
  raw: string;
  why: string;
}

export interface Selection {
  /** The greatest acceptable version; absent when none is. */
  chosen?: Chosen;
  /** Whether `chosen` is newer than the current version in rpm's order (true when no current is given). */
  newer: boolean;
  skipped: Skipped[];
}

/**
 * Picks the version to propose. `current` is the spec's Version (or `epoch:version` when the spec
 * has an Epoch), compared in rpm's terms with the chosen version's rpm form; the spec's Epoch
 * counts only when the upstream version has an epoch too. A release without
 * `publishedAt` (or with one that is not a date) is not held back by min-age: many sources (git
 * tags, release pages) say nothing about dates, and holding them back forever would stop the watch.
 */
export function selectRelease(
  releases: readonly Release[],
  scheme: VersionScheme,
  options: SelectOptions,
  now: Date,
  current?: string,
): Selection {
  const rules = versionRules(scheme);
  const include = compile(options.include, "include");
  const exclude = compile(options.exclude, "exclude");
  const ignored = new Set(options.ignored ?? []);
  const prefix = options.prefix ?? "";
  const minAge = options["min-age"];
  const skipped: Skipped[] = [];
  let chosen: Chosen | undefined;

  for (const release of releases) {
    const raw = release.raw;
    const skip = (why: string): void => {
      skipped.push({ raw, why });
    };
    if (prefix !== "" && !raw.startsWith(prefix)) {
      skip(`no prefix "${prefix}"`);
      continue;
    }
    const version = raw.slice(prefix.length);
    // The maintainer's own filters come first: a rogue tag is reported as excluded, not as invalid.
    if (include && !include.test(version)) {
      skip("not matched by include");
      continue;
    }
    if (exclude?.test(version)) {
      skip("excluded by exclude");
      continue;
    }
    if (ignored.has(version) || ignored.has(raw)) {
      skip("ignored");
      continue;
    }
    const invalid = rules.invalid(version);
    if (invalid !== undefined) {
      skip(invalid);
      continue;
    }
    if (release.yanked) {
      skip("yanked upstream");
      continue;
    }
    if (!options.prerelease) {
      if (release.prerelease) {
        skip("marked a prerelease upstream");
        continue;
      }
      if (rules.isPrerelease(version)) {
        skip("a prerelease");
        continue;
      }
    }
    if (minAge !== undefined && minAge > 0) {
      const age = ageSeconds(release, now);
      if (age !== undefined && age < minAge) {
        skip(
          age < 0
            ? "published in the future by the upstream's clock"
            : `${formatDuration(age)} old, min-age is ${formatDuration(minAge)}`,
        );
        continue;
      }
    }
    const rpm = toRpmVersion(version, scheme);
    if ("why" in rpm) {
      skip(rpm.why);
      continue;
    }
    // Equal versions (1.0 and 1.0.0 under PEP 440): the first listed stays.
    if (!chosen || rules.compare(version, chosen.version) > 0) {
      chosen = { raw, version, release, rpm };
    }
  }

  const newer = chosen !== undefined && (current === undefined || isNewer(chosen.rpm, current));
  return { ...(chosen ? { chosen } : {}), newer, skipped };
}

function compile(source: string | undefined, option: string): RegExp | undefined {
  if (source === undefined) return undefined;
  try {
    return new RegExp(source, "u");
  } catch (e) {
    throw new Error(`watch ${option}: ${(e as Error).message}`, { cause: e });
  }
}

function ageSeconds(release: Release, now: Date): number | undefined {
  if (release.publishedAt === undefined) return undefined;
  const at = Date.parse(release.publishedAt);
  return Number.isNaN(at) ? undefined : (now.getTime() - at) / 1000;
}

// A spec's Epoch is usually the distribution's own (a past downgrade), which the upstream knows
// nothing about: it counts only against an upstream that has an epoch itself (PEP 440's 1!2.0).
function isNewer(candidate: RpmVersion, current: string): boolean {
  const m = /^([0-9]+):(.*)$/su.exec(current);
  const spec: RpmVersion =
    m?.[1] !== undefined && m[2] !== undefined
      ? { epoch: Number(m[1]), version: m[2] }
      : { version: current };
  if (candidate.epoch === undefined) return rpmvercmp(candidate.version, spec.version) > 0;
  return compareEvr(candidate, spec) > 0;
}
