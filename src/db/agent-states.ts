// Each agent as the scheduling rules see it (why-waiting, the queue's health): its labels, slots,
// running jobs, whether it was heard from lately, its sandbox, and why it takes no jobs now.
import { agentDiskKey } from "../core/health.js";
import type { AgentState } from "../core/why-waiting.js";
import { fromJson } from "./json-columns.js";
import type { AgentRow, Conn, JobRow } from "./schema.js";

export async function agentStates(
  db: Conn,
  leaseMs: number,
): Promise<{ rows: AgentRow[]; states: AgentState[]; running: JobRow[] }> {
  const rows = await db.selectFrom("agents").selectAll().orderBy("id").execute();
  const running = await db.selectFrom("jobs").selectAll().where("status", "=", "leased").execute();
  const now = Date.now();
  const refusals = new Map(
    (
      await db
        .selectFrom("health_checks")
        .select(["key", "sentence"])
        .where("state", "=", "failing")
        .execute()
    ).map((c) => [c.key, c.sentence]),
  );
  const states = rows.map((a) => ({
    name: a.name,
    labels: fromJson("labels", a.labels, "agents.labels"),
    slots: a.slots,
    running: running.filter((j) => j.agent_id === a.id).length,
    // An agent not heard from for a lease's time (at least 10 s) is shown offline.
    online: a.disabled_at === null && now - Date.parse(a.last_seen_at) < Math.max(leaseMs, 10_000),
    sandbox: a.sandbox ? fromJson("agentSandbox", a.sandbox, "agents.sandbox") : undefined,
    refusal: refusals.get(agentDiskKey(a.name)),
  }));
  return { rows, states, running };
}
