// The dependency graph of a package set: each BuildRequires resolved to the source package in the
// set that provides it (or to the host), cycles found as strongly connected components, and the
// build order graph in which a cycle is broken where its members are already published.
import { UserError } from "../util/errors.js";
import { depExprLeaves, evaluateDepExpr, formatDep } from "./deps.js";
import { fileEntry } from "./files-provides.js";
import { getOrSet } from "./maps.js";
import type { BuildRequire, BuiltBinary, SourcePackage } from "./package.js";
import { hostMatcher, ProviderIndex, type Provider } from "./providers.js";
import { findCycle, stronglyConnected } from "./scc.js";
import { installClosure, parseRequirements, type Requirement } from "./install-closure.js";
import { reachable } from "./plan.js";
import type { Dep } from "./types.js";

export interface GraphInput {
  packages: readonly SourcePackage[];
  /** Packages whose spec could not be read: known by name only (their dependents are blocked). */
  broken?: ReadonlyMap<string, { specFile: string }>;
  hostProvides: readonly string[];
  /** What the last build of each package really produced; it adds to what the spec declares. */
  built?: ReadonlyMap<string, readonly BuiltBinary[]>;
  /** Packages with builds in the repository, against which a cycle can build. */
  published?: ReadonlySet<string>;
}

export interface Resolution {
  text: string;
  line?: number;
  /** Source packages that provide it; empty when the host does. */
  providers: string[];
  host: boolean;
}

export interface PackageGraph {
  /** Every package name: the loaded ones and the broken ones. */
  names: string[];
  packages: ReadonlyMap<string, SourcePackage>;
  /** Package → the packages it build-requires (all edges, cycles included). */
  deps: ReadonlyMap<string, ReadonlySet<string>>;
  /** Package → the packages that build-require it. */
  rdeps: ReadonlyMap<string, ReadonlySet<string>>;
  /** The build order: `deps` without the cycle edges that go to published members. Acyclic among buildable packages. */
  order: ReadonlyMap<string, ReadonlySet<string>>;
  resolutions: ReadonlyMap<string, Resolution[]>;
  /** Strongly connected components with more than one member, or one that build-requires itself. */
  cycles: string[][];
  /** Errors per package; a package with errors cannot build and blocks its dependents. */
  errors: ReadonlyMap<string, UserError[]>;
  /** Who provides what: by the specs, and by what the last builds really produced. */
  index: ProviderIndex;
}

function buildProviderIndex(input: GraphInput): ProviderIndex {
  const index = new ProviderIndex();
  for (const p of input.packages) {
    for (const b of p.binaries) {
      index.addProvides(p.name, b.name, b.provides);
      index.addFiles(p.name, b.name, b.files.map(fileEntry));
    }
  }
  for (const [name, binaries] of input.built ?? []) {
    for (const b of binaries) index.addRpm(name, b.name, b.provides, b.files);
  }
  // A package whose spec is broken is still known by its name, so that what needs it is reported
  // as blocked by it rather than as an unknown name.
  for (const name of input.broken?.keys() ?? []) index.addProvides(name, name, [{ name }]);
  return index;
}

/** A binary package's requirements: what its spec declares, and what its last build really required. */
function binaryRequires(input: GraphInput, index: ProviderIndex): (p: Provider) => readonly Requirement[] {
  const texts = new Map<Provider, string[]>();
  const add = (source: string, binary: string, reqs: readonly string[]): void => {
    getOrSet(texts, index.provider(source, binary), () => []).push(...reqs);
  };
  for (const p of input.packages) for (const b of p.binaries) add(p.name, b.name, b.requires);
  for (const [name, binaries] of input.built ?? []) for (const b of binaries) add(name, b.name, b.requires);
  const parsed = new Map<Provider, Requirement[]>();
  return (p) => getOrSet(parsed, p, () => parseRequirements([...new Set(texts.get(p) ?? [])]));
}

