// What `kiln serve` keeps secret on disk: the admin and enrolment tokens (written on the first
// start), the hook secret, the database and the local agents' credentials. Each is readable by its
// owner only, checked again at every start (a restored backup or an `cp -r` may have widened them).
import { chmodSync, existsSync, lstatSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import { createToken, hasTokenWithRole } from "../db/tokens.js";
import { newHookSecret } from "../server/hook-signature.js";
import { UserError } from "../util/errors.js";
import { shown } from "./output.js";

/** Lines for the server's output, and the enrolment token the local agents enrol with. */
export type FirstStart = string[] & { enrolToken: string | undefined };

/** On the first start (or after the last one was revoked): an admin token and an enrolment token. */
export async function firstStartTokens(db: Kysely<Database>, dataRoot: string): Promise<FirstStart> {
  const out = [] as unknown as FirstStart;
  out.enrolToken = undefined;
  for (const [role, file] of [
    ["admin", "admin.token"],
    ["enrol", "enrol.token"],
  ] as const) {
    const path = join(dataRoot, file);
    const what = role === "admin" ? "admin API token" : "agent enrolment token";
    if (!(await hasTokenWithRole(db, role))) {
      const { token } = await createToken(db, role === "admin" ? "admin" : "enrolment", role);
      writeFileSync(path, `${token}\n`, { mode: 0o600 });
      chmodSync(path, 0o600);
      out.push(`${what} written to ${shown(path)} (mode 0600)`);
    } else if (existsSync(path)) {
      out.push(`${what}: ${shown(path)}`);
    }
    if (role === "enrol" && existsSync(path)) out.enrolToken = readFileSync(path, "utf8").trim();
  }
  return out;
}

/**
 * The hook secret webhooks are signed with: from --hook-secret-file, else <data>/hook.secret,
 * made on the first start. Returns the secret and a line saying where it is.
 */
export function hookSecret(dataRoot: string, file: string | undefined): { secret: string; line: string } {
  if (file !== undefined) {
    if (!existsSync(file))
      throw new UserError(
        "USAGE",
        `--hook-secret-file ${file}: no such file`,
        undefined,
        "write the secret (one line) there first",
      );
    const secret = readFileSync(file, "utf8").trim();
    if (secret.length < 16 || /\s/.test(secret))
      throw new UserError(
        "USAGE",
        `--hook-secret-file ${file}: the secret must be one line of at least 16 characters without spaces`,
      );
    return { secret, line: `webhook secret: ${shown(file)}` };
  }
  const path = join(dataRoot, "hook.secret");
  if (existsSync(path)) {
    const secret = readFileSync(path, "utf8").trim();
    if (secret.length >= 16) return { secret, line: `webhook secret: ${shown(path)}` };
  }
  const secret = newHookSecret();
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return { secret, line: `webhook secret written to ${shown(path)} (mode 0600): give it to the git host` };
}

const SECRET_FILES = [
  "kiln.db",
  "kiln.db-wal",
  "kiln.db-shm",
  "kiln.db-journal",
  "admin.token",
  "enrol.token",
  "hook.secret",
];

/** Owner-only modes on the data directory, its secrets and the local agents' credentials. */
export function tightenSecrets(dataRoot: string, hookSecretFile?: string): void {
  const chmodIf = (path: string, mode: number, dir: boolean): void => {
    // lstat: a link is never followed (it could point anywhere on the system).
    const st = existsSync(path) ? lstatSync(path) : undefined;
    if (st && (dir ? st.isDirectory() : st.isFile())) chmodSync(path, mode);
  };
  chmodIf(dataRoot, 0o700, true);
  for (const f of SECRET_FILES) chmodIf(join(dataRoot, f), 0o600, false);
  if (hookSecretFile !== undefined) chmodIf(hookSecretFile, 0o600, false);
  const agents = join(dataRoot, "agents");
  chmodIf(agents, 0o700, true);
  if (existsSync(agents) && lstatSync(agents).isDirectory()) {
    for (const name of readdirSync(agents)) {
      chmodIf(join(agents, name), 0o700, true);
      chmodIf(join(agents, name, "agent.json"), 0o600, false);
    }
  }
}
