// What a build may hand in as its own: one source RPM, of its own package, and binary RPMs built
// from exactly that source RPM. Anything else (another package's RPM copied into RPMS/, or named
// by a forged result) is refused, naming it, before it can be published. Pure.

export interface OutputHeader {
  /** How the file is named in messages (RPMS/noarch/x.rpm, or the uploaded name). */
  shown: string;
  /** The file's own name. */
  filename: string;
  name: string;
  version: string;
  release: string;
  source: boolean;
  /** A binary RPM's source RPM file name. */
  sourcerpm: string;
}

/**
 * Why these outputs are not `pkg`'s own (undefined when they are). With `evr`, the source RPM must
 * also be of that version (the spec as the server read it).
 */
export function refuseForeignOutputs(
  pkg: string,
  headers: readonly OutputHeader[],
  evr?: { version: string; release: string },
): string | undefined {
  const srpms = headers.filter((h) => h.source);
  if (srpms.length !== 1) {
    return srpms.length === 0
      ? "there is no source RPM among the build's outputs"
      : `the build's outputs hold ${srpms.length} source RPMs (${srpms.map((s) => s.shown).join(", ")}); a build makes one`;
  }
  const srpm = srpms[0]!;
  const own = `${srpm.name}-${srpm.version}-${srpm.release}.src.rpm`;
  if (srpm.name !== pkg) return `${srpm.shown} is a source RPM of ${srpm.name}, not of ${pkg}: refused`;
  if (srpm.filename !== own) return `${srpm.shown} is named ${srpm.filename} but holds ${own}: refused`;
  if (evr && (srpm.version !== evr.version || srpm.release !== evr.release)) {
    return `${srpm.shown} is ${pkg} ${srpm.version}-${srpm.release}, but the spec says ${evr.version}-${evr.release}: refused`;
  }
  for (const h of headers) {
    if (h.source || h.sourcerpm === own) continue;
    return `${h.shown} was built from ${h.sourcerpm || "no source RPM"}, not from this build's ${own}: refused`;
  }
  return undefined;
}
