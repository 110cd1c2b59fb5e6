// `kiln plan PKG…`: what a change to these packages (or a manual rebuild of them) would rebuild
// downstream, in waves, with the time it should take, without building anything. Every invalid
// package's errors are printed too (and carried by --format json), and make it exit 1.
import { Option, type Command } from "commander";
import { graphErrors, loadGraph, modeOf } from "../planner/load-graph.js";
import { planChange, type ChangePlan } from "../core/flow.js";
import { lastDurations } from "../db/builds.js";
import { unknownPackages } from "../util/errors.js";
import { setOptions, withWorkspace, type SetOptions } from "./common.js";
import { packageErrorsJson, printPackageErrors, secs } from "./output.js";

interface PlanOptions extends SetOptions {
  format: "text" | "json";
  downstream: "modes" | "all" | "none";
}

export function registerPlan(program: Command, setStatus: (s: number) => void): void {
  setOptions(
    program
      .command("plan")
      .description("show what a change to the named packages would rebuild, in waves, without building")
      .argument("<packages...>", "changed source packages"),
  )
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .addOption(
      new Option(
        "--downstream <how>",
        "how far: by each package's rebuild mode (a change), all of it (kiln rebuild --downstream), none",
      )
        .choices(["modes", "all", "none"])
        .default("modes"),
    )
    .action((changed: string[], o: PlanOptions) =>
      withWorkspace(o, false, async (ws) => {
        const g = await loadGraph(ws);
        const errors = graphErrors(g);
        printPackageErrors(errors, ws.setDir);
        const unknown = changed.filter((c) => !g.graph.names.includes(c));
        if (unknown.length) throw unknownPackages(unknown, "`kiln graph` lists the packages");
        const plan = planChange(changed, {
          rdeps: g.graph.rdeps,
          order: g.graph.order,
          modeOf: modeOf(ws, g),
          durations: await lastDurations(ws.db),
          downstream: o.downstream,
        });
        if (o.format === "json") {
          process.stdout.write(
            JSON.stringify({ ...plan, errors: packageErrorsJson(errors) }, null, 2) + "\n",
          );
        } else printPlan(plan);
        if (errors.size > 0) console.error(`invalid: ${[...errors.keys()].sort().join(", ")}`);
        setStatus(errors.size > 0 ? 1 : 0);
      }),
    );
}

function printPlan(p: ChangePlan): void {
  const time =
    p.unknown.length === p.packages.length
      ? " (no build times known yet)"
      : `, about ${secs(p.criticalPathMs)} with enough agents, ${secs(p.totalWorkMs)} on one` +
        (p.unknown.length ? ` (${p.unknown.length} never built, counted at the typical time)` : "");
  console.log(
    `a change to ${p.changed.join(", ")} rebuilds at most ${p.packages.length} package(s) in ${p.waves.length} wave(s)${time}`,
  );
  p.waves.forEach((w, i) => console.log(`  wave ${i + 1}: ${w.join(", ")}`));
}
