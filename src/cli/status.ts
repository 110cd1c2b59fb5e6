// `kiln status`: the farm (agents, the queue with why each job waits, recent builds) from a
// server; without --server, the recent builds in the local data directory.
import type { Command } from "commander";
import { positiveInt, withWorkspace, type SetOptions } from "./common.js";
import { secs } from "./output.js";
import { remoteStatus, setOrServerOptions, viaServer, type ServerOptions } from "./remote.js";

export function registerStatus(program: Command): void {
  setOrServerOptions(program.command("status").description("show agents, the queue and recent builds"))
    .option("--request <id>", "one build request and its jobs (with --server)", positiveInt)
    .action(async (o: SetOptions & ServerOptions & { request?: number }) => {
      if (o.server) return viaServer(() => remoteStatus(o));
      await withWorkspace(o, false, async (ws) => {
        const builds = await ws.db.selectFrom("builds").selectAll().orderBy("id", "desc").limit(20).execute();
        console.log(`recent builds in ${ws.data.root}:`);
        for (const b of builds) {
          const took = b.duration_ms !== null ? ` ${secs(b.duration_ms)}` : "";
          console.log(
            `  ${String(b.id).padStart(6)} ${b.package.padEnd(24)} ${b.status.padEnd(9)}${took}${b.error ? `  ${b.error.split("\n")[0]}` : ""}`,
          );
        }
      });
    });
}
