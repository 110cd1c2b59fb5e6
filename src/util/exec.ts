// The one way Kiln runs an external program. Its error carries the command, the exit status and
// the output, so a failure of rpm, rpmbuild or createrepo_c says exactly what ran and what it said.
import { spawn } from "node:child_process";
import type { LogSink } from "./capped-log.js";
import { ExternalError } from "./errors.js";

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  /** Output goes here as it arrives (a build log) instead of being collected. */
  log?: LogSink;
  signal?: AbortSignal;
  /** Exit codes that are not failures; default [0]. */
  okCodes?: number[];
  /** Cap on collected stdout/stderr, each; longer output keeps its tail. Default 16 MiB. */
  maxBuffer?: number;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class ExecError extends ExternalError {
  constructor(
    readonly command: string[],
    readonly code: number | null,
    readonly signalName: NodeJS.Signals | null,
    readonly stdout: string,
    readonly stderr: string,
    cause?: unknown,
  ) {
    const status = signalName ? `killed by ${signalName}` : `exit status ${String(code)}`;
    const tail = stderr.trim().split("\n").slice(-20).join("\n");
    super(`${shellQuote(command)} failed (${status})${tail ? `:\n${tail}` : ""}`, { cause });
  }
}

export function shellQuote(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(" ");
}

export function exec(command: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const [file, ...args] = command;
  if (!file) throw new Error("exec: empty command");
  const max = opts.maxBuffer ?? 16 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      signal: opts.signal,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    const collect = (chunks: Buffer[], chunk: Buffer, len: number): number => {
      chunks.push(chunk);
      len += chunk.length;
      while (len > max && chunks.length > 1) len -= chunks.shift()!.length;
      return len;
    };
    child.stdout!.on("data", (c: Buffer) => {
      if (opts.log) opts.log.write(c);
      else outLen = collect(out, c, outLen);
    });
    child.stderr!.on("data", (c: Buffer) => {
      if (opts.log) opts.log.write(c);
      errLen = collect(err, c, errLen);
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    child.on("error", (e) => {
      reject(new ExecError(command, null, null, "", e.message, e));
    });
    child.on("close", (code, signal) => {
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      if (code !== null && (opts.okCodes ?? [0]).includes(code)) resolve({ code, stdout, stderr });
      else reject(new ExecError(command, code, signal, stdout, stderr));
    });
  });
}
