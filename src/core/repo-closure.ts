// Can a client install everything in a repository? Every Requires of every package must be met by
// a package in the repository, or by a capability kiln.yaml says the host supplies.
import { depExprLeaves, evaluateDepExpr } from "./deps.js";
import { parseRequirements } from "./install-closure.js";
import { ProviderIndex } from "./providers.js";
import type { Dep } from "./types.js";

export interface RepoPackage {
  /** Source package it was built from. */
  source: string;
  binary: string;
  provides: readonly string[];
  requires: readonly string[];
  files: readonly string[];
}

export interface ClosureReport {
  /** Required capabilities that only the host supplies (sorted, each once). */
  hostCapabilities: string[];
  missing: { requirement: string; neededBy: string }[];
}

export function checkRepoClosure(
  pkgs: readonly RepoPackage[],
  isHost: (name: string) => boolean,
): ClosureReport {
  const index = new ProviderIndex();
  for (const p of pkgs) index.addRpm(p.source, p.binary, p.provides, p.files);
  const host = new Set<string>();
  const missing: ClosureReport["missing"] = [];
  const inRepo = (d: Dep): boolean => index.providersOf(d).length > 0;
  for (const p of pkgs) {
    for (const { text, expr } of parseRequirements(p.requires)) {
      if (expr && evaluateDepExpr(expr, inRepo)) continue;
      if (expr && evaluateDepExpr(expr, (d) => inRepo(d) || isHost(d.name))) {
        for (const leaf of depExprLeaves(expr)) if (!inRepo(leaf) && isHost(leaf.name)) host.add(leaf.name);
        continue;
      }
      missing.push({ requirement: text, neededBy: p.binary });
    }
  }
  return { hostCapabilities: [...host].sort(), missing };
}
