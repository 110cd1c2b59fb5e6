// `kiln rebuild PKG… [--downstream]`: rebuild packages even when they are up to date, and with
// --downstream everything below them, whatever its rebuild mode. Early cutoff still applies: what
// is below a package whose new output equals the published one does not rebuild.
import type { Command } from "commander";
import { localBuild } from "./build.js";
import { defaultJobs, positiveInt, type SetOptions } from "./common.js";
import { setOrServerOptions, submitAndFollow, viaServer, type ServerOptions } from "./remote.js";

interface RebuildCliOptions extends SetOptions, ServerOptions {
  jobs: number;
  downstream?: boolean;
  replace?: boolean;
  wait: boolean;
}

export function registerRebuild(program: Command, setStatus: (s: number) => void): void {
  setOrServerOptions(
    program
      .command("rebuild")
      .description("rebuild packages even when they are up to date (--downstream: and everything below them)")
      .argument("<packages...>", "source package names"),
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
      const body = { packages, downstream: o.downstream === true, replace: o.replace === true };
      setStatus(
        o.server
          ? await viaServer(() => submitAndFollow(o, "/rebuilds", body))
          : await localBuild(o, packages, packages, { downstream: o.downstream === true }),
      );
    });
}
