// `kiln agents list|disable NAME|enable NAME|delete NAME`: a server's agents (admin token needed
// to change them).
import type { Command } from "commander";
import { z } from "zod";
import { AgentAction } from "../api/admin-schemas.js";
import { AgentView } from "../api/schemas.js";
import { client, onServer, serverOptions, type ServerOptions } from "./remote.js";

export function registerAgents(program: Command): void {
  const agents = program
    .command("agents")
    .description("a server's agents (changing them takes an admin token)");
  serverOptions(agents.command("list").description("every agent: state, slots, labels, what it runs")).action(
    (o: ServerOptions) =>
      onServer(o, "agents list", async () => {
        const { agents: list } = await client(o).json(
          z.object({ agents: z.array(AgentView) }),
          "GET",
          "/agents",
        );
        for (const a of list) {
          const labels = Object.entries(a.labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(",");
          const running = a.running.map((r) => `${r.package} (job ${r.job})`).join(", ");
          console.log(
            `${a.name.padEnd(20)} ${a.state.padEnd(8)} ${a.slots} slot(s)  ${labels}  last seen ${a.lastSeenAt}${running ? `  running ${running}` : ""}`,
          );
        }
      }),
  );
  for (const [verb, method, path, done] of [
    ["disable", "POST", "/disable", "disabled (its credential is refused; its leases run out)"],
    ["enable", "POST", "/enable", "enabled"],
    ["delete", "DELETE", "", "deleted"],
  ] as const) {
    serverOptions(
      agents.command(verb).description(`${verb} an agent`).argument("<name>", "the agent's name"),
    ).action((name: string, o: ServerOptions) =>
      onServer(o, `agents ${verb}`, async () => {
        const r = await client(o).json(
          AgentAction,
          method,
          `/agents/${encodeURIComponent(name)}${path}`,
          method === "POST" ? {} : undefined,
        );
        console.log(`agent "${r.name}" ${done}`);
      }),
    );
  }
}
