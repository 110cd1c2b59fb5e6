// API tokens and agent credentials. Only a token's sha256 is stored; the token itself is shown once.
import { randomBytes } from "node:crypto";
import { sha256 } from "../util/hash.js";
import type { AgentRow, Conn, Role, TokenRow } from "./schema.js";

/** A new random token: the prefix says what it is when it turns up in a log or a shell history. */
function newToken(kind: "api" | "agent"): string {
  return `kiln_${kind}_${randomBytes(24).toString("base64url")}`;
}

export const tokenHash = (token: string): string => sha256(`kiln-token-v1\n${token}`);

export async function createToken(
  db: Conn,
  name: string,
  role: Role,
): Promise<{ id: number; token: string }> {
  if (await hasLiveToken(db, "name", name)) throw new NameTakenError("token", name);
  const token = newToken("api");
  const { id } = await db
    .insertInto("tokens")
    .values({ name, role, token_hash: tokenHash(token), created_at: new Date().toISOString() })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { id, token };
}

export async function hasTokenWithRole(db: Conn, role: Role): Promise<boolean> {
  return hasLiveToken(db, "role", role);
}

async function hasLiveToken(db: Conn, column: "name" | "role", value: string): Promise<boolean> {
  const row = await db
    .selectFrom("tokens")
    .select("id")
    .where(column, "=", value)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return row !== undefined;
}

/** The token with this hash, revoked or not (a revoked token is refused with a reason). */
export async function tokenByHash(
  db: Conn,
  hash: string,
): Promise<Pick<TokenRow, "name" | "role" | "revoked_at" | "revoked_by"> | undefined> {
  return db
    .selectFrom("tokens")
    .select(["name", "role", "revoked_at", "revoked_by"])
    .where("token_hash", "=", hash)
    .executeTakeFirst();
}

export async function createAgent(
  db: Conn,
  a: { name: string; labels: Record<string, string>; slots: number },
): Promise<{ id: number; token: string }> {
  if (await agentByName(db, a.name)) throw new NameTakenError("agent", a.name);
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
  const row = await db.selectFrom("agents").select("disabled_at").where("id", "=", id).executeTakeFirst();
  return !row || row.disabled_at !== null;
}

/** Records the sandbox policy an agent says it has (shown in why a job waits). */
export async function setAgentSandbox(db: Conn, agent: AgentRow, sandbox: string): Promise<void> {
  if (agent.sandbox === sandbox) return;
  await db.updateTable("agents").set({ sandbox }).where("id", "=", agent.id).execute();
}

/** A name already taken by a live token or by an agent: the API answers 409 naming it. */
export class NameTakenError extends Error {
  readonly code = "NAME_TAKEN";
  constructor(
    readonly kind: "token" | "agent",
    readonly taken: string,
  ) {
    super(
      kind === "agent"
        ? `an agent named "${taken}" is enrolled already: pick another --name, or delete that agent first (kiln agents delete ${taken})`
        : `a live token named "${taken}" exists already: pick another name, or revoke it first (kiln tokens revoke ${taken})`,
    );
  }
}

/** Every token, oldest first: what it is called and can do, never its hash. */
export async function listTokens(db: Conn): Promise<Omit<TokenRow, "id" | "token_hash">[]> {
  return db
    .selectFrom("tokens")
    .select(["name", "role", "created_at", "revoked_at", "revoked_by"])
    .orderBy("id")
    .execute();
}

export type RevokeOutcome = "revoked" | "unknown" | "last-admin";

/**
 * Revokes the live tokens called `name`, unless that would leave no live admin token (nobody could
 * administer the farm any more). One transaction, so two admins revoking each other cannot both win.
 */
export async function revokeToken(db: Conn, name: string, by: string): Promise<RevokeOutcome> {
  return db.transaction().execute(async (tx) => {
    const live = await tx
      .selectFrom("tokens")
      .select(["id", "name", "role"])
      .where("revoked_at", "is", null)
      .execute();
    const mine = live.filter((t) => t.name === name);
    if (mine.length === 0) return "unknown";
    const admins = live.filter((t) => t.role === "admin");
    if (admins.length > 0 && admins.every((t) => t.name === name)) return "last-admin";
    await tx
      .updateTable("tokens")
      .set({ revoked_at: new Date().toISOString(), revoked_by: by })
      .where("name", "=", name)
      .where("revoked_at", "is", null)
      .execute();
    return "revoked";
  });
}

export async function agentByName(db: Conn, name: string): Promise<AgentRow | undefined> {
  return db.selectFrom("agents").selectAll().where("name", "=", name).executeTakeFirst();
}

/** An agent's name, for saying which one did something (undefined once it was deleted). */
export async function agentName(db: Conn, id: number): Promise<string | undefined> {
  return (await db.selectFrom("agents").select("name").where("id", "=", id).executeTakeFirst())?.name;
}

/** Disables (or enables again) an agent: a disabled agent's credential is refused and it gets no jobs. */
export async function setAgentDisabled(
  db: Conn,
  id: number,
  disabled: { by: string } | undefined,
): Promise<void> {
  await db
    .updateTable("agents")
    .set(
      disabled
        ? { disabled_at: new Date().toISOString(), disabled_by: disabled.by }
        : { disabled_at: null, disabled_by: null },
    )
    .where("id", "=", id)
    .execute();
}

/** Deletes an agent that holds no lease; returns how many leased jobs it holds (0: deleted). */
export async function deleteAgent(db: Conn, id: number): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const held = await tx
      .selectFrom("jobs")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("agent_id", "=", id)
      .where("status", "=", "leased")
      .executeTakeFirstOrThrow();
    const n = Number(held.n);
    if (n > 0) return n;
    await tx.deleteFrom("agents").where("id", "=", id).execute();
    return 0;
  });
}
