// `kiln serve`: the farm's server (HTTP API, durable queue, publishing), and by default one agent
// on the same machine, so that a single command is a whole farm.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import pc from "picocolors";
import { hostLabels } from "../core/labels.js";
import { buildApp } from "../server/app.js";
import { Coordinator } from "../coordinator/coordinator.js";
import { SourceWatcher } from "../server/source-watch.js";
import { loadServerConfig } from "../config/server-config.js";
import { diskLimits, HealthMonitor } from "../health/monitor.js";
import { releaseWatching } from "./serve-watch.js";
import { requestView } from "../server/views.js";
import { UserError } from "../util/errors.js";
import { packageRoot } from "../util/package-root.js";
import { numberArg, setOptions, workspaceFor, type SetOptions } from "./common.js";
import { shown } from "./output.js";
import { firstStartTokens, hookSecret, tightenSecrets } from "./serve-secrets.js";
import { outcomeOf, summaryLine } from "./report.js";

interface ServeOptions extends SetOptions {
  host: string;
  port: number;
  localAgents: number;
  leaseTimeout: number;
  maxUploadMb: number;
  build?: boolean;
  poll: number;
  hookSecretFile?: string;
  publicUrl?: string;
  config?: string;
  watchTick: number;
}

function publicUrl(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new InvalidArgumentError("expected an absolute http(s) URL, like https://kiln.example.org");
  }
  if (u.protocol !== "http:" && u.protocol !== "https:")
    throw new InvalidArgumentError(`expected an http or https URL, not ${u.protocol}`);
  if (u.search || u.hash || u.username || u.password)
    throw new InvalidArgumentError("expected a URL without a query, fragment or credentials");
  return u.href.replace(/\/+$/, "");
}

const nonNegativeInt = numberArg((n) => Number.isInteger(n) && n >= 0, "a whole number");
const secondsOrZero = numberArg((n) => Number.isFinite(n) && n >= 0, "a number of seconds (0: off)");
const seconds = numberArg((n) => Number.isFinite(n) && n > 0, "a number of seconds above 0");

