// Folder-level import cycles in src/: which top-level folders import each other (directly, or in a
// longer loop). Static relative imports only; tests are left out. Exits 1 when there is one.
// Usage: node scripts/folder-cycles.mjs [src]
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, dirname, resolve, relative } from "node:path";
const root = resolve(process.argv[2] ?? "src");
const edges = new Map();
const files = [];
(function walk(d) {
  for (const n of readdirSync(d)) {
    const p = join(d, n);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith(".ts") && !p.endsWith(".test.ts")) files.push(p);
  }
})(root);
const folder = (p) => relative(root, p).split("/")[0];
for (const f of files) {
  const src = readFileSync(f, "utf8");
  for (const m of src.matchAll(/(?:import|export)[^'"]*?from\s+["'](\.[^"']+)["']/g)) {
    const t = resolve(dirname(f), m[1]);
    const a = folder(f),
      b = folder(t);
    if (a === b) continue;
    if (!edges.has(a)) edges.set(a, new Map());
    const e = edges.get(a);
    if (!e.has(b)) e.set(b, []);
    e.get(b).push(`${relative(root, f)} -> ${relative(root, t)}`);
  }
}
let n = 0;
for (const [a, m] of edges)
  for (const [b, why] of m)
    if (a < b && edges.get(b)?.has(a)) {
      n++;
      console.log(`${a} <-> ${b}`);
      for (const w of why) console.log(`  ${w}`);
      for (const w of edges.get(b).get(a)) console.log(`  ${w}`);
    }
// longer cycles: SCCs
const nodes = [...new Set([...edges.keys(), ...[...edges.values()].flatMap((m) => [...m.keys()])])];
let idx = 0;
const st = [];
const on = new Set();
const ix = new Map();
const low = new Map();
const sccs = [];
function sc(v) {
  ix.set(v, idx);
  low.set(v, idx);
  idx++;
  st.push(v);
  on.add(v);
  for (const w of edges.get(v)?.keys() ?? []) {
    if (!ix.has(w)) {
      sc(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (on.has(w)) low.set(v, Math.min(low.get(v), ix.get(w)));
  }
  if (low.get(v) === ix.get(v)) {
    const c = [];
    let w;
    do {
      w = st.pop();
      on.delete(w);
      c.push(w);
    } while (w !== v);
    if (c.length > 1) sccs.push(c);
  }
}
for (const v of nodes) if (!ix.has(v)) sc(v);
console.log(
  `${n} two-folder cycle(s); strongly connected folder groups: ${sccs.map((c) => c.sort().join(" ")).join(" | ") || "none"}`,
);
process.exitCode = sccs.length > 0 ? 1 : 0;