export function resolveGraph(input: GraphInput): PackageGraph {
  const index = buildProviderIndex(input);
  const isHost = hostMatcher(input.hostProvides);
  const packages = new Map(input.packages.map((p) => [p.name, p]));
  const names = [...packages.keys(), ...(input.broken?.keys() ?? [])];
  const deps = new Map(names.map((n) => [n, new Set<string>()]));
  const rdeps = new Map(names.map((n) => [n, new Set<string>()]));
  const resolutions = new Map<string, Resolution[]>();
  const errors = new Map<string, UserError[]>();
  const fail = (pkg: string, ...e: ConstructorParameters<typeof UserError>): void => {
    getOrSet(errors, pkg, () => []).push(new UserError(...e));
  };
  const requiresOf = binaryRequires(input, index);
  // The source packages that provide a requirement (parsed requirements are shared objects).
  const sourcesMemo = new WeakMap<Dep, string[]>();
  const sourcesOf = (leaf: Dep): string[] => getOrSet(sourcesMemo, leaf, () => choose(leaf, index));

  for (const p of input.packages) {
    const res: Resolution[] = [];
    const roots: BuildRequire[] = [];
    for (const br of p.buildRequires) {
      const line = br.line !== undefined ? { line: br.line } : {};
      const where = (): { file: string; line?: number } => ({ file: p.specFile, ...line });
      const leaves = depExprLeaves(br.expr);
      const providersByLeaf = new Map<Dep, string[]>();
      for (const leaf of leaves) providersByLeaf.set(leaf, sourcesOf(leaf));
      const satisfied = (d: Dep): boolean => (providersByLeaf.get(d)?.length ?? 0) > 0 || isHost(d.name);
      if (!evaluateDepExpr(br.expr, satisfied)) {
        const unmet = leaves.filter((l) => !satisfied(l));
        fail(p.name, ...unknownBuildRequire(br.text, unmet, index, where(), (input.broken?.size ?? 0) > 0));
        continue;
      }
      const providers = new Set<string>();
      for (const leaf of leaves) {
        const found = providersByLeaf.get(leaf)!;
        if (found.length > 1) {
          fail(
            p.name,
            "BUILDREQUIRES_AMBIGUOUS",
            `BuildRequires ${formatDep(leaf)} is provided by several packages: ${found.join(", ")}`,
            where(),
            "name the package you mean (its binary package name) in BuildRequires",
          );
        } else if (found.length === 1) providers.add(found[0]!);
      }
      roots.push(br);
      res.push({ text: br.text, ...line, providers: [...providers], host: providers.size === 0 });
    }
    resolutions.set(p.name, res);
    // A build needs what its BuildRequires install, and what those require in turn: greet-data
    // must be built before anything whose build root gets libgreet, which requires it.
    const closure = installClosure(roots, { index, requiresOf, isHost });
    for (const c of closure.chosen) {
      deps.get(p.name)!.add(c.source);
      getOrSet(rdeps, c.source, () => new Set()).add(p.name);
    }
  }

  const comps = stronglyConnected(names, (n) => deps.get(n) ?? []);
  const cycles = comps.filter((c) => c.length > 1 || deps.get(c[0]!)?.has(c[0]!));
  // The build order shares the edge sets of `deps`, except on cycles, whose members get their own.
  const order = new Map<string, Set<string>>(deps);
  for (const comp of cycles) for (const n of comp) order.set(n, new Set(deps.get(n)));
  const published = input.published ?? new Set<string>();
  for (const comp of cycles) {
    const members = new Set(comp);
    // Inside a cycle, a member that is already published can be built against (as Open Build
    // Service does). Only as many of those edges are dropped as it takes to break the cycle, in name
    // order, so that a member built against a published one is still followed by what needs it:
    // with a ↔ b both published, a builds against the published b, then b against the new a.
    const inComp = (n: string): string[] => [...order.get(n)!].filter((m) => members.has(m));
    for (const a of [...comp].sort()) {
      for (const b of [...deps.get(a)!].sort()) {
        if (
          members.has(b) &&
          published.has(b) &&
          order.get(a)!.has(b) &&
          reachable([b], { get: inComp }).has(a)
        ) {
          order.get(a)!.delete(b);
        }
      }
    }
    for (const rest of stronglyConnected(comp, inComp)) {
      const stuck = rest.length > 1 || order.get(rest[0]!)!.has(rest[0]!);
      if (!stuck) continue;
      const path = findCycle([...rest].sort()[0]!, (n) => order.get(n)!, new Set(rest));
      for (const n of rest) {
        fail(
          n,
          "CYCLE",
          `build dependency cycle with no published member: ${path.join(" → ")}`,
          { file: packages.get(n)?.specFile ?? input.broken?.get(n)?.specFile ?? n },
          "build one member of the cycle without the dependency first (a bootstrap build), or publish it",
        );
      }
    }
  }
  return { names, packages, deps, rdeps, order, resolutions, cycles, errors, index };
}

function choose(leaf: Dep, index: ProviderIndex): string[] {
  const all = index.providersOf(leaf);
  const found = all.length === 1 ? [all[0]!.source] : [...new Set(all.map((x) => x.source))];
  if (found.length <= 1) return found;
  // Several source packages provide it: the one whose binary package has exactly that name (and
  // provides it in the version asked) wins.
  const exact = new Set(all.flatMap((c) => (c.binary === leaf.name ? [c.source] : [])));
  return exact.size === 1 ? [...exact] : found;
}

function unknownBuildRequire(
  text: string,
  leaves: Dep[],
  index: ProviderIndex,
  where: { file: string; line?: number },
  someBroken: boolean,
): ConstructorParameters<typeof UserError> {
  const near = leaves.flatMap((l) => index.sameName(l.name));
  const have = [...new Set(near.map((c) => `${formatDep(c.dep)} (from ${c.source})`))].join(", ");
  return [
    "BUILDREQUIRES_UNKNOWN",
    near.length > 0
      ? `BuildRequires ${text}: the set only has ${have}`
      : `BuildRequires ${text}: no package in the set provides it and it is not host-provided`,
    where,
    near.length > 0
      ? "change the version constraint or update the providing package"
      : `add a package that provides it, or list it under host.provides in kiln.yaml if the build machine supplies it` +
        (someBroken ? "; some specs failed to load and one of them may provide it" : ""),
  ];
}
