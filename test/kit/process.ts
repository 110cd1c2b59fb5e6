// Long-running `kiln` processes (a server, an agent): their output kept line by line, waited on
// by condition, stopped after the test or file (or on the bench's runCleanups), and never left
// behind by this process.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAllTests, afterThisTest } from "./cleanup.js";
import { KILN, NODE, ROOT } from "./paths.js";
import { tempDir } from "./temp.js";

export interface Line {
  at: number;
  stream: "stdout" | "stderr";
  text: string;
}

export interface Proc {
  name: string;
  child: ChildProcess;
  /** stdout and stderr as they came. */
  output: () => string;
  /** Each complete line, with when it came (performance.now()). */
  lines: Line[];
  /** Resolves when the output matches; rejects when the process exits first or after `ms`. */
  waitFor: (re: RegExp, ms?: number) => Promise<RegExpExecArray>;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop: (graceMs?: number) => Promise<void>;
  kill9: () => Promise<void>;
  /** The last lines of its output, for error messages. */
  tail: (n?: number) => string;
}

const running = new Set<ChildProcess>();
// Whatever happens to this process, nothing it started outlives it.
process.on("exit", () => {
  for (const c of running) c.kill("SIGKILL");
});

export interface SpawnOptions {
  name?: string;
  env?: NodeJS.ProcessEnv;
  /** Node's own options (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** "test": stopped when the current test ends; "file" (the default): after the test file. */
  scope?: "test" | "file";
}

/** Starts `kiln ARGS…` in the background. */
export function spawnKiln(args: string[], o: SpawnOptions = {}): Proc {
  const child = spawn(NODE, [...(o.nodeArgs ?? []), KILN, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", ...o.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let out = "";
  const lines: Line[] = [];
  const waiters = new Set<() => void>();
  const collect = (stream: "stdout" | "stderr"): void => {
    let rest = "";
    child[stream]!.on("data", (c: Buffer) => {
      const text = c.toString();
      out += text;
      const parts = (rest + text).split("\n");
      rest = parts.pop()!;
      for (const l of parts) lines.push({ at: performance.now(), stream, text: l });
      for (const w of [...waiters]) w();
    });
  };
  collect("stdout");
  collect("stderr");
  const exited = new Promise<number | null>((r) =>
    child.on("close", (code) => {
      running.delete(child);
      for (const w of [...waiters]) w();
      r(code);
    }),
  );
  const name = o.name ?? `kiln ${args[0] ?? ""}`;
  const tail = (n = 30): string => out.split("\n").slice(-n).join("\n");
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const waitFor = (re: RegExp, ms = 60_000): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const m = re.exec(out);
        if (m) {
          done();
          resolve(m);
        } else if (gone()) {
          done();
          reject(new Error(`${name} exited before ${String(re)}; output:\n${tail()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${String(re)} from ${name}; output:\n${tail()}`));
      }, ms);
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  const stop = async (graceMs = 5000): Promise<void> => {
    if (gone()) return;
    child.kill("SIGTERM");
    let t: NodeJS.Timeout | undefined;
    const late = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((r) => (t = setTimeout(() => r(true), graceMs))),
    ]);
    clearTimeout(t);
    if (late) {
      child.kill("SIGKILL");
      await exited;
    }
  };
  const kill9 = async (): Promise<void> => {
    if (!gone()) child.kill("SIGKILL");
    await exited;
  };
  (o.scope === "test" ? afterThisTest : afterAllTests)(kill9);
  return { name, child, output: () => out, lines, waitFor, exited, stop, kill9, tail };
}

export interface Server extends Proc {
  url: string;
  admin: string;
  enrol: string;
  /** The hook secret webhooks are signed with (<data>/hook.secret, or --hook-secret-file's). */
  hookSecret: string;
  data: string;
}

