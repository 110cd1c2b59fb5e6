// Reads spec files with librpm's parser (libexec/spec-reader.py): many specs per process, the
// batches spread over the machine's cores, inside the sandbox when one is given. Each spec has a
// time limit and an output cap (spec-reader-run.ts); reader processes are limited machine-wide.
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { bwrapArgv } from "../sandbox/bubblewrap.js";
import { packageRoot } from "../util/package-root.js";
import { Semaphore } from "../util/semaphore.js";
import { readWithRestarts, type ReaderCommand } from "./spec-reader-run.js";

/** Why a spec has no result of its own: the reader was stopped while it read it. */
export interface ReaderFailure {
  code: "SPEC_TIMEOUT" | "SPEC_TOO_LARGE" | "SPEC_READER_STOPPED";
  message: string;
}

/** What librpm reports for one spec, before Kiln interprets it. */
export interface RawSpec {
  file: string;
  ok: boolean;
  /** rpm's own warnings and errors for this spec ("error: line 6: Unknown tag: …"), at most 64 KiB. */
  messages: string;
  failure?: ReaderFailure;
  name?: string;
  epoch?: number | null;
  version?: string;
  release?: string;
  buildRequires?: string[];
  sources?: { name: string; number: number; kind: "source" | "patch" }[];
  packages?: { name: string; arch: string; requires: string[]; provides: string[]; files: string }[];
  /** The newest %changelog entries (at most 3), newest first; time in seconds since the epoch. */
  changelog?: ChangelogEntry[];
  /** How many entries the %changelog holds in all. */
  changelogCount?: number;
}

/** One %changelog entry as rpm stores it: name is "Author <mail> - EVR", text the lines below it. */
export interface ChangelogEntry {
  time: number;
  name: string;
  text: string;
}

export interface ReadSpecsOptions {
  /** Directory the spec paths are relative to (the package set); every spec is under its packages/. */
  baseDir: string;
  /** rpm macros, e.g. { dist: ".kiln" }. */
  defines: Record<string, string>;
  sandbox: boolean;
  /** Parallel reader processes; default: the number of cores. */
  processes?: number;
  /** Longest one spec may take to read; default 30 s. */
  timeoutMs?: number;
  /** Most the reader may print for one spec; default 4 MiB. */
  maxSpecOutputBytes?: number;
  /** The reader's address space (RLIMIT_AS): a macro memory bomb fails its spec; default 4 GiB. */
  maxMemoryBytes?: number;
}

/** Bumped whenever the reader's output changes shape, so cached results are not reused. */
export const SPEC_READER_VERSION = 3;

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_SPEC_OUTPUT_BYTES = 4 * 1024 * 1024;
const MAX_MEMORY_BYTES = 4 * 1024 * 1024 * 1024;

const PYTHON = "/usr/bin/python3";

// Two loads at once (a farm reloading while a CLI plans) share the cores rather than doubling the
// processes.
const slots = new Semaphore(availableParallelism());

export async function readSpecs(files: string[], opts: ReadSpecsOptions): Promise<RawSpec[]> {
  if (files.length === 0) return [];
  // Small batches do not pay for a second process (~60 ms to start python and rpm).
  const n = Math.max(1, Math.min(opts.processes ?? availableParallelism(), Math.ceil(files.length / 100)));
  const chunks: string[][] = Array.from({ length: n }, () => []);
  files.forEach((f, i) => chunks[i % n]!.push(f));
  const command = readerCommand(opts);
  const limits = {
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxSpecOutputBytes: opts.maxSpecOutputBytes ?? MAX_SPEC_OUTPUT_BYTES,
  };
  const results = await Promise.all(chunks.map((c) => slots.use(() => readWithRestarts(c, command, limits))));
  const byFile = new Map(results.flat().map((r) => [r.file, r]));
  const nothing = "error: the spec reader returned nothing for this spec";
  return files.map((f) => byFile.get(f) ?? { file: f, ok: false, messages: nothing });
}

function readerCommand(opts: ReadSpecsOptions): ReaderCommand {
  const script = join(packageRoot(), "libexec", "spec-reader.py");
  const defines = [
    ...Object.entries(opts.defines).flatMap(([k, v]) => ["--define", `${k} ${v}`]),
    ...["--max-memory", String(opts.maxMemoryBytes ?? MAX_MEMORY_BYTES)],
  ];
  const env = { PATH: "/usr/bin:/bin", LANG: "C.UTF-8", HOME: "/tmp" };
  if (!opts.sandbox) return { argv: [PYTHON, script, ...defines], cwd: opts.baseDir, env };
  const argv = bwrapArgv(
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
  return { argv, cwd: "/", env: process.env };
}
