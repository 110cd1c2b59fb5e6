// `kiln status`: the farm (agents, the queue with why each job waits, recent builds) from a
// server; without --server, the recent builds in the local data directory.
import type { Command } from "commander";
import { positiveInt, setOptions, workspaceFor, type SetOptions } from "./common.js";
import { remoteStatus, serverOptions, viaServer, type ServerOptions } from "./remote.js";

export function registerStatus(program: Command): void {
  serverOptions(setOptions(program.command("status").description("show agents, the queue and recent builds")))
    .option("--request <id>", "one build request and its jobs (with --server)", positiveInt)
    .action(async (o: SetOptions & ServerOptions & { request?: number }) => {
      if (o.server) {
        await viaServer(() => remoteStatus(o));
        return;
      }
      const ws = await workspaceFor(o, false);
      try {
        const builds = await ws.db.selectFrom("builds").selectAll().orderBy("id", "desc").limit(20).execute();
        console.log(`recent builds in ${ws.data.root}:`);
        for (const b of builds) {
          const secs = b.duration_ms !== null ? ` ${(b.duration_ms / 1000).toFixed(1)} s` : "";
          console.log(
            `  ${String(b.id).padStart(6)} ${b.package.padEnd(24)} ${b.status.padEnd(9)}${secs}${b.error ? `  ${b.error.split("\n")[0]}` : ""}`,
          );
        }
      } finally {
        await ws.close();
      }
    });
}
