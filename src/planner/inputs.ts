// What a build consumes, and the key that says whether a package is up to date: the same spec,
// the same sources and the same dependency RPMs (by sha256) as its last green build.
import type { RootPackage } from "../buildroot/buildroot-cache.js";
import { sha256 } from "../util/hash.js";

/** Bumped when Kiln changes how it builds, so that everything is rebuilt once. */
export const BUILD_RECIPE = 1;

export interface BuildInputs {
  recipe: number;
  dist: string;
  spec: string;
  /** Source/Patch file name → sha256. */
  sources: Record<string, string>;
  /** The build root's RPMs: "filename sha256", sorted. */
  root: string[];
}

export function makeInputs(
  dist: string,
  specSha256: string,
  sources: Record<string, string>,
  root: readonly RootPackage[],
): BuildInputs {
  return {
    recipe: BUILD_RECIPE,
    dist,
    spec: specSha256,
    sources: Object.fromEntries(Object.entries(sources).sort(([a], [b]) => (a < b ? -1 : 1))),
    root: root.map((r) => `${r.filename} ${r.sha256}`).sort(),
  };
}

export function inputKey(inputs: BuildInputs): string {
  return sha256(JSON.stringify(inputs));
}

/** Why a package is not up to date, in words, comparing with its last green build. */
export function whatChanged(last: BuildInputs | undefined, now: BuildInputs): string {
  if (!last) return "never built";
  const reasons: string[] = [];
  if (last.recipe !== now.recipe) reasons.push("Kiln's build recipe changed");
  if (last.dist !== now.dist) reasons.push(`dist tag changed (${last.dist} → ${now.dist})`);
  if (last.spec !== now.spec) reasons.push("spec changed");
  const srcs = new Set([...Object.keys(last.sources), ...Object.keys(now.sources)]);
  const changed = [...srcs].filter((s) => last.sources[s] !== now.sources[s]);
  if (changed.length > 0) reasons.push(`sources changed (${changed.join(", ")})`);
  const name = (r: string): string => r.slice(0, r.lastIndexOf(" "));
  const before = new Set(last.root);
  const after = new Set(now.root);
  const root = [
    ...now.root.filter((r) => !before.has(r)).map((r) => `+${name(r)}`),
    ...last.root.filter((r) => !after.has(r)).map((r) => `-${name(r)}`),
  ];
  if (root.length > 0) reasons.push(`build root changed (${root.join(", ")})`);
  return reasons.join("; ") || "inputs changed";
}
