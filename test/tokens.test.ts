// `kiln tokens` and `kiln agents` against a real server: list, create, revoke; disable, enable,
// delete; and the refusals an admin can run into.
import { beforeAll, describe, expect, it } from "vitest";
import {
  api,
  enrolAgent,
  kiln,
  KILN_YAML,
  makeSet,
  noarchSpec,
  type Server,
  startServer,
  tempDir,
} from "./kit/index.js";

let server: Server;
beforeAll(async () => {
  const set = makeSet({ "kiln.yaml": KILN_YAML, "packages/a/a.spec": noarchSpec("a") });
  server = await startServer({ set, data: tempDir("kiln-tokens-") });
}, 60_000);

const as = (token: string, ...args: string[]) => kiln([...args, "--server", server.url, "--token", token]);

describe("kiln tokens", () => {
  it("creates a token (printed once), lists it without its hash, revokes it", async () => {
    const made = await as(server.admin, "tokens", "create", "ci", "--role", "maintainer");
    expect(made.code, made.stderr).toBe(0);
    const token = made.stdout.trim();
    expect(token).toMatch(/^kiln_api_\S+$/);
    expect(made.stderr).toContain('token "ci" (maintainer); it is shown only now:');

    const list = await as(server.admin, "tokens", "list");
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^admin\s+admin\s+made \S+\s+live$/m);
    expect(list.stdout).toMatch(/^ci\s+maintainer\s+made \S+\s+live$/m);
    expect(list.stdout).not.toContain(token);
    expect(list.stdout).not.toMatch(/[0-9a-f]{64}/);

    const rev = await as(server.admin, "tokens", "revoke", "ci");
    expect(rev.code, rev.stderr).toBe(0);
    expect(rev.stdout).toBe('revoked token "ci"\n');
    expect((await as(server.admin, "tokens", "list")).stdout).toMatch(
      /^ci\s+maintainer\s+made \S+\s+revoked \S+ by admin$/m,
    );
    const refused = await as(token, "tokens", "list");
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/server: the token "ci" was revoked by admin/);
  });

  it("refuses revoking the last admin token, a name it does not know, and a non-admin", async () => {
    const last = await as(server.admin, "tokens", "revoke", "admin");
    expect(last.code).toBe(2);
    expect(last.stderr).toContain(
      '"admin" is the last live admin token: create another admin token before revoking it',
    );
    const none = await as(server.admin, "tokens", "revoke", "nobody");
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no live token named "nobody"');
    const role = await as(server.enrol, "tokens", "list");
    expect(role.code).toBe(2);
    expect(role.stderr).toContain('this needs the admin role; the token "enrolment" has enrol');
  });

  it("a second admin token lets the first be revoked", async () => {
    const made = await as(server.admin, "tokens", "create", "admin-2", "--role", "admin");
    const second = made.stdout.trim();
    expect((await as(second, "tokens", "revoke", "admin")).code).toBe(0);
    expect((await as(server.admin, "tokens", "list")).code).toBe(2);
    expect((await as(second, "tokens", "list")).stdout).toMatch(
      /^admin\s+admin\s+made \S+\s+revoked \S+ by admin-2$/m,
    );
    server.admin = second;
  });
});

describe("kiln agents", () => {
  it("lists, disables, enables and deletes an agent", async () => {
    const credential = await enrolAgent(server, "builder", { labels: { arch: "x86_64" }, slots: 2 });
    const list = await as(server.admin, "agents", "list");
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^builder\s+(idle|offline)\s+2 slot\(s\)\s+arch=x86_64/m);

    const dis = await as(server.admin, "agents", "disable", "builder");
    expect(dis.stdout).toBe('agent "builder" disabled (its credential is refused; its leases run out)\n');
    expect((await as(server.admin, "agents", "list")).stdout).toMatch(/^builder\s+disabled /m);
    const beat = await api(server.url, "POST", "/agent/heartbeat", {
      token: credential,
      body: { jobs: [] },
    });
    expect(beat.status).toBe(403);
    expect((await as(server.admin, "agents", "enable", "builder")).stdout).toBe('agent "builder" enabled\n');
    expect(
      (await api(server.url, "POST", "/agent/heartbeat", { token: credential, body: { jobs: [] } })).status,
    ).toBe(200);
    expect((await as(server.admin, "agents", "delete", "builder")).stdout).toBe('agent "builder" deleted\n');
    const gone = await as(server.admin, "agents", "disable", "builder");
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain('no agent named "builder" (kiln agents list shows them)');
  });

  it("needs --server", async () => {
    const r = await kiln(["agents", "list"], { env: { KILN_SERVER: "" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("kiln agents list needs --server (or KILN_SERVER)");
  });
});
