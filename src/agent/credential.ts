// An agent's own credential: kept in its work directory (agent.json, mode 0600) from an earlier
// enrolment with this server, or enrolled now with the enrolment token.
import { existsSync, readFileSync } from "node:fs";
import { chmod, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { ApiClient, ApiError } from "../api/client.js";
import { EnrolResponse, HeartbeatResponse } from "../api/schemas.js";

export interface Credential {
  server: string;
  agent: number;
  name: string;
  token: string;
}

export interface CredentialOptions {
  server: string;
  workdir: string;
  enrolToken?: string;
  name?: string;
  labels: Record<string, string>;
  slots: number;
  log: (line: string) => void;
}

export async function agentCredential(o: CredentialOptions, base: string): Promise<Credential> {
  const file = join(o.workdir, "agent.json");
  if (existsSync(file)) {
    const c = JSON.parse(readFileSync(file, "utf8")) as Credential;
    // The same server may be reached at another address (a new port, a name): the credential
    // says whether it is the same farm.
    const probe = new ApiClient(o.server, c.token);
    try {
      await probe.json(HeartbeatResponse, "POST", "/agent/heartbeat", { jobs: [] });
      await chmod(file, 0o600);
      return c;
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) throw e;
      o.log("the server no longer knows this agent's credential: enrolling again");
    }
  }
  if (!o.enrolToken) {
    throw new ApiError(
      401,
      "this agent is not enrolled: pass the server's enrolment token with --token (or KILN_TOKEN)",
    );
  }
  const name = o.name ?? hostname();
  const enrol = new ApiClient(o.server, o.enrolToken);
  const r = await enrol.json(EnrolResponse, "POST", "/agents", { name, labels: o.labels, slots: o.slots });
  const c: Credential = { server: base, agent: r.agent, name, token: r.token };
  await writeFile(file, JSON.stringify(c), { mode: 0o600 });
  await chmod(file, 0o600);
  return c;
}
