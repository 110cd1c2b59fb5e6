// Early cutoff: whether a rebuilt package's output is equivalent to its previous build, so that
// nothing new is published and what depends on it is not rebuilt. Pure: it compares what rpm
// says of two sets of binary RPMs (src/rpm/rpm-outputs.ts reads it).
//
// Two builds of a source package are EQUIVALENT when they produce the same binary packages (by name
// and architecture) and each pair has:
//   - the same Provides, Requires, Conflicts, Obsoletes and weak dependencies (Recommends, Suggests,
//     Supplements, Enhances), with their versions: so a Release or Version bump, which changes the
//     package's own `name = EVR` Provides, is never equivalent; sonames are among the Provides and
//     Requires (`libgreet.so.1()(64bit)`), so a soname change is never equivalent either;
//   - the same scriptlets (%pre, %post, %preun, %postun, %pretrans, %posttrans: interpreter and body)
//     and the same triggers;
//   - the same files: path, type and permissions, owner and group, symbolic link target, rpm's file
//     flags (%config, %doc, …) and content digest.
// Not compared, because they change with every build and say nothing about what is installed: the
// build time and build host, file modification times, the header and payload digests and
// signatures, the source RPM's own content (a comment in the spec), and the order of the lists.

export interface OutputFile {
  path: string;
  /** Content digest as rpm records it (empty for directories and symbolic links). */
  digest: string;
  /** st_mode in octal, type bits included. */
  mode: string;
  user: string;
  group: string;
  /** Target of a symbolic link; empty otherwise. */
  linkTo: string;
  /** rpm's file flags (%config, %doc, %ghost, …) as a number. */
  flags: string;
}

export interface RpmOutput {
  name: string;
  arch: string;
  /** Dependencies by kind ("provides", "requires", …), each as rpm prints it: `name op evr`. */
  deps: Record<string, string[]>;
  /** Scriptlets and triggers by name: interpreter, a newline, then the body. */
  scripts: Record<string, string>;
  files: OutputFile[];
}

export interface Comparison {
  equivalent: boolean;
  /** What differs, in words, at most `limit` entries (the first ones, in a stable order). */
  differences: string[];
}

const key = (o: RpmOutput): string => `${o.name}.${o.arch}`;

/** Compares the binary RPMs of two builds of one source package. */
export function compareOutputs(
  before: readonly RpmOutput[],
  after: readonly RpmOutput[],
  limit = 20,
): Comparison {
  const diffs: string[] = [];
  const add = (d: string): number => diffs.push(d);
  const old = new Map(before.map((o) => [key(o), o]));
  const now = new Map(after.map((o) => [key(o), o]));
  for (const k of [...old.keys()].sort()) if (!now.has(k)) add(`${k}: no longer built`);
  for (const k of [...now.keys()].sort()) if (!old.has(k)) add(`${k}: newly built`);
  for (const k of [...now.keys()].sort()) {
    const a = old.get(k);
    if (a) compareOne(k, a, now.get(k)!, add);
  }
  return { equivalent: diffs.length === 0, differences: diffs.slice(0, limit) };
}

function compareOne(k: string, a: RpmOutput, b: RpmOutput, add: (d: string) => void): void {
  for (const kind of union(Object.keys(a.deps), Object.keys(b.deps))) {
    const [gone, came] = setDiff(a.deps[kind] ?? [], b.deps[kind] ?? []);
    if (gone.length || came.length) {
      add(`${k}: ${kind} differ (${[...came.map((x) => `+${x}`), ...gone.map((x) => `-${x}`)].join(", ")})`);
    }
  }
  for (const s of union(Object.keys(a.scripts), Object.keys(b.scripts))) {
    if ((a.scripts[s] ?? "") !== (b.scripts[s] ?? "")) add(`${k}: ${s} scriptlet differs`);
  }
  const fa = new Map(a.files.map((f) => [f.path, f]));
  const fb = new Map(b.files.map((f) => [f.path, f]));
  for (const p of union([...fa.keys()], [...fb.keys()])) {
    const x = fa.get(p);
    const y = fb.get(p);
    if (!x) add(`${k}: ${p} is new`);
    else if (!y) add(`${k}: ${p} is gone`);
    else {
      const what = (["digest", "mode", "user", "group", "linkTo", "flags"] as const).filter(
        (f) => x[f] !== y[f],
      );
      if (what.length > 0) {
        const words = what.map((w) => (w === "digest" ? "content" : w === "linkTo" ? "link target" : w));
        const plural = words.length > 1 || words[0]!.endsWith("s");
        add(`${k}: ${p}: ${words.join(", ")} differ${plural ? "" : "s"}`);
      }
    }
  }
}

function union(a: Iterable<string>, b: Iterable<string>): string[] {
  return [...new Set([...a, ...b])].sort();
}

/** What only `a` has and what only `b` has, as multisets (a repeated entry counts). */
function setDiff(a: readonly string[], b: readonly string[]): [string[], string[]] {
  const count = new Map<string, number>();
  for (const x of a) count.set(x, (count.get(x) ?? 0) + 1);
  const onlyB: string[] = [];
  for (const x of b) {
    const n = count.get(x) ?? 0;
    if (n > 0) count.set(x, n - 1);
    else onlyB.push(x);
  }
  const onlyA: string[] = [];
  for (const [x, n] of count) for (let i = 0; i < n; i++) onlyA.push(x);
  return [onlyA.sort(), onlyB.sort()];
}
