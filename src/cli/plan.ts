// `kiln plan PKG…`: what a change to these packages would rebuild downstream, in waves.
import { Option, type Command } from "commander";
import { loadGraph } from "../build/load-graph.js";
import { lastDurations } from "../db/builds.js";
import { downstream, waves } from "../core/plan.js";
import { UserError } from "../util/errors.js";
import { setOptions, workspaceFor, type SetOptions } from "./common.js";

interface PlanOptions extends SetOptions {
  format: "text" | "json";
}

export function registerPlan(program: Command, setStatus: (s: number) => void): void {
  setOptions(
    program
      .command("plan")
      .description("show what a change to the named packages would rebuild, in waves, without building")
      .argument("<packages...>", "changed source packages"),
  )
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .action(async (changed: string[], o: PlanOptions) => {
      const ws = await workspaceFor(o, false);
      try {
        const g = await loadGraph(ws);
        const unknown = changed.filter((c) => !g.graph.names.includes(c));
        if (unknown.length) {
          throw new UserError(
            "PACKAGE_UNKNOWN",
            `no package named ${unknown.join(", ")} in the set`,
            undefined,
            "`kiln graph` lists the packages",
          );
        }
        const affected = downstream(changed, g.graph.rdeps);
        const ws_ = waves(affected, g.graph.order);
        const packages = ws_.flat();
        const durations = await lastDurations(ws.db);
        if (o.format === "json") {
          process.stdout.write(JSON.stringify({ packages, waves: ws_ }, null, 2) + "\n");
        } else {
          const known = ws_.map((w) => Math.max(0, ...w.map((n) => durations.get(n) ?? 0)));
          console.log(
            `a change to ${changed.join(", ")} rebuilds ${packages.length} package(s) in ${ws_.length} wave(s)` +
              (known.some((k) => k > 0)
                ? `, about ${(known.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s with enough agents`
                : ""),
          );
          ws_.forEach((w, i) => console.log(`  wave ${i + 1}: ${w.join(", ")}`));
        }
        setStatus(0);
      } finally {
        await ws.close();
      }
    });
}
