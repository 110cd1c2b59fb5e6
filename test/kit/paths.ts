// Where Kiln is: the repository's root (found from this file, whether it runs from test/kit or
// from dist/test/kit), its `kiln` command and the Node 24 binary the package brings.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findRoot(from: string): string {
  for (let d = from; ; d = dirname(d)) {
    if (existsSync(join(d, "bin", "kiln.js")) && existsSync(join(d, "package.json"))) return d;
    if (dirname(d) === d) throw new Error(`no Kiln checkout above ${from}`);
  }
}

export const ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
export const KILN = join(ROOT, "bin", "kiln.js");
export const NODE = join(ROOT, "node_modules", ".bin", "node");
