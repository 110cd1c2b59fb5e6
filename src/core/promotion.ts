// Promotion: copying one build, exactly as it was tested, from one repository into another
// (testing → stable). Pure: the rules a repository sets (where from, how long it must have been
// there, which pipeline stages must have passed) and what keeping its closure takes.

export interface PromotionRules {
  /** Only from these repositories (absent: any). */
  from?: string[];
  /** How long the build must have been in the repository it comes from, in seconds. */
  soakSeconds?: number;
  /** Pipeline stages the build must have passed. */
  requireStages?: string[];
}

export interface PromotionFacts {
  package: string;
  build: { id: number; status: string; evr: string; cutOff: boolean };
  from: string;
  to: string;
  /** When the build went into `from`; undefined when it is not there. */
  inFromSince?: Date;
  now: Date;
  /** Stages of the build's pipeline whose jobs all passed. */
  stagesPassed: readonly string[];
  rules: PromotionRules;
  /** The build the target holds for the package now, if any. */
  targetHolds?: number;
}

/** Why a promotion may not go ahead, in words; empty when it may. */
export function promotionRefusals(f: PromotionFacts): string[] {
  const out: string[] = [];
  const what = `${f.package} ${f.build.evr} (build ${f.build.id})`;
  if (f.from === f.to) out.push(`${what} would go from ${f.from} to itself`);
  if (f.build.status !== "green") out.push(`${what} is ${f.build.status}: only a green build is promoted`);
  if (f.build.cutOff)
    out.push(
      `${what} was cut off (its output equals an earlier build's): promote the build that was published`,
    );
  if (f.inFromSince === undefined) out.push(`${what} is not in ${f.from}`);
  if (f.rules.from && !f.rules.from.includes(f.from))
    out.push(`${f.to} takes promotions only from ${f.rules.from.join(", ")}, not from ${f.from}`);
  if (f.rules.soakSeconds !== undefined && f.inFromSince) {
    const soaked = (f.now.getTime() - f.inFromSince.getTime()) / 1000;
    if (soaked < f.rules.soakSeconds)
      out.push(
        `${what} has been in ${f.from} for ${formatDuration(soaked)}; ${f.to} wants ${formatDuration(f.rules.soakSeconds)} (soak)`,
      );
  }
  for (const stage of f.rules.requireStages ?? []) {
    if (!f.stagesPassed.includes(stage))
      out.push(`${what} has not passed pipeline stage ${stage}, which ${f.to} requires`);
  }
  if (f.targetHolds === f.build.id) out.push(`${f.to} holds ${what} already`);
  return out;
}

/** "90s", "15m", "24h", "2d", or a number of seconds, as seconds; undefined when it is none of these. */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === "number") return text >= 0 ? text : undefined;
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return n * { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? "s") as "s" | "m" | "h" | "d"];
}

export function formatDuration(seconds: number): string {
  if (seconds < 120) return `${Math.floor(seconds)} s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}
