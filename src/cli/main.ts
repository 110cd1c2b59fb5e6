// The `kiln` command line: one file per command, registered here.
import { Command, CommanderError } from "commander";
import { UserError } from "../util/errors.js";
import { registerAgent } from "./agent.js";
import { registerApprove } from "./approve.js";
import { registerBuild } from "./build.js";
import { registerGraph } from "./graph.js";
import { printError } from "./output.js";
import { registerPlan } from "./plan.js";
import { registerRebuild } from "./rebuild.js";
import { registerRepos } from "./repos.js";
import { registerScrub } from "./scrub.js";
import { registerWhy } from "./why.js";
import { registerServe } from "./serve.js";
import { registerStatus } from "./status.js";
import { registerLogs } from "./logs.js";
import { registerCancel } from "./cancel.js";
import { registerTokens } from "./tokens.js";
import { registerAgents } from "./agents.js";
import { registerWatch } from "./watch.js";
import { registerUpdates } from "./updates.js";

/** Exit statuses: 0 fine, 1 something failed to build, 2 bad input or usage, 130 interrupted. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command("kiln")
    .description("Kiln builds RPM package sets in dependency order, in clean build roots, into repositories.")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  let status = 0;
  const setStatus = (s: number): void => {
    status = s;
  };
  registerBuild(program, setStatus);
  registerGraph(program, setStatus);
  registerPlan(program, setStatus);
  registerRebuild(program, setStatus);
  registerWhy(program);
  registerServe(program);
  registerAgent(program, setStatus);
  registerStatus(program);
  registerLogs(program, setStatus);
  registerCancel(program);
  registerApprove(program);
  registerRepos(program);
  registerScrub(program, setStatus);
  registerTokens(program);
  registerAgents(program);
  registerWatch(program, setStatus);
  registerUpdates(program);
  try {
    await program.parseAsync(argv, { from: "user" });
    return status;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    printError(e);
    return e instanceof UserError ? 2 : 1;
  }
}
