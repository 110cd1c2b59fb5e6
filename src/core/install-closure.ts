// What must be installed to satisfy some requirements: the binary packages that provide them and,
// transitively, what those require. Used for the build order (from the specs, before anything is
// built) and for filling a build root (from the published RPMs).
import { depExprLeaves, evaluateDepExpr, parseDepExpr, type DepExpr } from "./deps.js";
import type { Provider, ProviderIndex } from "./providers.js";
import type { Dep } from "./types.js";

/** One Requires of a binary package, parsed once; `expr` is absent when rpm's text does not parse. */
export interface Requirement {
  text: string;
  expr?: DepExpr;
}

/** Parses rpm Requires strings, leaving out rpmlib() ones (rpm itself provides those). */
export function parseRequirements(texts: readonly string[]): Requirement[] {
  const out: Requirement[] = [];
  for (const text of texts) {
    if (text.startsWith("rpmlib(")) continue;
    try {
      out.push({ text, expr: parseDepExpr(text) });
    } catch {
      out.push({ text });
    }
  }
  return out;
}

export interface ClosureInput {
  index: ProviderIndex;
  /** Requirements of a binary package. Called often: callers keep the parsed lists. */
  requiresOf: (p: Provider) => readonly Requirement[];
  /** Capabilities the host supplies outside rpm. */
  isHost: (name: string) => boolean;
}

export interface Unsatisfied {
  requirement: string;
  /** The binary package that requires it; absent for a root requirement. */
  neededBy?: string;
}

export interface Closure {
  chosen: Provider[];
  unsatisfied: Unsatisfied[];
}

/**
 * Picks providers for each requirement, preferring what is already chosen, then a binary package
 * named exactly as the capability, then the first by name: deterministic for the same input.
 */
export function installClosure(roots: readonly Required<Requirement>[], input: ClosureInput): Closure {
  const chosen = new Set<Provider>();
  const unsatisfied: Unsatisfied[] = [];
  const queue: Provider[] = [];

  const choose = (dep: Dep): Provider | "host" | undefined => {
    const found = input.index.providersOf(dep);
    if (found.length === 0) return input.isHost(dep.name) ? "host" : undefined;
    const already = found.find((p) => chosen.has(p));
    if (already) return already;
    return found.find((p) => p.binary === dep.name) ?? found.reduce((a, b) => (b.binary < a.binary ? b : a));
  };
  const add = (p: Provider): void => {
    if (chosen.has(p)) return;
    chosen.add(p);
    queue.push(p);
  };
  const satisfy = (expr: DepExpr, text: string, neededBy?: string): void => {
    const picks = new Map<Dep, Provider | "host" | undefined>();
    for (const leaf of depExprLeaves(expr)) picks.set(leaf, choose(leaf));
    const holds = (d: Dep): boolean => picks.get(d) !== undefined;
    if (!evaluateDepExpr(expr, holds)) {
      unsatisfied.push({ requirement: text, ...(neededBy !== undefined ? { neededBy } : {}) });
      return;
    }
    installNeeded(expr, holds, (d) => {
      const p = picks.get(d);
      if (p && p !== "host") add(p);
    });
  };

  for (const r of roots) satisfy(r.expr, r.text);
  while (queue.length > 0) {
    const p = queue.shift()!;
    for (const r of input.requiresOf(p)) {
      if (r.expr) satisfy(r.expr, r.text, p.binary);
      else unsatisfied.push({ requirement: r.text, neededBy: p.binary });
    }
  }
  return { chosen: [...chosen], unsatisfied };
}

/**
 * Installs what makes a requirement hold: every argument of "and" and "with", the first of
 * "without", the first alternative of "or" that holds as a whole, and the branches of "if" and
 * "unless" (never their condition).
 */
function installNeeded(expr: DepExpr, holds: (d: Dep) => boolean, install: (d: Dep) => void): void {
  switch (expr.kind) {
    case "dep":
      install(expr.dep);
      return;
    case "and":
    case "with":
      for (const a of expr.args) installNeeded(a, holds, install);
      return;
    case "without":
      if (expr.args[0] !== undefined) installNeeded(expr.args[0], holds, install);
      return;
    case "or": {
      const first = expr.args.find((a) => evaluateDepExpr(a, holds));
      if (first !== undefined) installNeeded(first, holds, install);
      return;
    }
    case "if":
    case "unless":
      installNeeded(expr.then, holds, install);
      if (expr.else !== undefined) installNeeded(expr.else, holds, install);
      return;
  }
}
