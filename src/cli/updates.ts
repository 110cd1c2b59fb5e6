// `kiln updates`: the update threads, open ones first, each with where it stands and its timeline;
// `kiln updates reject ID` ends one (its version is never proposed again). On a set's own
// database or with --server on a farm's.
import type { Command } from "commander";
import pc from "picocolors";
import { UpdateList, UpdateView } from "../api/watch-schemas.js";
import { rejectThread, updateEvents, updatesOf } from "../db/updates.js";
import { updateView } from "../server/views.js";
import { UserError } from "../util/errors.js";
import { positiveInt, withWorkspace, type SetOptions } from "./common.js";
import {
  client,
  onServer,
  serverOptions,
  setOrServerOptions,
  viaServer,
  type ServerOptions,
} from "./remote.js";

interface UpdatesOptions extends SetOptions, ServerOptions {
  package?: string;
  all?: boolean;
  format: "text" | "json";
}

export function registerUpdates(program: Command): void {
  const cmd = setOrServerOptions(
    program
      .command("updates")
      .description("update threads: new upstream versions from detection to stable")
      .option("--package <name>", "only this package's threads")
      .option("--all", "ended threads too, not only the open and the last week's")
      .option("--format <format>", "text or json", "text"),
  ).action(async (o: UpdatesOptions) => {
    const all = o.server
      ? (
          await viaServer(() =>
            client(o).json(
              UpdateList,
              "GET",
              `/updates${o.package ? `?package=${encodeURIComponent(o.package)}` : ""}`,
            ),
          )
        ).updates
      : await withWorkspace(o, false, async (ws) => {
          const rows = await updatesOf(ws.db, o.package ? { package: o.package } : {});
          const events = await updateEvents(
            ws.db,
            rows.map((r) => r.id),
          );
          return rows.map((r) =>
            updateView(
              r,
              events.filter((e) => e.update_id === r.id),
            ),
          );
        });
    const weekAgo = new Date(Date.now() - 7 * 86400_000).toISOString();
    const shown = all
      .filter((u) => o.all || u.open || u.updatedAt >= weekAgo)
      .sort((a, b) => Number(b.open) - Number(a.open) || b.id - a.id);
    if (o.format === "json") return console.log(JSON.stringify({ updates: shown }, null, 2));
    if (!shown.length) console.log("no update threads (a watch that finds a newer version opens one)");
    for (const u of shown) printThread(u);
  });

  serverOptions(
    cmd
      .command("accept")
      .description(
        "accept a ready candidate: its branch merged into the set, built by the farm, promoted by the repositories' rules",
      )
      .argument("<id>", "update thread", positiveInt),
  ).action(async (id: number, o: ServerOptions) => {
    const u = await onServer(o, "updates accept", () =>
      client(o).json(UpdateView, "POST", `/updates/${id}/accept`),
    );
    printThread(u);
  });

  setOrServerOptions(
    cmd
      .command("reject")
      .description("reject a thread's version: the thread ends and the version is never proposed again")
      .argument("<id>", "update thread", positiveInt)
      .option("--reason <text>", "why, kept on the thread"),
  ).action(async (id: number, o: SetOptions & ServerOptions & { reason?: string }) => {
    const u = o.server
      ? await viaServer(() =>
          client(o).json(UpdateView, "POST", `/updates/${id}/reject`, o.reason ? { reason: o.reason } : {}),
        )
      : await withWorkspace(o, false, async (ws) => {
          const r = await rejectThread(ws.db, id, process.env.USER ?? "kiln", o.reason, new Date());
          if (r === "unknown") throw new UserError("USAGE", `no update thread ${id}`);
          if (r !== "rejected") throw new UserError("USAGE", `update thread ${id} has ended already (${r})`);
          const rows = await updatesOf(ws.db, { ids: [id] });
          return updateView(rows[0]!, await updateEvents(ws.db, [id]));
        });
    printThread(u);
  });
}

const colour = (u: UpdateView): string =>
  u.state === "promoted" || u.state === "ready"
    ? pc.green(u.state)
    : u.state === "failed" || u.state === "needs-hand"
      ? pc.red(u.state)
      : u.open
        ? pc.yellow(u.state)
        : pc.dim(u.state);

function printThread(u: UpdateView): void {
  console.log(`thread ${u.id}: ${u.package} ${u.fromVersion} → ${u.rpmVersion} ${colour(u)}: ${u.note}`);
  if (u.branch) console.log(pc.dim(`  branch ${u.branch}${u.commit ? ` at ${u.commit.slice(0, 12)}` : ""}`));
  for (const e of u.events)
    console.log(pc.dim(`  ${e.at.replace("T", " ").slice(0, 19)} ${e.state}: ${e.note}`));
}
