// What a binary RPM installs, as early cutoff compares it (src/core/equivalence.ts): dependencies,
// scriptlets, triggers and files with their digests. One `rpm -qp` for many files.
import { randomBytes } from "node:crypto";
import type { RpmOutput } from "../core/equivalence.js";
import { rpmQuery } from "./rpm-query.js";

const DEPS: Record<string, string> = {
  provides: "PROVIDENEVRS",
  requires: "REQUIRENEVRS",
  conflicts: "CONFLICTNEVRS",
  obsoletes: "OBSOLETENEVRS",
  recommends: "RECOMMENDNEVRS",
  suggests: "SUGGESTNEVRS",
  supplements: "SUPPLEMENTNEVRS",
  enhances: "ENHANCENEVRS",
};
const SCRIPTS: Record<string, string> = {
  pre: "PREIN",
  post: "POSTIN",
  preun: "PREUN",
  postun: "POSTUN",
  pretrans: "PRETRANS",
  posttrans: "POSTTRANS",
};

/** A query format whose records start with a fresh random marker: multi-line scriptlets need no escaping. */
function queryFormat(m: string): string {
  return [
    `${m} PKG %{NAME}\\t%{ARCH}\\n`,
    ...Object.entries(DEPS).map(([kind, tag]) => `[${m} D ${kind}\\t%{${tag}}\\n]`),
    ...Object.entries(SCRIPTS).map(([name, tag]) => `${m} S ${name}\\n%{${tag}PROG}\\n%{${tag}}\\n`),
    `[${m} S trigger %{TRIGGERTYPE} %{TRIGGERCONDS}\\n%{TRIGGERSCRIPTPROG}\\n%{TRIGGERSCRIPTS}\\n]`,
    `[${m} F %{FILENAMES}\\t%{FILEDIGESTS}\\t%{FILEMODES:octal}\\t%{FILEUSERNAME}\\t%{FILEGROUPNAME}\\t%{FILELINKTOS}\\t%{FILEFLAGS}\\n]`,
  ].join("");
}

export async function readOutputs(files: readonly string[]): Promise<RpmOutput[]> {
  if (files.length === 0) return [];
  const m = `@@kiln-${randomBytes(8).toString("hex")}`;
  const stdout = await rpmQuery(files, queryFormat(m));
  const out: RpmOutput[] = [];
  let cur: RpmOutput | undefined;
  let script: { name: string; lines: string[] } | undefined;
  const endScript = (): void => {
    if (cur && script) {
      const body = script.lines.join("\n").replace(/\n+$/, "");
      // A package without the scriptlet prints "(none)" twice: no interpreter, no body.
      if (body !== "(none)\n(none)") {
        // Several triggers of one kind are told apart by a count.
        let name = script.name;
        for (let i = 2; cur.scripts[name] !== undefined; i++) name = `${script.name} #${i}`;
        cur.scripts[name] = body;
      }
    }
    script = undefined;
  };
  for (const line of stdout.split("\n")) {
    if (!line.startsWith(`${m} `)) {
      script?.lines.push(line);
      continue;
    }
    endScript();
    const rest = line.slice(m.length + 1);
    const kind = rest.slice(0, rest.indexOf(" "));
    const value = rest.slice(kind.length + 1);
    if (kind === "PKG") {
      const [name, arch] = value.split("\t");
      cur = { name: name!, arch: arch!, deps: {}, scripts: {}, files: [] };
      out.push(cur);
    } else if (!cur) {
      throw new Error(`rpm -qp printed ${kind} before any package`);
    } else if (kind === "D") {
      const tab = value.indexOf("\t");
      (cur.deps[value.slice(0, tab)] ??= []).push(value.slice(tab + 1));
    } else if (kind === "S") {
      // A literal % cannot stand in a query format: the scriptlet's name gets it here.
      script = { name: `%${value}`, lines: [] };
    } else if (kind === "F") {
      const [path, digest, mode, user, group, linkTo, flags] = value.split("\t");
      cur.files.push({
        path: path!,
        digest: digest ?? "",
        mode: mode ?? "",
        user: user ?? "",
        group: group ?? "",
        linkTo: linkTo ?? "",
        flags: flags ?? "",
      });
    }
  }
  endScript();
  if (out.length !== files.length) throw new Error(`rpm -qp read ${out.length} of ${files.length} packages`);
  return out;
}
