// Reads binary and source RPM headers with `rpm -qp`: one process for many files.
import type { Evr } from "../core/types.js";
import { exec } from "../util/exec.js";
import { assertRpmFiles } from "./rpm-file.js";

export interface RpmHeader {
  file: string;
  name: string;
  evr: Evr;
  arch: string;
  source: boolean;
  /** A binary RPM's source RPM file name (hello-1.0-1.kiln.src.rpm); "" for a source RPM. */
  sourcerpm: string;
  provides: string[];
  requires: string[];
  files: string[];
}

// One value per line, each line tagged, so file names and dependencies need no escaping.
const QF =
  "@ %{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCEPACKAGE}\\t%{SOURCERPM}\\n" +
  "[P %{PROVIDENEVRS}\\n][R %{REQUIRENEVRS}\\n][F %{FILENAMES}\\n]";

/** The headers of `files`, which must be RPMs (see assertRpmFiles); `shown` names a file in errors. */
export async function queryRpms(files: string[], shown?: (f: string) => string): Promise<RpmHeader[]> {
  if (files.length === 0) return [];
  const stdout = await rpmQuery(files, QF, shown);
  const out: RpmHeader[] = [];
  let cur: RpmHeader | undefined;
  for (const line of stdout.split("\n")) {
    if (line.startsWith("@ ")) {
      const [name, epoch, version, release, arch, srcpkg, sourcerpm] = line.slice(2).split("\t");
      const file = files[out.length];
      if (!file) throw new Error("rpm -qp printed more packages than it was given");
      cur = {
        file,
        name: name!,
        evr: {
          version: version!,
          release: release!,
          ...(epoch && epoch !== "(none)" ? { epoch: Number(epoch) } : {}),
        },
        arch: arch!,
        source: srcpkg === "1",
        sourcerpm: srcpkg === "1" || sourcerpm === "(none)" ? "" : (sourcerpm ?? ""),
        provides: [],
        requires: [],
        files: [],
      };
      out.push(cur);
    } else if (cur && line.length > 2) {
      const v = line.slice(2);
      if (line[0] === "P") cur.provides.push(v);
      else if (line[0] === "R") cur.requires.push(v);
      else if (line[0] === "F") cur.files.push(v);
    }
  }
  if (out.length !== files.length) throw new Error(`rpm -qp read ${out.length} of ${files.length} packages`);
  return out;
}

/** `rpm -qp --qf qf` over `files`, each checked first to be an RPM (see assertRpmFiles). */
export async function rpmQuery(
  files: readonly string[],
  qf: string,
  shown?: (f: string) => string,
): Promise<string> {
  await assertRpmFiles(files, shown);
  const argv = ["rpm", "-qp", "--nomanifest", "--nosignature", "--qf", qf, ...files];
  return (await exec(argv, { env: rpmEnv() })).stdout;
}

/** rpm keeps its database under $HOME unless told otherwise; never touch the user's. */
export function rpmEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8", HOME: "/nonexistent" };
}
