// `kiln logs BUILD [--follow]`: a build's log, from a server (followed live) or the local data directory.
import { existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import { UserError } from "../util/errors.js";
import { positiveInt, withWorkspace, type SetOptions } from "./common.js";
import { remoteLogs, setOrServerOptions, viaServer, type ServerOptions } from "./remote.js";

export function registerLogs(program: Command, setStatus: (s: number) => void): void {
  setOrServerOptions(
    program
      .command("logs")
      .description("print a build's log (or, with --job, one pipeline job's)")
      .argument("<id>", "build id (job id with --job)", positiveInt),
  )
    .option("-f, --follow", "keep printing as the build runs, until it ends (with --server)")
    .option("--job", "the id is a pipeline job's (with --server): its own log")
    .action(async (build: number, o: SetOptions & ServerOptions & { follow?: boolean; job?: boolean }) => {
      if (o.server) {
        setStatus(await viaServer(() => remoteLogs(o, build)));
        return;
      }
      if (o.job)
        throw new UserError(
          "USAGE",
          "--job needs --server: job ids are a server's",
          undefined,
          "locally, a job's log is builds/<build>/<stage>-<job>.log in the data directory",
        );
      await withWorkspace(o, false, async (ws) => {
        const path = ws.data.buildDir(build) + "/build.log";
        if (!existsSync(path))
          throw new UserError(
            "USAGE",
            `build ${build} has no log in ${ws.data.root}`,
            undefined,
            "`kiln status` lists the builds",
          );
        process.stdout.write(readFileSync(path));
      });
    });
}
