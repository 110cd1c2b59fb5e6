// Generates a synthetic package set for load benchmarks: N small specs whose BuildRequires form a
// layered DAG (each package needs a few of the packages below it, by -devel name or pkg-config).
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** A small deterministic PRNG, so that every run generates the same set. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export interface SyntheticOptions {
  count: number;
  /** BuildRequires per package (at most). */
  fanIn?: number;
  seed?: number;
}

export function syntheticName(i: number): string {
  return `pkg${String(i).padStart(5, "0")}`;
}

export function syntheticSpec(i: number, deps: number[]): string {
  const name = syntheticName(i);
  const brs = deps.map((d, k) =>
    k % 2 === 0
      ? `BuildRequires: ${syntheticName(d)}-devel >= 1.0`
      : `BuildRequires: pkgconfig(${syntheticName(d)})`,
  );
  return `Name: ${name}
Version: 1.${i % 7}
Release: 1%{?dist}
Summary: synthetic package ${i}
License: MIT
Source0: ${name}-1.0.tar.gz
BuildRequires: gcc
${brs.join("\n")}

%description
Synthetic package ${i} for Kiln's load benchmark.

%package devel
Summary: development files of ${name}
Requires: %{name}%{?_isa} = %{version}-%{release}

%description devel
Headers.

%prep
%build
%install
%files
%{_libdir}/lib${name}.so.1*

%files devel
%{_includedir}/${name}.h
%{_libdir}/pkgconfig/${name}.pc
%{_libdir}/lib${name}.so
`;
}

export async function writeSyntheticSet(dir: string, opts: SyntheticOptions): Promise<void> {
  const random = rng(opts.seed ?? 42);
  const fanIn = opts.fanIn ?? 3;
  await mkdir(join(dir, "packages"), { recursive: true });
  await writeFile(
    join(dir, "kiln.yaml"),
    `name: synthetic\nhost:\n  provides: [gcc, make, "libc.so.6*", "rtld(GNU_HASH)"]\nbuild:\n  sandbox: auto\n`,
  );
  const batch: Promise<void>[] = [];
  for (let i = 0; i < opts.count; i++) {
    const deps = new Set<number>();
    const n = i === 0 ? 0 : Math.floor(random() * (fanIn + 1));
    for (let k = 0; k < n; k++) deps.add(Math.floor(random() * i));
    const pdir = join(dir, "packages", syntheticName(i));
    batch.push(
      (async () => {
        await mkdir(pdir, { recursive: true });
        await writeFile(
          join(pdir, `${syntheticName(i)}.spec`),
          syntheticSpec(
            i,
            [...deps].sort((a, b) => a - b),
          ),
        );
        await writeFile(join(pdir, `${syntheticName(i)}-1.0.tar.gz`), "");
      })(),
    );
    if (batch.length >= 256) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
}
