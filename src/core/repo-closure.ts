// Can a client install everything in a repository? Every Requires of every package must be met by
// a package in the repository, or by a capability kiln.yaml says the host supplies.
import { depExprLeaves, evaluateDepExpr, parseDepExpr, type DepExpr } from "./deps.js";
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
  for (const p of pkgs) {
    index.addRpm(p.source, p.binary, p.provides, p.files);
  }
  const host = new Set<string>();
  const missing: ClosureReport["missing"] = [];
  for (const p of pkgs) {
    for (const text of p.requires) {
      if (text.startsWith("rpmlib(")) continue;
      let expr: DepExpr;
      try {
        expr = parseDepExpr(text);
      } catch {
        missing.push({ requirement: text, neededBy: p.binary });
        continue;
      }
      const inRepo = (d: Dep): boolean => index.providersOf(d).length > 0;
      if (evaluateDepExpr(expr, inRepo)) continue;
      if (evaluateDepExpr(expr, (d) => inRepo(d) || isHost(d.name))) {
        for (const leaf of depExprLeaves(expr)) if (!inRepo(leaf) && isHost(leaf.name)) host.add(leaf.name);
        continue;
      }
      missing.push({ requirement: text, neededBy: p.binary });
    }
  }
  return { hostCapabilities: [...host].sort(), missing };
}
