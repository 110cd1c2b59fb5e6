// Agent labels (arch=x86_64, os=linux, …) and whether an agent may take a job.

export type Labels = Readonly<Record<string, string>>;

/** `K=V` from the command line; undefined when it is not of that form. */
export function parseLabel(text: string): [string, string] | undefined {
  const m = /^([A-Za-z0-9_.-]+)=([^\s=]+)$/.exec(text);
  return m ? [m[1]!, m[2]!] : undefined;
}

/** An agent matches a job when it has every label the job asks for, with the same value. */
export function labelsMatch(agent: Labels, wanted: Labels): boolean {
  return Object.entries(wanted).every(([k, v]) => agent[k] === v);
}

export function formatLabels(labels: Labels): string {
  return Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
}

/** The machine's own labels, as an agent on it reports them (rpm's names for the architecture). */
export function hostLabels(nodeArch: string, nodePlatform: string): Record<string, string> {
  const arch: Record<string, string> = { x64: "x86_64", arm64: "aarch64", ppc64: "ppc64le", s390x: "s390x" };
  return { arch: arch[nodeArch] ?? nodeArch, os: nodePlatform };
}
