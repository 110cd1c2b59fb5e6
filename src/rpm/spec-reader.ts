// Reads spec files with librpm's parser (libexec/spec-reader.py): many specs per process, the
// batches spread over the machine's cores, inside the sandbox when one is given.
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { bwrapArgv } from "../sandbox/bubblewrap.js";
import { exec } from "../util/exec.js";
import { packageRoot } from "../util/package-root.js";

/** What librpm reports for one spec, before Kiln interprets it. */
export interface RawSpec {
  file: string;
  ok: boolean;
  /** rpm's own warnings and errors for this spec ("error: line 6: Unknown tag: …"). */
  messages: string;
  name?: string;
  epoch?: number | null;
  version?: string;
  release?: string;
  buildRequires?: string[];
  sources?: { name: string; number: number; kind: "source" | "patch" }[];
  packages?: { name: string; arch: string; requires: string[]; provides: string[]; files: string }[];
}

export interface ReadSpecsOptions {
  /** Directory the spec paths are relative to (the package set); every spec is under its packages/. */
  baseDir: string;
  /** rpm macros, e.g. { dist: ".kiln" }. */
  defines: Record<string, string>;
  sandbox: boolean;
  /** Parallel reader processes; default: the number of cores. */
  processes?: number;
}

/** Bumped whenever the reader's output changes shape, so cached results are not reused. */
export const SPEC_READER_VERSION = 1;

const PYTHON = "/usr/bin/python3";

export async function readSpecs(files: string[], opts: ReadSpecsOptions): Promise<RawSpec[]> {
  if (files.length === 0) return [];
  // Small batches do not pay for a second process (~60 ms to start python and rpm).
  const n = Math.max(1, Math.min(opts.processes ?? availableParallelism(), Math.ceil(files.length / 100)));
  const chunks: string[][] = Array.from({ length: n }, () => []);
  files.forEach((f, i) => chunks[i % n]!.push(f));
  const results = await Promise.all(chunks.map((c) => readBatch(c, opts)));
  const byFile = new Map(results.flat().map((r) => [r.file, r]));
  return files.map(
    (f) =>
      byFile.get(f) ?? {
        file: f,
        ok: false,
        messages: "error: the spec reader returned nothing for this spec",
      },
  );
}

async function readBatch(files: string[], opts: ReadSpecsOptions): Promise<RawSpec[]> {
  const script = join(packageRoot(), "libexec", "spec-reader.py");
  const defines = Object.entries(opts.defines).flatMap(([k, v]) => ["--define", `${k} ${v}`]);
  const env = { PATH: "/usr/bin:/bin", LANG: "C.UTF-8", HOME: "/tmp" };
  let command = [PYTHON, script, ...defines];
  let cwd = opts.baseDir;
  if (opts.sandbox) {
    command = bwrapArgv(
      {
        readOnly: [
          // Only the specs and their sources: never the data directory (by default .kiln/ in the set).
          { src: join(opts.baseDir, "packages"), dest: "/set/packages" },
          { src: script, dest: "/kiln/spec-reader.py" },
        ],
        env,
        cwd: "/set",
      },
      [PYTHON, "/kiln/spec-reader.py", ...defines],
    );
    cwd = "/";
  }
  const { stdout } = await exec(command, {
    cwd,
    env: opts.sandbox ? process.env : env,
    input: files.join("\n") + "\n",
  });
  return stdout
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as RawSpec);
}
