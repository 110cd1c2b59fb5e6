// A farm for a test (or the bench): `kiln serve` on a set, on SQLite or on a fresh PostgreSQL
// database, with its agents enrolled and ready, and a typed API client with the admin token.
// Everything it starts is stopped when the test that started it ends (or after the file, when
// started outside a test), whether the test passed or not.
import { join } from "node:path";
import { TestApi } from "./api.js";
import { freshDatabaseUrl, type Backend } from "./databases.js";
import { startAgent, startServer, type Proc, type Server } from "./process.js";
import { tempDir } from "./temp.js";

export interface AgentSpec {
  name: string;
  slots?: number;
  labels?: string[];
  extra?: string[];
  /** Its work directory (default: a fresh one). The same one again keeps its enrolment. */
  workdir?: string;
}

export interface FarmOptions {
  set: string;
  /** The server's data directory; default: the set's own `.kiln`, where `kiln build` keeps it. */
  data?: string;
  /** Default sqlite (in the data directory); postgres: a fresh database, dropped after the file. */
  backend?: Backend;
  /** A database URL to use instead (a second server on a shared database). */
  db?: string;
  /** How many agents (named agent-1, …) or which; default one. */
  agents?: number | AgentSpec[];
  /** Slots of each agent when `agents` is a number; default 1. */
  slots?: number;
  /** --poll SECONDS; default 0 (no polling: builds are asked for). */
  poll?: number;
  /** --build: queue everything not up to date at start. */
  build?: boolean;
  leaseTimeout?: number;
  /** More `kiln serve` arguments. */
  extra?: string[];
  /** Node's own options for the server and agents (the bench's --cpu-prof). */
  nodeArgs?: string[];
}

export interface Farm {
  url: string;
  set: string;
  data: string;
  /** The database the server uses (open it with src/db/connect.js to read it). */
  dbUrl: string;
  adminToken: string;
  enrolToken: string;
  hookSecret: string;
  /** The API as the admin. */
  api: TestApi;
  server: Server;
  agents: Proc[];
  /** Stops the agents, then the server (SIGTERM); resolves with the server's exit status. */
  stop(): Promise<number | null>;
}

export async function startFarm(o: FarmOptions): Promise<Farm> {
  const data = o.data ?? join(o.set, ".kiln");
  const db = o.db ?? (o.backend === "postgres" ? (await freshDatabaseUrl("postgres")).url : undefined);
  const server = await startServer({
    set: o.set,
    data,
    ...(db ? { db } : {}),
    ...(o.leaseTimeout !== undefined ? { leaseTimeout: o.leaseTimeout } : {}),
    extra: ["--poll", String(o.poll ?? 0), ...(o.build ? ["--build"] : []), ...(o.extra ?? [])],
    nodeArgs: o.nodeArgs ?? [],
    scope: "test",
  });
  const specs: AgentSpec[] =
    typeof o.agents === "object"
      ? o.agents
      : Array.from({ length: o.agents ?? 1 }, (_, i) => ({ name: `agent-${i + 1}`, slots: o.slots ?? 1 }));
  const agents = specs.map((a) =>
    startAgent({
      url: server.url,
      token: server.enrol,
      workdir: a.workdir ?? tempDir("kiln-agent-"),
      name: a.name,
      slots: a.slots ?? 1,
      labels: a.labels ?? [],
      extra: a.extra ?? [],
      nodeArgs: o.nodeArgs ?? [],
      scope: "test",
    }),
  );
  await Promise.all(agents.map((a) => a.waitFor(/ ready: /)));
  return {
    url: server.url,
    set: o.set,
    data,
    dbUrl: db ?? `sqlite:${join(data, "kiln.db")}`,
    adminToken: server.admin,
    enrolToken: server.enrol,
    hookSecret: server.hookSecret,
    api: new TestApi(server.url, server.admin),
    server,
    agents,
    stop: async () => {
      await Promise.all(agents.map((a) => a.stop()));
      server.child.kill("SIGTERM");
      return server.exited;
    },
  };
}
