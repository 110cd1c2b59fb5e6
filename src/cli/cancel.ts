// `kiln cancel BUILD` (or `--request ID`): stop a build or a whole rebuild on a server.
import type { Command } from "commander";
import { positiveInt } from "./common.js";
import { onServer, remoteCancel, serverOptions, type ServerOptions } from "./remote.js";

export function registerCancel(program: Command): void {
  serverOptions(
    program
      .command("cancel")
      .description("cancel a build on a server (or, with --request, everything a build request queued)")
      .argument("<id>", "build id (or request id with --request)", positiveInt),
  )
    .option("--request", "the id is a build request: cancel all of its jobs")
    .action(async (id: number, o: ServerOptions & { request?: boolean }) => {
      await onServer(o, "cancel", () => remoteCancel(o, id), "a local kiln build is stopped with Ctrl-C");
    });
}
