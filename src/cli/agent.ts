// `kiln agent`: a build agent that leases jobs from a server.
import { availableParallelism } from "node:os";
import { InvalidArgumentError, Option, type Command } from "commander";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Agent } from "../agent/agent.js";
import { HttpLink } from "../agent/http-link.js";
import { ArtifactStore } from "../artifacts/store.js";
import { BuildRootCache } from "../buildroot/buildroot-cache.js";
import { probeSandbox } from "../sandbox/bubblewrap.js";
import { hostLabels, parseLabel } from "../core/labels.js";
import type { SandboxMode } from "../core/sandbox-policy.js";
import { positiveInt } from "./common.js";

interface AgentCliOptions {
  server: string;
  token?: string;
  slots: number;
  workdir: string;
  label: [string, string][];
  name?: string;
  sandbox?: SandboxMode;
}

function collectLabel(value: string, prev: [string, string][]): [string, string][] {
  const l = parseLabel(value);
  if (!l) throw new InvalidArgumentError(`"${value}" is not a label: use KEY=VALUE (letters, digits, . _ -)`);
  return [...prev, l];
}

export function registerAgent(program: Command, setStatus: (s: number) => void): void {
  program
    .command("agent")
    .description("run a build agent: lease jobs from a Kiln server and build them")
    .requiredOption("--server <url>", "the server's URL", process.env.KILN_SERVER)
    .option("--token <token>", "the server's enrolment token (default: $KILN_TOKEN; needed only to enrol)")
    .option(
      "--slots <n>",
      "builds to run at once",
      positiveInt,
      Math.max(1, Math.floor(availableParallelism() / 2)),
    )
    .option(
      "--workdir <dir>",
      "where the agent keeps its credential, caches and builds",
      join(process.cwd(), ".kiln-agent"),
    )
    .option(
      "--label <K=V>",
      "a label jobs can ask for (repeatable; arch and os are set from this machine)",
      collectLabel,
      [],
    )
    .option("--name <name>", "the agent's name (default: the host name)")
    .addOption(
      new Option(
        "--sandbox <mode>",
        "this agent's sandbox policy: required, auto or off; it refuses jobs asking for less (default: required where bubblewrap works, else auto)",
      ).choices(["required", "auto", "off"]),
    )
    .action(async (o: AgentCliOptions) => {
      const abort = new AbortController();
      let stops = 0;
      const onSignal = (): void => {
        stops++;
        if (stops > 1) process.exit(130);
        console.error("kiln agent: finishing the running builds (again to stop at once)");
        abort.abort();
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      const parent = Number(process.env.KILN_AGENT_PARENT_PID);
      const token = o.token ?? process.env.KILN_TOKEN;
      // Nothing the agent starts may inherit a credential.
      delete process.env.KILN_TOKEN;
      const workdir = resolve(o.workdir);
      const labels = { ...hostLabels(process.arch, process.platform), ...Object.fromEntries(o.label) };
      const log = (line: string): void => console.error(`${new Date().toISOString()} ${line}`);
      // It shares no disk with the server: its own store and build-root cache in its work directory.
      const store = new ArtifactStore(join(workdir, "artifacts"));
      const link = new HttpLink(
        {
          server: o.server,
          workdir,
          ...(token ? { enrolToken: token } : {}),
          ...(o.name ? { name: o.name } : {}),
          labels,
          slots: o.slots,
          log,
        },
        store,
      );
      await mkdir(workdir, { recursive: true });
      const agent = new Agent({
        link,
        store,
        roots: new BuildRootCache(join(workdir, "buildroots"), store),
        probe: await probeSandbox(),
        slots: o.slots,
        workdir,
        labels,
        ...(parent > 0 ? { parentPid: parent } : {}),
        ...(o.sandbox ? { sandbox: o.sandbox } : {}),
        log,
        signal: abort.signal,
      });
      await agent.run();
      setStatus(abort.signal.aborted ? 130 : 0);
    });
}
