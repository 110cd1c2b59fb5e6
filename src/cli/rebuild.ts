// `kiln rebuild PKG… [--downstream]`: rebuild packages even when they are up to date, and with
// --downstream everything below them, whatever its rebuild mode. Early cutoff still applies: what
// is below a package whose new output equals the published one does not rebuild.
import type { Command } from "commander";
import { loadGraph, modeOf } from "../build/load-graph.js";
import { planChange } from "../core/flow.js";
import { lastDurations } from "../db/builds.js";
import { unknownPackages } from "../util/errors.js";
import { localBuild } from "./build.js";
import { defaultJobs, positiveInt, setOptions, type SetOptions } from "./common.js";
import { cliError, remoteRebuild, serverOptions, type ServerOptions } from "./remote.js";

interface RebuildCliOptions extends SetOptions, ServerOptions {
  jobs: number;
  downstream?: boolean;
  replace?: boolean;
  wait: boolean;
}

export function registerRebuild(program: Command, setStatus: (s: number) => void): void {
  serverOptions(
    setOptions(
      program
        .command("rebuild")
        .description(
          "rebuild packages even when they are up to date (--downstream: and everything below them)",
        )
        .argument("<packages...>", "source package names"),
    ),
  )
    .option("-j, --jobs <n>", "builds to run at once", positiveInt, defaultJobs())
    .option(
      "--downstream",
      "then rebuild what depends on them, all the way down (early cutoff still applies)",
    )
    .option("--no-wait", "with --server: queue the rebuild and return at once")
    .option(
      "--replace",
      "with --server: a package whose run is still under way (or stuck) has that run cancelled first",
    )
    .action(async (packages: string[], o: RebuildCliOptions) => {
      if (o.server) {
        try {
          setStatus(await remoteRebuild(o, packages));
        } catch (e) {
          throw cliError(e);
        }
        return;
      }
      setStatus(
        await localBuild(o, packages, packages, async (ws) => {
          if (!o.downstream) return packages;
          const g = await loadGraph(ws);
          const unknown = packages.filter((p) => !g.graph.names.includes(p));
          if (unknown.length > 0) {
            throw unknownPackages(unknown, "`kiln graph` lists the packages");
          }
          return planChange(packages, {
            rdeps: g.graph.rdeps,
            order: g.graph.order,
            modeOf: modeOf(ws, g),
            durations: await lastDurations(ws.db),
            downstream: "all",
          }).packages;
        }),
      );
    });
}
