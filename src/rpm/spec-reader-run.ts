// Runs one spec reader process (libexec/spec-reader.py) over a batch of specs and watches it: the
// reader prints one line per spec as it finishes, so the spec it is on is always known. A spec that
// takes longer than the limit, prints more than the cap or takes the process down is reported on
// its own (SPEC_TIMEOUT, SPEC_TOO_LARGE, SPEC_READER_STOPPED), the process group is killed, and a
// new reader goes on with the specs after it.
import { spawn } from "node:child_process";
import { ExternalError } from "../util/errors.js";
import { shellQuote } from "../util/exec.js";
import type { RawSpec, ReaderFailure } from "./spec-reader.js";

export interface ReaderCommand {
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface ReaderLimits {
  /** Longest one spec may take, from the end of the one before it. */
  timeoutMs: number;
  /** Most bytes the reader may print for one spec. */
  maxSpecOutputBytes: number;
  /** Longest the reader may take to start (python and librpm loaded), before any spec. */
  startTimeoutMs?: number;
}

interface Run {
  results: RawSpec[];
  /** Why the process stopped before it had read every spec. */
  failure?: ReaderFailure;
}

const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(3))} s`;
const MiB = (n: number): string => `${Number((n / 1024 / 1024).toFixed(2))} MiB`;

/** Every spec of `files` read, in order, one result each: a reader started again after each casualty. */
export async function readWithRestarts(
  files: string[],
  command: ReaderCommand,
  limits: ReaderLimits,
): Promise<RawSpec[]> {
  const out: RawSpec[] = [];
  let rest = files;
  while (rest.length > 0) {
    const run = await runOnce(rest, command, limits);
    out.push(...run.results);
    if (run.results.length === rest.length) break;
    const culprit = rest[run.results.length]!;
    out.push({
      file: culprit,
      ok: false,
      messages: "",
      failure: run.failure ?? { code: "SPEC_READER_STOPPED", message: "the spec reader stopped" },
    });
    rest = rest.slice(run.results.length + 1);
  }
  return out;
}

function runOnce(files: string[], command: ReaderCommand, limits: ReaderLimits): Promise<Run> {
  const [file, ...args] = command.argv;
  if (!file) throw new Error("spec reader: empty command");
  return new Promise((resolve, reject) => {
    // Its own process group, so that what a spec started dies with it.
    const child = spawn(file, args, {
      cwd: command.cwd,
      env: command.env,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    const results: RawSpec[] = [];
    let ready = false;
    let failure: ReaderFailure | undefined;
    let pending: Buffer[] = [];
    let pendingLen = 0;
    let stderr = "";
    let timer: NodeJS.Timeout | undefined;

    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    };
    const stop = (f: ReaderFailure): void => {
      if (failure) return;
      failure = f;
      clearTimeout(timer);
      killGroup();
      child.stdout.destroy();
      child.stderr.destroy();
    };
    const arm = (): void => {
      clearTimeout(timer);
      const f: ReaderFailure = ready
        ? {
            code: "SPEC_TIMEOUT",
            message: `reading took longer than ${seconds(limits.timeoutMs)} (--spec-timeout) and was stopped`,
          }
        : { code: "SPEC_READER_STOPPED", message: "the spec reader did not start" };
      timer = setTimeout(() => stop(f), ready ? limits.timeoutMs : (limits.startTimeoutMs ?? 60_000));
    };
    const onLine = (line: string): void => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        value = undefined;
      }
      const r = value as (RawSpec & { ready?: unknown }) | null | undefined;
      if (!ready && r?.ready === true) {
        ready = true;
        arm();
        return;
      }
      // Results come in the order asked: one naming another spec is not the reader's own.
      if (ready && r && typeof r === "object" && r.file === files[results.length]) {
        results.push(r);
        if (results.length < files.length) arm();
        else clearTimeout(timer);
        return;
      }
      stop({
        code: "SPEC_READER_STOPPED",
        message: "the spec reader printed something that is not a result",
      });
    };

    child.stdout.on("data", (chunk: Buffer) => {
      let start = 0;
      for (let nl = chunk.indexOf(10); nl !== -1 && !failure; nl = chunk.indexOf(10, start)) {
        pending.push(chunk.subarray(start, nl));
        onLine(Buffer.concat(pending).toString("utf8"));
        pending = [];
        pendingLen = 0;
        start = nl + 1;
      }
      if (failure || start >= chunk.length) return;
      pending.push(chunk.subarray(start));
      pendingLen += chunk.length - start;
      if (pendingLen > limits.maxSpecOutputBytes) {
        stop({
          code: "SPEC_TOO_LARGE",
          message: `reading printed more than ${MiB(limits.maxSpecOutputBytes)} for this spec and was stopped`,
        });
      }
    });
    child.stderr.on("data", (c: Buffer) => {
      if (stderr.length < 64 * 1024) stderr += c.toString("utf8");
    });
    // The reader reads its whole list before the first spec; a reader that died early closes it.
    child.stdin.on("error", () => {});
    child.stdin.end(files.join("\n") + "\n");
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new ExternalError(`${shellQuote(command.argv)} could not start: ${e.message}`, { cause: e }));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      // What a spec left running in the background goes too (a group outlives its leader).
      killGroup();
      const how = signal ? `killed by ${signal}` : `exit status ${String(code)}`;
      if (!ready) {
        const said = stderr.trim() ? `:\n${stderr.trim().split("\n").slice(-20).join("\n")}` : "";
        reject(
          new ExternalError(`the spec reader (${shellQuote(command.argv)}) did not start (${how})${said}`),
        );
        return;
      }
      if (!failure && results.length < files.length) {
        failure = {
          code: "SPEC_READER_STOPPED",
          message: `the spec reader stopped while reading this spec (${how})`,
        };
      }
      resolve({ results, ...(failure ? { failure } : {}) });
    });
    arm();
  });
}
