// A package set as Kiln's core sees it, after the specs were read.
import type { Requirement } from "./install-closure.js";
import type { Dep, Evr } from "./types.js";

/** One BuildRequires of a spec, with where it was written. */
export interface BuildRequire extends Required<Requirement> {
  line?: number;
}

export interface SourceFile {
  /** File name in packages/<name>/ (the basename of a Source/Patch URL). */
  name: string;
  kind: "source" | "patch";
  number: number;
  line?: number;
}

/** A binary package as the spec declares it (before it is built). */
export interface SpecBinary {
  name: string;
  arch: string;
  /** Explicit and implicit (`name = evr`) provides, plus those inferred from its %files. */
  provides: Dep[];
  requires: string[];
  /** Paths from its %files (globs kept as written), for file provides. */
  files: string[];
}

export interface SourcePackage {
  name: string;
  /** Path of the spec relative to the set: packages/<name>/<name>.spec. */
  specFile: string;
  specSha256: string;
  evr: Evr;
  buildRequires: BuildRequire[];
  sources: SourceFile[];
  binaries: SpecBinary[];
}

/** A binary package as built: what its RPM header says. */
export interface BuiltBinary {
  name: string;
  evr: Evr;
  arch: string;
  provides: string[];
  requires: string[];
  files: string[];
}
