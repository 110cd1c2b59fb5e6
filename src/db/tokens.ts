// API tokens and agent credentials. Only a token's sha256 is stored; the token itself is shown once.
import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import { sha256 } from "../util/hash.js";
import type { AgentRow, Database, Role } from "./schema.js";

type Conn = Kysely<Database>;

/** A new random token: the prefix says what it is when it turns up in a log or a shell history. */
export function newToken(kind: "api" | "agent"): string {
  return `kiln_${kind}_${randomBytes(24).toString("base64url")}`;
}

export const tokenHash = (token: string): string => sha256(`kiln-token-v1\n${token}`);

export async function createToken(
  db: Conn,
  name: string,
  role: Role,
): Promise<{ id: number; token: string }> {
  const token = newToken("api");
  const { id } = await db
    .insertInto("tokens")
    .values({ name, role, token_hash: tokenHash(token), created_at: new Date().toISOString() })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { id, token };
}

export async function hasTokenWithRole(db: Conn, role: Role): Promise<boolean> {
  return (
    (await db.selectFrom("tokens").select("id").where("role", "=", role).executeTakeFirst()) !== undefined
  );
}

export async function tokenByHash(db: Conn, hash: string): Promise<{ name: string; role: Role } | undefined> {
  return db.selectFrom("tokens").select(["name", "role"]).where("token_hash", "=", hash).executeTakeFirst();
}

export async function createAgent(
  db: Conn,
  a: { name: string; labels: Record<string, string>; slots: number },
): Promise<{ id: number; token: string }> {
  const token = newToken("agent");
  const now = new Date().toISOString();
  const { id } = await db
    .insertInto("agents")
    .values({
      name: a.name,
      token_hash: tokenHash(token),
      labels: JSON.stringify(a.labels),
      slots: a.slots,
      enrolled_at: now,
      last_seen_at: now,
      disabled: 0,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { id, token };
}

export async function agentByHash(db: Conn, hash: string): Promise<AgentRow | undefined> {
  return db.selectFrom("agents").selectAll().where("token_hash", "=", hash).executeTakeFirst();
}

export async function touchAgent(db: Conn, id: number): Promise<void> {
  await db
    .updateTable("agents")
    .set({ last_seen_at: new Date().toISOString() })
    .where("id", "=", id)
    .execute();
}

/** Whether an agent was disabled (or deleted) since its credential was checked. */
export async function agentIsDisabled(db: Conn, id: number): Promise<boolean> {
  const row = await db
    .selectFrom("agents")
    .select(["disabled", "disabled_at"])
    .where("id", "=", id)
    .executeTakeFirst();
  return !row || row.disabled !== 0 || (row.disabled_at ?? null) !== null;
}

/** Records the sandbox policy an agent says it has (shown in why a job waits). */
export async function setAgentSandbox(db: Conn, agent: AgentRow, sandbox: string): Promise<void> {
  if (agent.sandbox === sandbox) return;
  await db.updateTable("agents").set({ sandbox }).where("id", "=", agent.id).execute();
}
