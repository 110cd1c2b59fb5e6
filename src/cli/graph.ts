// `kiln graph [--format text|dot|json]`: the set's dependency graph.
import { Option, type Command } from "commander";
import { graphErrors, loadGraph, type LoadedGraph } from "../planner/load-graph.js";
import { topoOrder } from "../core/plan.js";
import { formatEvr } from "../core/rpmvercmp.js";
import { setOptions, withWorkspace, type SetOptions } from "./common.js";
import { packageErrorsJson, printPackageErrors } from "./output.js";

interface GraphOptions extends SetOptions {
  format: "text" | "dot" | "json";
}

export function registerGraph(program: Command, setStatus: (s: number) => void): void {
  setOptions(program.command("graph").description("print the dependency graph of the package set"))
    .addOption(
      new Option("--format <format>", "output format").choices(["text", "dot", "json"]).default("text"),
    )
    .action((o: GraphOptions) =>
      withWorkspace(o, false, async (ws) => {
        const g = await loadGraph(ws);
        const errors = graphErrors(g);
        printPackageErrors(errors, ws.setDir);
        process.stdout.write(o.format === "json" ? toJson(g) : o.format === "dot" ? toDot(g) : toText(g));
        setStatus(errors.size > 0 ? 1 : 0);
      }),
    );
}

/** Packages in dependency order; those that could not be ordered (on a cycle) at the end. */
function ordered(g: LoadedGraph): string[] {
  const names = new Set(g.graph.names);
  const order = topoOrder(names, g.graph.order);
  const placed = new Set(order);
  return [...order, ...[...names].filter((n) => !placed.has(n)).sort()];
}

function toText(g: LoadedGraph): string {
  const lines: string[] = [];
  const errors = graphErrors(g);
  for (const name of ordered(g)) {
    const p = g.graph.packages.get(name);
    const needs = [...(g.graph.deps.get(name) ?? [])].sort();
    const neededBy = [...(g.graph.rdeps.get(name) ?? [])].sort();
    lines.push(
      `${name} ${p ? formatEvr(p.evr) : "(spec not loaded)"}${errors.has(name) ? "  [invalid]" : ""}`,
    );
    if (needs.length) lines.push(`  needs: ${needs.join(", ")}`);
    const host = (g.graph.resolutions.get(name) ?? []).filter((r) => r.host).map((r) => r.text);
    if (host.length) lines.push(`  from the host: ${host.join(", ")}`);
    if (neededBy.length) lines.push(`  needed by: ${neededBy.join(", ")}`);
  }
  if (g.graph.cycles.length) {
    lines.push("", "cycles (strongly connected components):");
    const published = new Set(g.greens.keys());
    for (const c of g.graph.cycles) {
      const pub = c.filter((n) => published.has(n)).sort();
      lines.push(
        `  ${[...c].sort().join(" ↔ ")}: ${pub.length ? `builds against the published ${pub.join(", ")}` : "no published member: cannot build"}`,
      );
    }
  }
  return lines.join("\n") + "\n";
}

function toDot(g: LoadedGraph): string {
  const errors = graphErrors(g);
  const q = (s: string): string => JSON.stringify(s);
  const lines = ["digraph kiln {", "  rankdir=LR;", "  node [shape=box, fontname=Helvetica];"];
  for (const name of ordered(g))
    lines.push(`  ${q(name)}${errors.has(name) ? " [color=red, fontcolor=red]" : ""};`);
  // Edges run downstream: from what is needed to what needs it.
  for (const name of ordered(g))
    for (const d of [...(g.graph.deps.get(name) ?? [])].sort()) lines.push(`  ${q(d)} -> ${q(name)};`);
  lines.push("}");
  return lines.join("\n") + "\n";
}

function toJson(g: LoadedGraph): string {
  const packages = ordered(g).map((name) => {
    const p = g.graph.packages.get(name);
    return {
      name,
      evr: p ? formatEvr(p.evr) : null,
      spec: p?.specFile ?? g.set.broken.get(name)?.specFile ?? null,
      binaries: p?.binaries.map((b) => b.name) ?? [],
      buildRequires: g.graph.resolutions.get(name) ?? [],
      needs: [...(g.graph.deps.get(name) ?? [])].sort(),
      neededBy: [...(g.graph.rdeps.get(name) ?? [])].sort(),
    };
  });
  const cycles = g.graph.cycles.map((c) => [...c].sort());
  return JSON.stringify({ packages, cycles, errors: packageErrorsJson(graphErrors(g)) }, null, 2) + "\n";
}