export interface ServerOptions {
  set: string;
  data: string;
  db?: string;
  localAgents?: number;
  leaseTimeout?: number;
  port?: number;
  extra?: string[];
  env?: NodeJS.ProcessEnv;
  nodeArgs?: string[];
  /** Default "file": killed after the test file, as the tests that share one server need. */
  scope?: "test" | "file";
}

/**
 * A server config that points every upstream service of release watches at a closed port on
 * 127.0.0.1, for servers whose test does not give its own (`--config`): a set with a watched
 * package (the example set's libgreet) then never sends a request off this machine.
 */
export function offlineServerConfig(): string {
  const file = join(tempDir("kiln-server-config-"), "server.yaml");
  const services = ["github", "gitlab", "pypi", "rubygems", "packagist", "pecl", "npm"];
  writeFileSync(file, `upstreams:\n${services.map((s) => `  ${s}: {url: "http://127.0.0.1:9"}\n`).join("")}`);
  return file;
}

/** A `kiln serve`, listening and with its repository ready. */
export async function startServer(o: ServerOptions): Promise<Server> {
  const p = spawnKiln(
    [
      "serve",
      "--set",
      o.set,
      "--data",
      o.data,
      ...(o.db ? ["--db", o.db] : []),
      "--port",
      String(o.port ?? 0),
      "--local-agents",
      String(o.localAgents ?? 0),
      "--lease-timeout",
      String(o.leaseTimeout ?? 60),
      ...(o.extra ?? []),
      ...(o.extra?.includes("--config") ? [] : ["--config", offlineServerConfig()]),
    ],
    { name: "kiln serve", env: o.env ?? {}, nodeArgs: o.nodeArgs ?? [], scope: o.scope ?? "file" },
  );
  const m = await p.waitFor(/kiln serve: (http:\/\/\S+)/);
  await p.waitFor(/repository \S+: /);
  const token = (f: string): string =>
    // A second server on a shared database finds the tokens made already: none written here.
    existsSync(join(o.data, f)) ? readFileSync(join(o.data, f), "utf8").trim() : "";
  return {
    ...p,
    url: m[1]!,
    admin: token("admin.token"),
    enrol: token("enrol.token"),
    hookSecret: readFileSync(
      o.extra?.includes("--hook-secret-file")
        ? o.extra[o.extra.indexOf("--hook-secret-file") + 1]!
        : join(o.data, "hook.secret"),
      "utf8",
    ).trim(),
    data: o.data,
  };
}

export interface AgentOptions {
  url: string;
  token: string;
  workdir: string;
  name: string;
  slots?: number;
  labels?: string[];
  extra?: string[];
  nodeArgs?: string[];
  scope?: "test" | "file";
}

/** A `kiln agent` (not yet ready: wait for /ready/, or use startFarm). */
export function startAgent(o: AgentOptions): Proc {
  return spawnKiln(
    [
      "agent",
      "--server",
      o.url,
      "--workdir",
      o.workdir,
      "--name",
      o.name,
      "--slots",
      String(o.slots ?? 1),
      ...(o.labels ?? []).flatMap((l) => ["--label", l]),
      ...(o.extra ?? []),
    ],
    {
      name: `kiln agent ${o.name}`,
      env: { KILN_TOKEN: o.token },
      nodeArgs: o.nodeArgs ?? [],
      scope: o.scope ?? "file",
    },
  );
}

/**
 * An agent of `server` with a fresh work directory (unless given), started and waited for until
 * it says `ready` (or what `ready` matches).
 */
export async function readyAgent(
  server: { url: string; enrol: string },
  name: string,
  o: Partial<Omit<AgentOptions, "name">> & { ready?: RegExp } = {},
): Promise<Proc> {
  const { ready = /ready/, ...rest } = o;
  const agent = startAgent({
    url: server.url,
    token: server.enrol,
    workdir: tempDir("kiln-agent-"),
    name,
    ...rest,
  });
  await agent.waitFor(ready);
  return agent;
}
