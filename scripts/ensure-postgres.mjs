#!/usr/bin/env node
// Makes sure the PostgreSQL server the tests use runs on 127.0.0.1:5432 and lets the test user in
// without a password. Like setup.mjs it uses nothing but Node's own modules: as root it installs
// Debian's postgresql, starts its cluster and allows trust logins over TCP from 127.0.0.1 (only when
// they do not work already); otherwise it prints the commands to run. When KILN_TEST_POSTGRES names
// another server, that server is the tester's business and nothing is done.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

const HOST = "127.0.0.1";
const PORT = "5432";
const quiet = process.argv.includes("--quiet");
const log = (msg) => {
  if (!quiet) console.error(`ensure-postgres: ${msg}`);
};

const server = new URL(process.env.KILN_TEST_POSTGRES ?? `postgres://postgres@${HOST}:${PORT}/postgres`);
if (!["127.0.0.1", "localhost"].includes(server.hostname) || (server.port || "5432") !== PORT) {
  log(`KILN_TEST_POSTGRES names ${server.host}: not starting a local server`);
  process.exit(0);
}
const user = decodeURIComponent(server.username) || "postgres";

const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { stdio: "ignore", ...opts });
const ready = () => run("pg_isready", ["-q", "-h", HOST, "-p", PORT]).status === 0;
// -w: never prompt; a login that needs a password fails.
const loginWorks = () =>
  run("psql", ["-w", "-h", HOST, "-p", PORT, "-U", user, "-d", "postgres", "-Atc", "select 1"]).status === 0;
const versions = () => (existsSync("/etc/postgresql") ? readdirSync("/etc/postgresql").sort() : []);
const isRoot = typeof process.getuid !== "function" || process.getuid() === 0;

if (ready() && loginWorks()) process.exit(0);

const installed = existsSync("/usr/bin/pg_ctlcluster") && versions().length > 0;
const version = versions().at(-1) ?? "VERSION";
const hbaLine = `host all all ${HOST}/32 trust`;
const hba = `/etc/postgresql/${version}/main/pg_hba.conf`;

if (!isRoot) {
  console.error(
    `ensure-postgres: the tests need PostgreSQL on ${HOST}:${PORT} with trust logins for ${user}`,
  );
  console.error("ensure-postgres: run as root:");
  if (!installed) console.error("  apt-get install -y --no-install-recommends postgresql");
  if (!ready()) console.error(`  pg_ctlcluster --skip-systemctl-redirect ${version} main start`);
  console.error(`and, if ${user} cannot log in over TCP without a password, put this first in ${hba}:`);
  console.error(`  ${hbaLine}`);
  console.error(`then: pg_ctlcluster --skip-systemctl-redirect ${version} main reload`);
  console.error("(or point KILN_TEST_POSTGRES at a server of your own: postgres://USER@HOST:PORT/postgres)");
  process.exit(1);
}

function fail(msg) {
  console.error(`ensure-postgres: ${msg}`);
  process.exit(1);
}

function install() {
  log("installing Debian's postgresql");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const args = ["install", "-y", "--no-install-recommends", "postgresql"];
  let r = spawnSync("apt-get", args, { stdio: "inherit", env });
  if (r.status !== 0) {
    log("apt-get install failed; refreshing package lists and retrying");
    execFileSync("apt-get", ["update"], { stdio: "inherit", env });
    r = spawnSync("apt-get", args, { stdio: "inherit", env });
  }
  if (r.status !== 0) fail("`apt-get install postgresql` failed");
}

async function waitReady() {
  for (let i = 0; i < 60 && !ready(); i++) await sleep(500);
  if (!ready()) fail(`PostgreSQL did not become ready on ${HOST}:${PORT} (see /var/log/postgresql/)`);
}

if (!installed) install();
const v = versions().at(-1);
if (!v) fail("no PostgreSQL cluster version under /etc/postgresql after installing");
if (!existsSync(`/etc/postgresql/${v}/main`)) {
  log(`creating cluster ${v}/main`);
  execFileSync("pg_createcluster", [v, "main"], { stdio: "inherit" });
}
if (!ready()) {
  log(`starting cluster ${v}/main`);
  const r = run("pg_ctlcluster", ["--skip-systemctl-redirect", v, "main", "start"], { stdio: "inherit" });
  // Status 2: it was running already (on a port or address that pg_isready may not see yet).
  if (r.status !== 0 && r.status !== 2) fail(`pg_ctlcluster ${v} main start failed`);
  await waitReady();
}
if (!loginWorks()) {
  // The first matching pg_hba.conf line wins: the trust line goes before the others.
  const file = `/etc/postgresql/${v}/main/pg_hba.conf`;
  log(`allowing trust logins from ${HOST} in ${file}`);
  const text = readFileSync(file, "utf8");
  writeFileSync(file, `# Added by Kiln's scripts/ensure-postgres.mjs for local tests.\n${hbaLine}\n${text}`);
  execFileSync("pg_ctlcluster", ["--skip-systemctl-redirect", v, "main", "reload"], { stdio: "inherit" });
  await waitReady();
  if (!loginWorks()) {
    fail(`${user} still cannot log in to ${HOST}:${PORT} (does the role exist? createuser -s ${user})`);
  }
}
log(`PostgreSQL ${v} is ready on ${HOST}:${PORT}`);