export function registerServe(program: Command): void {
  setOptions(program.command("serve").description("run the build farm's server (and local agents)"))
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--port <n>", "port to listen on (0: any free port)", nonNegativeInt, 8080)
    .option("--local-agents <n>", "agents to start on this machine", nonNegativeInt, 1)
    .option("--lease-timeout <seconds>", "an agent silent this long loses its jobs to the queue", seconds, 60)
    .option("--max-upload-mb <n>", "largest artifact an agent may upload", nonNegativeInt, 2048)
    .option("--build", "queue a build of everything not up to date at start")
    .option(
      "--poll <seconds>",
      "look for new commits of the set's git repository this often (0: never; the webhook still asks)",
      secondsOrZero,
      30,
    )
    .option(
      "--hook-secret-file <path>",
      "the secret git hosts sign webhooks with (default: <data>/hook.secret, made on the first start)",
    )
    .option(
      "--public-url <url>",
      "the URL clients reach this server at, used in .repo files and links (default: the address it listens on)",
      publicUrl,
    )
    .option(
      "--config <file>",
      "the server's own configuration (upstream services and tokens for release watches)",
    )
    .option(
      "--watch-tick <seconds>",
      "look for watches that are due this often (0: only when asked; each package has its own interval)",
      secondsOrZero,
      60,
    )
    .action(async (o: ServeOptions) => {
      const serverConfig = await loadServerConfig(o.config);
      const sqlite = o.db === undefined || o.db.startsWith("sqlite:");
      // Several servers may share one PostgreSQL database; one SQLite file belongs to one server.
      const ws = await workspaceFor(o, sqlite);
      const log = (line: string): void => console.error(`${new Date().toISOString()} ${line}`);
      const farm = new Coordinator(ws, sqlite ? "sqlite" : "postgres", {
        leaseMs: o.leaseTimeout * 1000,
        jobLabels: ws.config.build.labels ?? hostLabels(process.arch, process.platform),
        log,
        diskLimits: diskLimits(serverConfig.health),
      });
      await farm.open();
      const health = new HealthMonitor({
        db: ws.db,
        dataDir: ws.data.root,
        config: serverConfig.health,
        leaseMs: o.leaseTimeout * 1000,
        log,
        changed: () => farm.changed(),
      });
      const tokens = await firstStartTokens(ws.db, ws.data.root);
      const hook = hookSecret(ws.data.root, o.hookSecretFile);
      tightenSecrets(ws.data.root, o.hookSecretFile);
      const source = new SourceWatcher(farm, { pollMs: o.poll * 1000, log });
      const { watcher, threads } = releaseWatching({
        ws,
        farm,
        source,
        config: serverConfig,
        tickMs: o.watchTick * 1000,
        leaseMs: o.leaseTimeout * 1000,
        ownDatabase: sqlite,
        log,
      });
      const app = await buildApp({
        farm,
        source,
        watcher,
        threads,
        maxUploadBytes: o.maxUploadMb * 1024 * 1024,
        version: "0.1.0",
        hookSecret: hook.secret,
        ...(o.publicUrl !== undefined ? { publicUrl: o.publicUrl } : {}),
        roots: [ws.data.root, ws.setDir],
      });
      let address: string;
      try {
        address = await app.listen({ host: o.host, port: o.port });
      } catch (e) {
        await farm.close();
        await ws.close();
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EADDRINUSE" || code === "EACCES") {
          throw new UserError(
            "USAGE",
            `cannot listen on ${o.host}:${o.port}: ${code === "EADDRINUSE" ? "the port is in use" : "permission denied"}`,
            undefined,
            "pass another --port (0 picks a free one)",
          );
        }
        throw e;
      }
      const url = address.replace("://[::1]", "://localhost");
      const repo = ws.config.repositories[0]!.name;
      console.log(`kiln serve: ${url} (API ${url}/api/v1, OpenAPI ${url}/api/openapi.json)`);
      console.log(`web UI: ${url}/ (sign in with the admin token below to act)`);
      console.log(`database: ${o.db ?? `sqlite:${shown(join(ws.data.root, "kiln.db"))}`}`);
      for (const line of tokens) console.log(line);
      console.log(hook.line);
      if (ws.sandboxNote)
        console.error(
          `${pc.yellow("note:")} builds on local agents may run without a sandbox: ${ws.sandboxNote}`,
        );

      const agents: ChildProcess[] = [];
      for (let i = 1; i <= o.localAgents; i++)
        agents.push(startLocalAgent(ws.data.root, i, url, tokens.enrolToken));
      if (o.localAgents > 0)
        console.log(`${o.localAgents} local agent(s); their logs: ${shown(join(ws.data.root, "agents"))}`);
      if (o.build) {
        const id = await farm.submit({ targets: [], createdBy: "kiln serve --build" });
        console.log(
          `queued request ${id}: everything not up to date (follow it: kiln status --server ${url} --request ${id})`,
        );
        reportWhenDone(farm, id, ws.data.repoPath(repo));
      }
      console.log(`repository ${repo}: ${shown(ws.data.repoPath(repo))}`);
      source.start();
      health.start();
      watcher.start();
      threads.start();

      await new Promise<void>((resolve) => {
        const stop = (): void => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      console.error("kiln serve: stopping");
      source.stop();
      await health.stop();
      await watcher.stop();
      await threads.stop();
      for (const a of agents) a.kill("SIGTERM");
      farm.stopLeasing();
      await app.close();
      await farm.close();
      await ws.close();
    });
}

function startLocalAgent(
  dataRoot: string,
  n: number,
  url: string,
  enrolToken: string | undefined,
): ChildProcess {
  const dir = join(dataRoot, "agents");
  mkdirSync(dir, { recursive: true });
  const log = createWriteStream(join(dir, `local-${n}.log`), { flags: "a" });
  const child = spawn(
    process.execPath,
    [
      join(packageRoot(), "bin", "kiln.js"),
      "agent",
      "--server",
      url,
      "--workdir",
      join(dir, `local-${n}`),
      "--name",
      `local-${n}`,
    ],
    {
      // The token goes by environment, never on a command line that `ps` shows.
      env: { ...process.env, KILN_TOKEN: enrolToken ?? "", KILN_AGENT_PARENT_PID: String(process.pid) },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

/** Prints one summary line when a request's jobs have all ended (what `npm start` shows). */
function reportWhenDone(farm: Coordinator, id: number, repoPath: string): void {
  let reported = false;
  const check = async (): Promise<void> => {
    const r = await requestView(farm.ws.db, id, farm.opts.leaseMs);
    if (!r || r.status === "active" || reported) return;
    reported = true;
    farm.events.off("change", onChange);
    // What the request published is on disk before the user is told where to look.
    await farm.publisher.settled();
    console.log(`request ${id} ${r.status}: ${summaryLine(outcomeOf(r.packages, r.upToDate))}`);
    console.log(`the repository is at ${shown(repoPath)} (the server keeps running; Ctrl-C stops it)`);
  };
  const onChange = (): void => {
    check().catch(() => {});
  };
  farm.events.on("change", onChange);
  onChange();
}
