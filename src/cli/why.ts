// `kiln why BUILD`: why a build started, followed back: the upstream builds whose new output it
// took, why those started, down to the commit or the person that set the flow off.
import type { Command } from "commander";
import { BuildView } from "../api/schemas.js";
import { UserError } from "../util/errors.js";
import { positiveInt, withWorkspace, type SetOptions } from "./common.js";
import { client, describeCause, setOrServerOptions, viaServer, type ServerOptions } from "./remote.js";
import { fromJsonOrNull } from "../db/json-columns.js";

type Step = Pick<BuildView, "id" | "package" | "evr" | "status" | "reason" | "sameOutputAs" | "trigger">;

export function registerWhy(program: Command): void {
  setOrServerOptions(
    program
      .command("why")
      .description("why a build started: the upstream builds and the commit behind it, followed back")
      .argument("<build>", "build id", positiveInt),
  ).action((build: number, o: SetOptions & ServerOptions) => {
    if (o.server) {
      const api = client(o);
      return viaServer(() => printChain(build, (id) => api.json(BuildView, "GET", `/builds/${id}`)));
    }
    return withWorkspace(o, false, (ws) =>
      printChain(build, async (id) => {
        const b = await ws.db.selectFrom("builds").selectAll().where("id", "=", id).executeTakeFirst();
        if (!b) throw new UserError("USAGE", `no build ${id} in ${ws.data.root}`);
        return {
          id: b.id,
          package: b.package,
          evr: b.evr,
          status: b.status,
          reason: b.reason,
          sameOutputAs: b.same_output_as,
          trigger: fromJsonOrNull("trigger", b.trigger, "builds.trigger"),
        };
      }),
    );
  });
}

async function printChain(first: number, get: (id: number) => Promise<Step>): Promise<void> {
  const seen = new Set<number>();
  const queue = [first];
  while (queue.length > 0 && seen.size < 100) {
    const id = queue.shift()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const b = await get(id);
    const outcome = b.sameOutputAs !== null ? `cut off (same output as build ${b.sameOutputAs})` : b.status;
    console.log(`build ${b.id}: ${b.package} ${b.evr}, ${outcome}`);
    console.log(`  why: ${b.reason}`);
    const up = b.trigger?.upstream ?? [];
    if (up.length > 0) {
      console.log(`  after new output of: ${up.map((u) => `${u.package} (build ${u.build})`).join(", ")}`);
      queue.push(...up.map((u) => u.build));
    } else if (b.trigger?.cause) {
      console.log(
        `  set off by: ${describeCause(b.trigger.cause)}${b.trigger.request ? ` (request ${b.trigger.request})` : ""}`,
      );
    }
  }
}
