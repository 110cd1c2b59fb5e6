#!/usr/bin/env node
// Installs what Kiln needs and is missing: npm dependencies, then Debian's tools.
// Runs on whatever Node.js the machine has (it starts before node_modules exists), so it uses
// nothing but Node's own modules. As root it installs with apt-get; otherwise it prints the command.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const quiet = process.argv.includes("--quiet");
const log = (msg) => {
  if (!quiet) console.error(`setup: ${msg}`);
};

function npmDependencies() {
  const lock = join(root, "package-lock.json");
  const installed = join(root, "node_modules", ".package-lock.json");
  const fresh =
    existsSync(installed) && (!existsSync(lock) || statSync(installed).mtimeMs >= statSync(lock).mtimeMs);
  if (fresh) return;
  log("installing npm dependencies (npm ci)");
  const args = existsSync(lock) ? ["ci", "--no-audit", "--no-fund"] : ["install", "--no-audit", "--no-fund"];
  const r = spawnSync("npm", args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`setup: \`npm ${args.join(" ")}\` failed in ${root}`);
    process.exit(1);
  }
}

// What Kiln runs, and the Debian package that brings it.
const tools = [
  { check: ["rpm", "--version"], pkg: "rpm" },
  { check: ["rpmbuild", "--version"], pkg: "rpm" },
  { check: ["createrepo_c", "--version"], pkg: "createrepo-c" },
  { check: ["dnf", "--version"], pkg: "dnf" },
  { check: ["cpio", "--version"], pkg: "cpio" },
  { check: ["bwrap", "--version"], pkg: "bubblewrap" },
  // The default pipeline's check step runs rpmlint on what a build made.
  { check: ["rpmlint", "--version"], pkg: "rpmlint" },
  // The web UI's end-to-end tests drive Debian's chromium (headless, through playwright-core).
  { check: ["chromium", "--version"], pkg: "chromium" },
  // The repository tests fetch .repo files as a client machine would.
  { check: ["curl", "--version"], pkg: "curl" },
  // …and install from them with zypper as well as dnf.
  { check: ["zypper", "--version"], pkg: "zypper" },
  // The spec reader uses librpm's own parser through Debian's python3-rpm binding.
  { check: ["/usr/bin/python3", "-c", "import rpm"], pkg: "python3-rpm" },
  // Host-provided build tools of the bundled example set.
  { check: ["gcc", "--version"], pkg: "gcc" },
  { check: ["make", "--version"], pkg: "make" },
  { check: ["pkgconf", "--version"], pkg: "pkgconf" },
];

function works(cmd) {
  const r = spawnSync(cmd[0], cmd.slice(1), { stdio: "ignore" });
  return r.status === 0;
}

function debianTools() {
  const missing = [...new Set(tools.filter((t) => !works(t.check)).map((t) => t.pkg))];
  if (missing.length === 0) return;
  const command = `apt-get install -y --no-install-recommends ${missing.join(" ")}`;
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    console.error(`setup: Kiln needs Debian packages that are missing: ${missing.join(", ")}`);
    console.error(`setup: run as root:\n  ${command}`);
    process.exit(1);
  }
  log(`installing Debian packages: ${missing.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () =>
    spawnSync("apt-get", ["install", "-y", "--no-install-recommends", ...missing], { stdio: "inherit", env });
  let r = install();
  if (r.status !== 0) {
    log("apt-get install failed; refreshing package lists and retrying");
    execFileSync("apt-get", ["update"], { stdio: "inherit", env });
    r = install();
  }
  if (r.status !== 0) {
    console.error(`setup: \`${command}\` failed`);
    process.exit(1);
  }
  const still = tools.filter((t) => !works(t.check)).map((t) => t.check.join(" "));
  if (still.length > 0) {
    console.error(`setup: still not working after install: ${still.join("; ")}`);
    process.exit(1);
  }
}

npmDependencies();
debianTools();
