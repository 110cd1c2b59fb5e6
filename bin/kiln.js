#!/usr/bin/env node
// The `kiln` command. Kiln runs on Node.js >= 22.13 (it uses node:sqlite); the package depends on
// the `node` package, so when this file is started by an older system Node.js it re-executes itself
// with that bundled Node.js instead of failing.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  const require = createRequire(import.meta.url);
  let bundled;
  try {
    bundled = require.resolve("node/bin/node");
  } catch {
    bundled = undefined;
  }
  if (!bundled || !existsSync(bundled)) {
    console.error(
      `kiln: Node.js ${process.versions.node} is too old (Kiln needs >= 22.13) and the bundled Node.js is missing; run \`npm install\` in Kiln's directory`,
    );
    process.exit(1);
  }
  const r = spawnSync(bundled, [new URL(import.meta.url).pathname, ...process.argv.slice(2)], {
    stdio: "inherit",
  });
  process.exit(r.status ?? 1);
} else {
  // Compiled modules are cached on disk between runs (Node >= 22.1): a faster start for a CLI.
  const { enableCompileCache } = await import("node:module");
  enableCompileCache?.();
  const { main } = await import("../dist/src/cli/main.js");
  process.exitCode = await main(process.argv.slice(2));
}
