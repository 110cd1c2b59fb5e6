// Helpers for farm tests: a real `kiln serve` and real `kiln agent` processes.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll } from "vitest";
import { KILN, ROOT } from "./kiln.js";

const NODE = join(ROOT, "node_modules", ".bin", "node");
const started: ChildProcess[] = [];
afterAll(() => {
  for (const p of started.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
});

export interface Proc {
  child: ChildProcess;
  output: () => string;
  /** Resolves when the output matches. */
  waitFor: (re: RegExp, ms?: number) => Promise<RegExpExecArray>;
  exited: Promise<number | null>;
  kill9: () => Promise<void>;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(NODE, [KILN, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  const waitFor = (re: RegExp, ms = 60_000): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const t0 = Date.now();
      const tick = setInterval(() => {
        const m = re.exec(out);
        if (m) {
          clearInterval(tick);
          resolve(m);
        } else if (Date.now() - t0 > ms || (child.exitCode !== null && !re.exec(out))) {
          clearInterval(tick);
          reject(new Error(`timed out waiting for ${String(re)}; output:\n${out}`));
        }
      }, 20);
    });
  return {
    child,
    output: () => out,
    waitFor,
    exited,
    kill9: async () => {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

export interface Server extends Proc {
  url: string;
  admin: string;
  enrol: string;
  /** The hook secret webhooks are signed with (<data>/hook.secret, or --hook-secret-file's). */
  hookSecret: string;
  data: string;
}

export async function startServer(o: {
  set: string;
  data: string;
  db?: string;
  localAgents?: number;
  leaseTimeout?: number;
  port?: number;
  extra?: string[];
  env?: NodeJS.ProcessEnv;
}): Promise<Server> {
  const p = run(
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
    ],
    o.env,
  );
  const m = await p.waitFor(/kiln serve: (http:\/\/\S+)/);
  await p.waitFor(/repository \S+: /);
  return {
    ...p,
    url: m[1]!,
    // A second server on a shared database finds the tokens made already: none written here.
    admin: existsSync(join(o.data, "admin.token"))
      ? readFileSync(join(o.data, "admin.token"), "utf8").trim()
      : "",
    enrol: existsSync(join(o.data, "enrol.token"))
      ? readFileSync(join(o.data, "enrol.token"), "utf8").trim()
      : "",
    hookSecret: readFileSync(
      o.extra?.includes("--hook-secret-file")
        ? o.extra[o.extra.indexOf("--hook-secret-file") + 1]!
        : join(o.data, "hook.secret"),
      "utf8",
    ).trim(),
    data: o.data,
  };
}

export function startAgent(o: {
  url: string;
  token: string;
  workdir: string;
  name: string;
  slots?: number;
  labels?: string[];
  extra?: string[];
}): Proc {
  return run(
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
    { KILN_TOKEN: o.token },
  );
}

/** A JSON API call; returns the status and the parsed body. */
export async function api(
  url: string,
  method: string,
  path: string,
  o: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string | Buffer } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever the API answered
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: {
      ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
      ...(o.body !== undefined ? { "content-type": "application/json" } : {}),
      ...o.headers,
    },
    ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : o.raw !== undefined ? { body: o.raw } : {}),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body };
}

/** Polls a request until it is no longer active. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
export async function waitForRequest(url: string, id: number, ms = 120_000): Promise<any> {
  const t0 = Date.now();
  for (;;) {
    const r = await api(url, "GET", `/requests/${id}`);
    if (r.status === 200 && r.body.status !== "active") return r.body;
    if (Date.now() - t0 > ms) throw new Error(`request ${id} still active: ${JSON.stringify(r.body)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}
