// `kiln build [PKG…]`: build what is not up to date, in dependency order, and publish it.
import type { Command } from "commander";
import pc from "picocolors";
import { buildInProcess, type BuildSummary } from "../local/in-process-farm.js";
import type { Workspace } from "../context/workspace.js";
import { defaultJobs, positiveInt, workspaceFor, type SetOptions } from "./common.js";
import { printError, shown } from "./output.js";
import { printOutcome } from "./report.js";
import { createProgress, terminalArea } from "./progress.js";
import { setOrServerOptions, submitAndFollow, viaServer, type ServerOptions } from "./remote.js";

interface BuildCliOptions extends SetOptions, ServerOptions {
  jobs: number;
  force?: boolean;
  approve?: boolean;
  wait: boolean;
}

export function registerBuild(program: Command, setStatus: (s: number) => void): void {
  setOrServerOptions(
    program
      .command("build")
      .description("build the named packages (default: all that are not up to date) and what they need")
      .argument("[packages...]", "source package names"),
  )
    .option("-j, --jobs <n>", "builds to run at once", positiveInt, defaultJobs())
    .option("--force", "rebuild the named packages even when they are up to date")
    .option("--approve", "run the pipeline stages that need approval (locally)")
    .option("--no-wait", "with --server: queue the builds and return at once")
    .action(async (packages: string[], o: BuildCliOptions) => {
      setStatus(
        o.server
          ? await viaServer(() => submitAndFollow(o, "/requests", { packages, force: o.force === true }))
          : await localBuild(o, packages, o.force ? packages : [], { approve: o.approve === true }),
      );
    });
}

/**
 * A build in this process: `targets` (every package not up to date when empty) and what they need,
 * `forced` rebuilt even when up to date; `downstream`: and everything below the targets. Returns
 * the exit status.
 */
export async function localBuild(
  o: SetOptions & { jobs: number },
  targets: string[],
  forced: string[],
  how: { approve?: boolean; downstream?: boolean } = {},
): Promise<number> {
  const ws = await workspaceFor(o, true);
  const live = process.stderr.isTTY ? await terminalArea(process.stderr) : undefined;
  const progress = createProgress({ ...(live ? { live } : {}), setDir: ws.setDir });
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    if (ws.sandboxNote) console.error(`${pc.yellow("note:")} building without a sandbox: ${ws.sandboxNote}`);
    const sqlite = o.db === undefined || o.db.startsWith("sqlite:");
    const summary = await buildInProcess(ws, sqlite ? "sqlite" : "postgres", {
      targets,
      forced,
      approve: how.approve === true,
      ...(how.downstream === true ? { downstream: "all" as const } : {}),
      jobs: o.jobs,
      signal: abort.signal,
      onEvent: (e) => progress.onEvent(e),
    });
    progress.stop();
    report(ws, summary);
    return abort.signal.aborted
      ? 130
      : summary.failed.length + summary.blocked.length + summary.invalid.length > 0 ||
          summary.snapshotError !== undefined
        ? 1
        : 0;
  } catch (e) {
    progress.stop();
    printError(e, ws.setDir);
    return 2;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await ws.close();
  }
}

function report(ws: Workspace, s: BuildSummary): void {
  printOutcome(s);
  if (s.snapshotError) {
    console.error(
      `error: the repository on disk could not be updated (the next run tries again): ${s.snapshotError}`,
    );
  }
  console.log(`repository ${s.repo}: ${shown(s.repoPath)}`);
  const packages = s.top.length > 0 && s.top.length <= 5 ? s.top.join(" ") : "PACKAGE…";
  console.log(
    `install from it with:\n  dnf --installroot=/tmp/${ws.config.name}-root --repofrompath=${s.repo},file://${s.repoPath} --repo=${s.repo} --setopt=gpgcheck=0 install -y ${packages}`,
  );
}
