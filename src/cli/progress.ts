// Progress of `kiln build`: on a terminal, a live status block (what is building and for how long,
// how many are done, blocked and left) under the lines that matter; elsewhere one plain line per event.
import pc from "picocolors";
import type { BuildEvent } from "../follow/events.js";
import { IN_PROCESS_AGENT } from "../agent/in-process-link.js";
import { formatUserError, secs, shown } from "./output.js";

export interface Progress {
  onEvent(e: BuildEvent): void;
  stop(): void;
}

/** Redraws a block of lines in place (log-update's interface). */
export interface LiveArea {
  (text: string): void;
  clear(): void;
  done(): void;
}

/** A live area on a terminal; loaded only there, since it pulls in a dozen modules. */
export async function terminalArea(stream: NodeJS.WriteStream): Promise<LiveArea> {
  const { createLogUpdate } = await import("log-update");
  return createLogUpdate(stream);
}

/** With `live`, a status block redrawn in place; without, one plain line per event. */
export function createProgress(opts: {
  live?: LiveArea;
  setDir: string;
  stream?: NodeJS.WriteStream;
}): Progress {
  const out = opts.stream ?? process.stderr;
  const building = new Map<string, number>();
  let total = 0;
  let done = 0;
  let upToDate = 0;
  let cutOff = 0;
  let awaiting = 0;
  let failed = 0;
  let blocked = 0;
  let timer: NodeJS.Timeout | undefined;
  const live = opts.live;

  const render = (): void => {
    if (!live) return;
    const now = performance.now();
    const names = [...building].map(([n, t]) => `${n} ${pc.dim(secs(now - t))}`);
    const left = Math.max(0, total - done - cutOff - awaiting - failed - blocked - upToDate);
    live(
      `${pc.cyan("building")} ${names.join(", ") || pc.dim("nothing")}\n` +
        `${pc.green(`done ${done}`)} · up to date ${upToDate} · cut off ${cutOff} · ${failed ? pc.red(`failed ${failed}`) : "failed 0"} · ` +
        `${blocked ? pc.yellow(`blocked ${blocked}`) : "blocked 0"} · left ${left}`,
    );
  };
  const line = (text: string): void => {
    if (live) {
      live.clear();
      out.write(text + "\n");
      render();
    } else out.write(`kiln: ${text}\n`);
  };

  return {
    onEvent(e) {
      switch (e.type) {
        case "loaded":
          line(
            `loaded ${e.packages} package(s) in ${secs(e.ms)} (${e.read} spec(s) read, ${e.cached} from the cache)`,
          );
          break;
        case "error":
          line(`${pc.red("invalid")} ${e.package}: ${formatUserError(e.error, opts.setDir)}`);
          break;
        case "invalid":
          line(`${pc.red("invalid")} ${e.package}: ${e.error}`);
          break;
        case "requeued":
          line(`requeued ${e.package}: ${e.why}`);
          break;
        case "plan":
          total = e.toBuild.length;
          line(
            e.toBuild.length === 0
              ? `nothing to build (${e.upToDate} up to date)`
              : `${e.toBuild.length} to build: ${e.toBuild.join(", ")} (${e.upToDate} up to date)`,
          );
          if (live) timer = setInterval(render, 250);
          break;
        case "start":
          building.set(e.package, performance.now());
          if (!live) {
            const on = e.agent && e.agent !== IN_PROCESS_AGENT ? ` on ${e.agent}` : "";
            line(`start ${e.package} (build ${e.buildId}${on}): ${e.reason}`);
          }
          render();
          break;
        case "up-to-date":
          upToDate++;
          line(`${e.package} is up to date (what it needs rebuilt to the same output)`);
          break;
        case "green":
          building.delete(e.package);
          done++;
          line(
            `${pc.green("built")} ${e.package} (build ${e.buildId}) in ${secs(e.ms)}` +
              (e.changed?.length
                ? `: new output (${e.changed.slice(0, 3).join("; ")}${e.changed.length > 3 ? "; …" : ""})`
                : e.sameAs !== undefined
                  ? `: same output as build ${e.sameAs}, published as early-cutoff is false`
                  : ""),
          );
          break;
        case "cut-off":
          building.delete(e.package);
          cutOff++;
          line(
            `${pc.cyan("cut off")} ${e.package} (build ${e.buildId}) in ${secs(e.ms)}: same output as build ${e.sameAs}, not published`,
          );
          break;
        case "failed":
          building.delete(e.package);
          failed++;
          line(
            `${pc.red("FAILED")} ${e.package}${e.buildId ? ` (build ${e.buildId})` : ""}: ${e.error}` +
              (e.log ? `\n  log: ${e.log.startsWith("/") ? shown(e.log) : e.log}` : ""),
          );
          break;
        case "blocked":
          blocked++;
          line(`${pc.yellow("blocked")} ${e.package}: ${e.why}`);
          break;
        case "cancelled":
          building.delete(e.package);
          line(`cancelled ${e.package}`);
          break;
        case "job":
          if (!live || !e.ok)
            line(
              `  ${e.package} ${e.stage}/${e.job}: ${e.ok ? "ok" : pc.red(`failed: ${e.error ?? "?"}`)} in ${secs(e.ms)}`,
            );
          break;
        case "awaiting-approval":
          building.delete(e.package);
          awaiting++;
          line(
            `${pc.yellow("awaits approval")} ${e.package} (build ${e.buildId}): stage ${e.stage} runs with kiln build --approve`,
          );
          break;
        case "published":
          if (!live) line(`published ${e.repo} snapshot ${e.snapshot} (${e.packages} RPMs)`);
          break;
      }
    },
    stop() {
      if (timer) clearInterval(timer);
      if (live) {
        live.clear();
        live.done();
      }
    },
  };
}
