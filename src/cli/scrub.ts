// `kiln scrub [--server]`: every stored artifact and repository file read and checked against its
// sha256; what is damaged is repaired from a good copy or taken out, and its builds named.
import type { Command } from "commander";
import { z } from "zod";
import { scrub, type ScrubReport } from "../repos/scrub.js";
import { withWorkspace, type SetOptions } from "./common.js";
import { secs } from "./output.js";
import { client, setOrServerOptions, viaServer, type ServerOptions } from "./remote.js";

export function registerScrub(program: Command, setStatus: (s: number) => void): void {
  setOrServerOptions(
    program
      .command("scrub")
      .description(
        "check every stored artifact and repository file against its sha256; repair or take out what is damaged",
      ),
  ).action(async (o: SetOptions & ServerOptions) => {
    const report = o.server
      ? ((await viaServer(() => client(o).json(z.any(), "POST", "/scrub", {}))) as ScrubReport)
      : await withWorkspace(o, true, (ws) =>
          scrub({
            db: ws.db,
            data: ws.data,
            store: ws.store,
            otherStores: ws.data.agentStores(),
            onProgress: (done, total, bytes) =>
              console.error(`scrub: ${done}/${total} files, ${(bytes / 1e6).toFixed(1)} MB`),
          }),
        );
    printScrub(report);
    setStatus(report.damaged.length + report.missing.length > 0 ? 1 : 0);
  });
}

function printScrub(r: ScrubReport): void {
  for (const d of r.damaged) {
    const name = d.builds[0]?.file ?? d.sha256;
    console.log(`DAMAGED ${name} (sha256 ${d.sha256})`);
    for (const p of d.places) console.log(`  in ${p.where} (read as ${p.actual}): ${p.outcome}`);
    const lost = d.places.some((p) => !p.outcome.startsWith("repaired"));
    for (const b of d.builds) {
      const held = b.heldBy.length ? `, held by ${b.heldBy.join(", ")}` : "";
      const todo = lost
        ? `: rebuild it (kiln rebuild ${b.package})${b.heldBy.length > 1 ? " and promote it again" : ""}`
        : "";
      console.log(`  build ${b.id} (${b.package} ${b.evr})${held}${todo}`);
    }
  }
  for (const m of r.missing) console.log(`MISSING ${m}: the database names it, the store does not have it`);
  for (const k of r.known)
    console.log(`known damaged ${k}: found by an earlier scrub, no good copy yet (not served)`);
  console.log(
    `scrubbed ${r.files} file(s) (${(r.bytes / 1e6).toFixed(1)} MB) in ${secs(r.ms)}: ${r.damaged.length} damaged (${r.damaged.filter((d) => d.places.every((p) => p.outcome.startsWith("repaired"))).length} repaired), ${r.missing.length} missing${r.known.length ? `, ${r.known.length} known from before` : ""}`,
  );
}
