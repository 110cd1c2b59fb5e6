// `kiln promote`, `kiln demote`, `kiln history`: moving builds between repositories and reading
// the audit trail, on a server (--server) or on the local data directory.
import { userInfo } from "node:os";
import type { Command } from "commander";
import { z } from "zod";
import { ApiError } from "../api/client.js";
import { HistoryEntry, MovedView } from "../api/repo-schemas.js";
import { repositoryHistory } from "../db/repos.js";
import { PromotionRefusedError, recordDemotion, recordPromotion, type Moved } from "../repos/promote.js";
import { writeSnapshot } from "../repos/publish.js";
import { UserError } from "../util/errors.js";
import { withWorkspace, type SetOptions } from "./common.js";
import { client, cliError, setOrServerOptions, type ServerOptions } from "./remote.js";

type Options = SetOptions & ServerOptions;

/** The local user, for the audit trail of a local promotion. */
const localActor = (): string => `${userInfo().username} (local)`;

/** A refused promotion, as the server or the local check said it: every reason, and what would help. */
function refused(headline: string, reasons: string[], hint?: string): UserError {
  return new UserError(
    "PROMOTION_REFUSED",
    reasons.length > 1 ? `${headline}:\n  - ${reasons.join("\n  - ")}` : `${headline}: ${reasons.join("")}`,
    undefined,
    hint,
  );
}

/** A local promotion or demotion, its refusal told as the CLI's. */
async function local<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof PromotionRefusedError) throw refused(e.headline, e.reasons, e.hint);
    throw e;
  }
}

async function remote<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ApiError && e.status === 409 && e.code === "PROMOTION_REFUSED") {
      const d = e.details as { headline?: string; reasons?: string[]; hint?: string } | undefined;
      throw refused(d?.headline ?? e.message, d?.reasons ?? [], d?.hint);
    }
    throw cliError(e);
  }
}

function printMoved(verb: string, to: string, moved: Moved[]): void {
  for (const m of moved) {
    console.log(
      `${verb} ${m.package} ${m.evr} (build ${m.build}) ${verb === "promoted" ? "into" : "in"} ${to}${m.previous !== null ? `, replacing build ${m.previous}` : ""}`,
    );
  }
}

export function registerRepos(program: Command): void {
  setOrServerOptions(
    program
      .command("promote")
      .description("copy builds, exactly as tested, into a repository (testing → stable): gated and audited")
      .argument("<packages...>", "PKG or PKG@VERSION-RELEASE"),
  )
    .requiredOption("--to <repo>", "the repository to promote into")
    .option("--from <repo>", "the repository they come from (default: the first the target takes from)")
    .option("--reason <text>", "why, for the audit trail")
    .action(async (packages: string[], o: Options & { to: string; from?: string; reason?: string }) => {
      if (o.server) {
        const r = await remote(() =>
          client(o).json(
            z.object({ moved: z.array(MovedView), snapshot: z.number().nullable() }),
            "POST",
            "/promotions",
            {
              packages,
              to: o.to,
              ...(o.from ? { from: o.from } : {}),
              ...(o.reason ? { reason: o.reason } : {}),
            },
          ),
        );
        printMoved("promoted", o.to, r.moved);
        if (r.snapshot !== null) console.log(`${o.to} snapshot ${r.snapshot}`);
        return;
      }
      await withWorkspace(o, true, async (ws) => {
        const moved = await local(
          recordPromotion(ws, {
            packages: packages.map((p) => {
              const [name, evr] = p.split("@") as [string, string | undefined];
              return { name, ...(evr ? { evr } : {}) };
            }),
            to: o.to,
            ...(o.from ? { from: o.from } : {}),
            actor: localActor(),
            ...(o.reason ? { reason: o.reason } : {}),
          }),
        );
        const snap = await writeSnapshot(ws, o.to);
        printMoved("promoted", o.to, moved);
        if (snap) console.log(`${o.to} snapshot ${snap.snapshot}: ${snap.path}`);
      });
    });

  setOrServerOptions(
    program
      .command("demote")
      .description("roll a package back in a repository to the build it held before (or remove it): audited")
      .argument("<package>", "source package name"),
  )
    .requiredOption("--repo <repo>", "the repository")
    .option("--reason <text>", "why, for the audit trail")
    .action(async (pkg: string, o: Options & { repo: string; reason?: string }) => {
      const r = { package: pkg, repo: o.repo, ...(o.reason ? { reason: o.reason } : {}) };
      const moved: Moved = o.server
        ? await remote(() => client(o).json(MovedView, "POST", "/demotions", r))
        : await withWorkspace(o, true, async (ws) => {
            const m = await local(recordDemotion(ws, { ...r, actor: localActor() }));
            await writeSnapshot(ws, o.repo);
            return m;
          });
      console.log(
        moved.build
          ? `demoted ${pkg} in ${o.repo}: back to ${moved.evr} (build ${moved.build}), build ${moved.previous} out`
          : `demoted ${pkg} in ${o.repo}: removed (it had no earlier build there), build ${moved.previous} out`,
      );
    });

  setOrServerOptions(
    program
      .command("history")
      .description("what went in and out of the repositories: who, when, what, from where, why")
      .argument("[package]", "only this package"),
  )
    .option("--repo <repo>", "only this repository")
    .action(async (pkg: string | undefined, o: Options & { repo?: string }) => {
      const q = { ...(o.repo ? { repo: o.repo } : {}), ...(pkg ? { package: pkg } : {}) };
      const qs = new URLSearchParams(q).toString();
      const entries: HistoryEntry[] = o.server
        ? (
            await remote(() =>
              client(o).json(
                z.object({ entries: z.array(HistoryEntry) }),
                "GET",
                `/history${qs ? `?${qs}` : ""}`,
              ),
            )
          ).entries
        : await withWorkspace(o, false, async (ws) => {
            const rows = await repositoryHistory(ws.db, q);
            const ids = [...new Set(rows.flatMap((r) => (r.build_id !== null ? [r.build_id] : [])))];
            const evr = new Map(
              (ids.length
                ? await ws.db.selectFrom("builds").select(["id", "evr"]).where("id", "in", ids).execute()
                : []
              ).map((b) => [b.id, b.evr]),
            );
            return rows.map((r) => ({
              id: r.id,
              at: r.created_at,
              repo: r.repo,
              action: r.action,
              package: r.package,
              evr: r.build_id !== null ? (evr.get(r.build_id) ?? null) : null,
              build: r.build_id,
              previousBuild: r.previous_build_id,
              from: r.from_repo,
              actor: r.actor,
              reason: r.reason,
            }));
          });
      if (entries.length === 0) console.log("no history yet");
      for (const e of entries) {
        const what =
          e.build !== null ? `${e.package} ${e.evr ?? ""} (build ${e.build})` : `${e.package} (removed)`;
        const whence = e.from ? ` from ${e.from}` : "";
        const was = e.previousBuild !== null ? `, was build ${e.previousBuild}` : "";
        console.log(
          `${e.at}  ${e.repo.padEnd(10)} ${e.action.padEnd(8)} ${what}${whence}${was}  by ${e.actor}${e.reason ? `: ${e.reason}` : ""}`,
        );
      }
    });
}
