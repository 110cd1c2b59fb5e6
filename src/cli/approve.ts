// `kiln approve JOB`: give a pipeline stage that waits for approval its go, on a server. The job
// id is the one `kiln status` shows beside "waits for approval of stage … (kiln approve N)".
import type { Command } from "commander";
import { z } from "zod";
import { positiveInt } from "./common.js";
import { client, onServer, serverOptions, type ServerOptions } from "./remote.js";

export function registerApprove(program: Command): void {
  serverOptions(
    program
      .command("approve")
      .description("approve the pipeline stage of a job that waits for approval (on a server)")
      .argument("<job>", "the job's id (kiln status shows it)", positiveInt),
  ).action(async (job: number, o: ServerOptions) => {
    const r = await onServer(
      o,
      "approve",
      () =>
        client(o).json(
          z.object({ approved: z.array(z.number()), by: z.string() }),
          "POST",
          `/jobs/${job}/approve`,
        ),
      "a local kiln build runs the stages that need approval with --approve",
    );
    console.log(`approved by ${r.by}: job(s) ${r.approved.join(", ")}`);
  });
}
