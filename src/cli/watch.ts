// `kiln watch [PKG…]`: look at the watched packages' upstreams now and say what each offers. On a
// set (its own database records the looks) or with --server on the farm's watcher.
import type { Command } from "commander";
import pc from "picocolors";
import { WatchList, type WatchView } from "../api/watch-schemas.js";
import { loadServerConfig } from "../config/server-config.js";
import { loadGraph } from "../planner/load-graph.js";
import { UserError } from "../util/errors.js";
import { ReleaseWatcher, watchedOf } from "../watch/watcher.js";
import { withWorkspace, type SetOptions } from "./common.js";
import { watchView } from "../server/views.js";
import { client, setOrServerOptions, viaServer, type ServerOptions } from "./remote.js";

interface WatchOptions extends SetOptions, ServerOptions {
  config?: string;
  format: "text" | "json";
}

export function registerWatch(program: Command, setStatus: (s: number) => void): void {
  setOrServerOptions(
    program
      .command("watch")
      .description("look at watched packages' upstreams now and print what each offers")
      .argument("[packages...]", "packages to look at (default: every watched package)")
      .option("--config <file>", "the server's configuration file (upstream URLs and tokens)")
      .option("--format <format>", "text or json", "text"),
  ).action(async (packages: string[], o: WatchOptions) => {
    const watches = o.server
      ? await viaServer(() => client(o).json(WatchList, "POST", "/watches/check", { packages }))
      : { watches: await lookLocally(packages, o) };
    if (o.format === "json") console.log(JSON.stringify(watches, null, 2));
    else for (const w of watches.watches) printWatch(w);
    if (watches.watches.some((w) => w.outcome === "error")) setStatus(1);
  });
}

async function lookLocally(packages: string[], o: WatchOptions): Promise<WatchView[]> {
  const config = await loadServerConfig(o.config);
  return withWorkspace(o, false, async (ws) => {
    const g = await loadGraph(ws);
    const watched = watchedOf(g.set);
    const names = new Set(watched.map((w) => w.package));
    const unknown = packages.filter((p) => !names.has(p));
    if (unknown.length)
      throw new UserError(
        "USAGE",
        `not watched: ${unknown.join(", ")}`,
        undefined,
        watched.length
          ? `watched packages: ${[...names].join(", ")}`
          : "a package is watched when its packages/<name>/kiln.yaml has a watch: section",
      );
    const watcher = new ReleaseWatcher({
      db: ws.db,
      config,
      watched: () => Promise.resolve(watched),
      log: () => undefined,
      tickMs: 0,
    });
    return (await watcher.lookNow(packages)).map(watchView);
  });
}

function printWatch(w: WatchView): void {
  const mark =
    w.outcome === "newer" ? pc.green("new") : w.outcome === "error" ? pc.red("error") : pc.dim("current");
  console.log(`${w.package} (${w.source}): ${mark} ${w.note ?? "not looked at yet"}`);
  if (w.outcome === "error" && w.newest) console.log(`  the last good look saw ${w.newest}`);
  if (w.requests !== null)
    console.log(
      pc.dim(
        `  ${w.requests} request(s)${w.fromCache ? `, ${w.fromCache} not modified` : ""}; ${w.releases ?? 0} release(s) listed`,
      ),
    );
  for (const s of w.skipped.slice(0, 5)) console.log(pc.dim(`  skipped ${s.raw}: ${s.why}`));
  if (w.skipped.length > 5) console.log(pc.dim(`  … and ${w.skipped.length - 5} more skipped`));
}
