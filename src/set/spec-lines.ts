// Finds where in a spec's text a tag was written, so errors can name the line. rpm reports the
// values (macros expanded); this only locates the line that most likely wrote them. It never
// interprets the spec.

export interface SpecLines {
  name?: number;
  /** Line of each BuildRequires tag with its raw value. */
  buildRequires: { line: number; value: string }[];
  /** Source/Patch tags by kind and number. */
  sources: Map<string, number>;
  /** Every Source/Patch line with its raw value, for a lookup by file name. */
  sourceValues: { line: number; value: string }[];
}

const tagRe = /^\s*([A-Za-z]+)(\d*)\s*(?:\([^)]*\))?\s*:\s*(.*)$/;

export function scanSpecLines(text: string): SpecLines {
  const out: SpecLines = { buildRequires: [], sources: new Map(), sourceValues: [] };
  const next = { source: 0, patch: 0 };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = tagRe.exec(lines[i]!);
    if (!m) continue;
    const tag = m[1]!.toLowerCase();
    const lineNo = i + 1;
    if (tag === "name" && out.name === undefined) out.name = lineNo;
    else if (tag === "buildrequires") out.buildRequires.push({ line: lineNo, value: m[3]! });
    else if (tag === "source" || tag === "patch") {
      // Unnumbered Source/Patch tags are numbered after the highest number so far (rpm >= 4.15).
      const n = m[2] ? Number(m[2]) : next[tag];
      next[tag] = Math.max(next[tag], n + 1);
      if (!out.sources.has(`${tag}${n}`)) out.sources.set(`${tag}${n}`, lineNo);
      out.sourceValues.push({ line: lineNo, value: m[3]! });
    }
  }
  return out;
}

/** The line of the BuildRequires that names `depName`, or the first one built from a macro. */
export function buildRequiresLine(lines: SpecLines, depName: string): number | undefined {
  const plain = depName.replace(/^\(+/, "");
  for (const br of lines.buildRequires) {
    if (containsToken(br.value, plain)) return br.line;
  }
  return lines.buildRequires.find((b) => b.value.includes("%"))?.line ?? lines.buildRequires[0]?.line;
}

export function sourceLine(
  lines: SpecLines,
  kind: "source" | "patch",
  number: number,
  fileName: string,
): number | undefined {
  return (
    lines.sources.get(`${kind}${number}`) ?? lines.sourceValues.find((s) => s.value.includes(fileName))?.line
  );
}

function containsToken(haystack: string, token: string): boolean {
  let from = 0;
  for (;;) {
    const at = haystack.indexOf(token, from);
    if (at < 0) return false;
    const before = haystack[at - 1];
    const after = haystack[at + token.length];
    const boundary = (c: string | undefined): boolean => c === undefined || /[\s,()]/.test(c);
    if (boundary(before) && (boundary(after) || /[<>=]/.test(after ?? ""))) return true;
    from = at + 1;
  }
}
