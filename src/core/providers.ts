// Who provides a capability: an index over every binary package of the set, by capability name
// and by file path (exact files, directories and %files globs). Each binary package is one
// Provider object, so callers can key maps by it.
import { depSatisfies, parseDep } from "./deps.js";
import { escapeRe, globToRegExp, type FileEntry } from "./files-provides.js";
import { getOrSet } from "./maps.js";
import type { Dep } from "./types.js";

export interface Provider {
  /** Source package (the spec) that builds it. */
  readonly source: string;
  readonly binary: string;
}

interface Capability {
  provider: Provider;
  dep: Dep;
}

interface GlobMatcher {
  provider: Provider;
  glob: string;
  re?: RegExp;
}

export class ProviderIndex {
  private readonly refs = new Map<string, Map<string, Provider>>();
  private readonly byName = new Map<string, Capability[]>();
  /** Paths as listed in %files; a directory also owns everything below it. */
  private readonly files = new Map<string, Provider[]>();
  /** %files globs by the directory before their first wildcard; compiled when first needed. */
  private readonly globs = new Map<string, GlobMatcher[]>();
  /** File lists waiting to be indexed: most sets never ask for a file, so this is done on demand. */
  private pendingFiles: { provider: Provider; entries: Iterable<FileEntry> }[] = [];
  /** Answers by requirement object: requirements are parsed once and shared, so most lookups repeat. */
  private memo = new WeakMap<Dep, Provider[]>();

  /** The one Provider object of a binary package. */
  provider(source: string, binary: string): Provider {
    return getOrSet(
      getOrSet(this.refs, source, () => new Map()),
      binary,
      () => ({ source, binary }),
    );
  }

  addProvides(source: string, binary: string, deps: Iterable<Dep>): void {
    this.memo = new WeakMap();
    const provider = this.provider(source, binary);
    for (const dep of deps) getOrSet(this.byName, dep.name, () => []).push({ provider, dep });
  }

  /** What a built RPM really provides (its Provides that parse, as rpm wrote them) and holds. */
  addRpm(source: string, binary: string, provides: readonly string[], files: readonly string[]): void {
    const deps: Dep[] = [];
    for (const text of provides) {
      try {
        deps.push(parseDep(text));
      } catch {
        // not a capability anything could require by that spelling
      }
    }
    this.addProvides(source, binary, deps);
    // In a built RPM a space or a `*` is part of the name.
    const exact = files.map((path) => ({ path, glob: false }));
    this.addFiles(source, binary, exact);
  }

  addFiles(source: string, binary: string, entries: Iterable<FileEntry>): void {
    this.memo = new WeakMap();
    this.pendingFiles.push({ provider: this.provider(source, binary), entries });
  }

  /** Everything that provides `dep` (name and version range), each binary once. Do not modify the result. */
  providersOf(dep: Dep): Provider[] {
    return getOrSet(this.memo, dep, () => this.lookup(dep));
  }

  /** Same name, any version: for saying "the set has X, but not in the version asked". */
  sameName(name: string): { source: string; binary: string; dep: Dep }[] {
    return (this.byName.get(name) ?? []).map((c) => ({ ...c.provider, dep: c.dep }));
  }

  private lookup(dep: Dep): Provider[] {
    const out: Provider[] = [];
    for (const c of this.byName.get(dep.name) ?? []) if (depSatisfies(c.dep, dep)) out.push(c.provider);
    if (dep.name.startsWith("/")) {
      if (this.pendingFiles.length > 0) this.indexFiles();
      // The path itself, each directory above it, and the globs rooted in those directories.
      for (let path = dep.name; path.length > 0; path = path.slice(0, path.lastIndexOf("/"))) {
        for (const p of this.files.get(path) ?? []) out.push(p);
        for (const m of this.globs.get(path.slice(0, path.lastIndexOf("/"))) ?? []) {
          m.re ??= globToRegExp(m.glob);
          if (m.re.test(dep.name)) out.push(m.provider);
        }
      }
    }
    return out.length > 1 ? [...new Set(out)] : out;
  }

  private indexFiles(): void {
    for (const { provider, entries } of this.pendingFiles) {
      for (const f of entries) {
        if (f.glob) {
          const dir = f.path.slice(0, f.path.lastIndexOf("/", f.path.search(/[*?[{]/)));
          getOrSet(this.globs, dir, () => []).push({ provider, glob: f.path });
        } else getOrSet(this.files, f.path, () => []).push(provider);
      }
    }
    this.pendingFiles = [];
  }
}

/** Matches capability names against kiln.yaml's host-provides patterns (`*` is any run of characters). */
export function hostMatcher(patterns: readonly string[]): (name: string) => boolean {
  const exact = new Set<string>();
  const res: RegExp[] = [];
  for (const p of patterns) {
    if (p.includes("*")) res.push(new RegExp("^" + p.split("*").map(escapeRe).join(".*") + "$"));
    else exact.add(p);
  }
  const memo = new Map<string, boolean>();
  return (name) => getOrSet(memo, name, () => exact.has(name) || res.some((r) => r.test(name)));
}
