// Attacks on the farm's HTTP surface, against a real `kiln serve`: each it() is one attack, asserts
// the exact refusal, and that no secret (admin or enrolment token, an agent credential, the hook
// secret) appeared in any answer or in the server's log.
import { createHmac } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { TokenList } from "../../src/api/admin-schemas.js";
import { EnrolResponse, ErrorBody, HeartbeatResponse, TokenResponse } from "../../src/api/schemas.js";
import {
  AgentList,
  HookAnswer,
  KILN_YAML,
  makeSet,
  noarchSpec,
  orRefusal,
  type Server,
  startServer,
  tempDir,
} from "../kit/index.js";
import { rawExchange, Recorder } from "./http-helpers.js";

let server: Server;
let r: Recorder;
const PUBLIC = "https://kiln.example.test";

beforeAll(async () => {
  const set = makeSet({ "kiln.yaml": KILN_YAML, "packages/a/a.spec": noarchSpec("a") });
  server = await startServer({
    set,
    data: tempDir("kiln-hostile-http-"),
    extra: ["--public-url", PUBLIC, "--poll", "0"],
  });
  r = new Recorder(server);
}, 60_000);

afterEach(() => r.noSecretLeaked());

const hub = (body: string, secret = server.hookSecret): string =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

async function enrol(name: string): Promise<string> {
  const a = await r.call("POST", "agents", {
    token: server.enrol,
    body: { name, labels: {}, slots: 1 },
    schema: EnrolResponse,
  });
  expect(a.status, a.text).toBe(201);
  r.keep(a.body.token);
  return a.body.token;
}

/** A token the admin makes (201), kept as a secret by the recorder. */
async function newToken(name: string, role: string): Promise<string> {
  const made = await r.call("POST", "tokens", {
    token: server.admin,
    body: { name, role },
    schema: TokenResponse,
  });
  expect(made.status, made.text).toBe(201);
  r.keep(made.body.token);
  return made.body.token;
}

describe("tokens", () => {
  it("an unauthenticated 50 MB body is refused with 401 before the server reads it", async () => {
    // Headers that announce 50 MB, then 1 KiB: the answer comes without the rest ever being sent.
    const head = `POST /api/v1/requests HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${50 * 1024 * 1024}\r\n\r\n`;
    const t0 = Date.now();
    const got = await rawExchange(server.url, head, "{".padEnd(1024, " "), 10_000);
    expect(got).toMatch(/^HTTP\/1\.1 401 /);
    expect(got).toContain('"code":"UNAUTHORIZED"');
    expect(got).toContain("this needs an API token");
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it.each(["x-kiln-token", "x-gitlab-token"])("%s is not a token: 401", async (header) => {
    const a = await r.call("POST", "requests", {
      headers: { [header]: server.admin },
      body: { packages: [] },
    });
    expect(a.status).toBe(401);
    expect(a.body).toMatchObject({
      code: "UNAUTHORIZED",
      error: expect.stringContaining("this needs an API token"),
    });
  });

  it("an Authorization that is not Bearer is refused, saying the form", async () => {
    const a = await r.call("GET", "tokens", {
      headers: { authorization: `Basic ${Buffer.from(`admin:${server.admin}`).toString("base64")}` },
      schema: ErrorBody,
    });
    expect(a.status).toBe(401);
    expect(a.body.error).toBe("the Authorization header must be `Bearer TOKEN`");
  });

  it("an unknown token is refused", async () => {
    const a = await r.call("GET", "tokens", { token: "kiln_api_forged" });
    expect(a).toMatchObject({ status: 401, body: { error: "unknown token", code: "UNAUTHORIZED" } });
  });

  it("a revoked token is refused on the very next request (no cache)", async () => {
    const made = await newToken("ci", "maintainer");
    // Used once, so that a cache would remember it.
    expect((await r.call("POST", "hooks/git", { token: made })).status).toBe(200);
    const rev = await r.call("POST", "tokens/ci/revoke", { token: server.admin, body: {} });
    expect(rev).toMatchObject({ status: 200, body: { name: "ci", revoked: true, by: "admin" } });
    const again = await r.call("POST", "hooks/git", { token: made, schema: ErrorBody });
    expect(again.status).toBe(401);
    expect(again.body).toMatchObject({ code: "TOKEN_REVOKED" });
    expect(again.body.error).toMatch(/^the token "ci" was revoked by admin at \d{4}-/);
  });

  it("the last live admin token cannot be revoked: 409", async () => {
    const a = await r.call("POST", "tokens/admin/revoke", { token: server.admin, body: {} });
    expect(a.status).toBe(409);
    expect(a.body).toMatchObject({
      code: "LAST_ADMIN",
      error: '"admin" is the last live admin token: create another admin token before revoking it',
    });
    expect((await r.call("GET", "tokens", { token: server.admin })).status).toBe(200);
  });

  it("only an admin lists tokens, and the list never holds a hash or a token", async () => {
    const m = await newToken("dev", "maintainer");
    const no = await r.call("GET", "tokens", { token: m, schema: ErrorBody });
    expect(no.status).toBe(403);
    expect(no.body.error).toBe('this needs the admin role; the token "dev" has maintainer');
    const list = await r.call("GET", "tokens", { token: server.admin, schema: TokenList });
    expect(list.status).toBe(200);
    expect(list.body.tokens.map((t) => t.name)).toEqual(
      expect.arrayContaining(["admin", "enrolment", "dev"]),
    );
    expect(Object.keys(list.body.tokens[0]!).sort()).toEqual([
      "createdAt",
      "name",
      "revokedAt",
      "revokedBy",
      "role",
    ]);
    expect(list.text).not.toMatch(/[0-9a-f]{64}/);
  });

  it("a second live token of the same name is refused with 409 naming it", async () => {
    const a = await r.call("POST", "tokens", { token: server.admin, body: { name: "admin", role: "admin" } });
    expect(a.status).toBe(409);
    expect(a.body).toMatchObject({ code: "NAME_TAKEN", name: "admin" });
  });
});

describe("agents", () => {
  it("a disabled agent's credential is refused at once with 403, and works again when enabled", async () => {
    const cred = await enrol("worker-1");
    const beat = () =>
      r.call("POST", "agent/heartbeat", {
        token: cred,
        body: { jobs: [] },
        schema: orRefusal(HeartbeatResponse),
      });
    expect((await beat()).status).toBe(200);
    const d = await r.call("POST", "agents/worker-1/disable", { token: server.admin, body: {} });
    expect(d).toMatchObject({ status: 200, body: { name: "worker-1", state: "disabled", by: "admin" } });
    const refused = await beat();
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("AGENT_DISABLED");
    expect(refused.body.error).toMatch(/^the agent "worker-1" is disabled \(by admin at \d{4}-/);
    const lease = await r.call("POST", "agent/lease", { token: cred, body: { free: 1 } });
    expect(lease.status).toBe(403);
    const list = await r.call("GET", "agents", { schema: AgentList });
    expect(list.body.agents.find((a) => a.name === "worker-1")?.state).toBe("disabled");
    expect((await r.call("POST", "agents/worker-1/enable", { token: server.admin, body: {} })).status).toBe(
      200,
    );
    expect((await beat()).status).toBe(200);
  });

  it("enrolling a name that is taken answers 409 naming it", async () => {
    await enrol("worker-2");
    const a = await r.call("POST", "agents", {
      token: server.enrol,
      body: { name: "worker-2", labels: {}, slots: 1 },
      schema: ErrorBody,
    });
    expect(a.status).toBe(409);
    expect(a.body).toMatchObject({ code: "NAME_TAKEN", name: "worker-2" });
    expect(a.body.error).toMatch(/^an agent named "worker-2" is enrolled already/);
  });

  it("a deleted agent's credential is refused; only an admin deletes", async () => {
    const cred = await enrol("worker-3");
    const m = await r.call("DELETE", "agents/worker-3", { token: server.enrol });
    expect(m.status).toBe(403);
    const d = await r.call("DELETE", "agents/worker-3", { token: server.admin });
    expect(d).toMatchObject({ status: 200, body: { name: "worker-3", state: "deleted" } });
    const beat = await r.call("POST", "agent/heartbeat", { token: cred, body: { jobs: [] } });
    expect(beat).toMatchObject({ status: 401, body: { error: "unknown token" } });
    const gone = await r.call("DELETE", "agents/worker-3", { token: server.admin });
    expect(gone.status).toBe(404);
  });

  it("an agent's credential cannot administer", async () => {
    const cred = await enrol("worker-4");
    const a = await r.call("POST", "agents/worker-4/enable", { token: cred, body: {} });
    expect(a).toMatchObject({ status: 403, body: { error: "agent credentials cannot do this" } });
  });
});

describe("the git webhook", () => {
  const push = '{"ref":"refs/heads/main"}';
  const json = { "content-type": "application/json" };

  it("without a signature: 401 saying what it expects", async () => {
    const a = await r.call("POST", "hooks/git", { raw: push, headers: json, schema: ErrorBody });
    expect(a.status).toBe(401);
    expect(a.body.error).toMatch(
      /^this needs a webhook signed with the server's hook secret: X-Hub-Signature-256/,
    );
  });

  it("a maintainer token in X-Gitlab-Token is no longer accepted", async () => {
    const a = await r.call("POST", "hooks/git", {
      raw: push,
      headers: { ...json, "x-gitlab-token": server.admin },
    });
    expect(a.status).toBe(401);
    expect(a.body).toMatchObject({
      code: "BAD_SIGNATURE",
      error: expect.stringMatching(/^X-Gitlab-Token is not the hook secret/),
    });
  });

  it("a signature over another body is refused", async () => {
    const a = await r.call("POST", "hooks/git", {
      raw: push,
      headers: { ...json, "x-hub-signature-256": hub('{"ref":"other"}') },
      schema: ErrorBody,
    });
    expect(a.status).toBe(401);
    expect(a.body.error).toMatch(/^X-Hub-Signature-256 does not match the body and the hook secret/);
  });

  it("a stale Standard Webhooks timestamp is refused (replay)", async () => {
    const ts = Math.floor(Date.now() / 1000) - 600;
    const key = Buffer.from(server.hookSecret.slice(6), "base64");
    const sig = createHmac("sha256", key).update(`m1.${ts}.${push}`).digest("base64");
    const a = await r.call("POST", "hooks/git", {
      raw: push,
      headers: {
        ...json,
        "webhook-id": "m1",
        "webhook-timestamp": String(ts),
        "webhook-signature": `v1,${sig}`,
      },
      schema: ErrorBody,
    });
    expect(a.status).toBe(401);
    expect(a.body.error).toMatch(/^webhook-timestamp is more than 5 minutes from the server's clock/);
  });

  it.each([
    ["GitHub", () => ({ "x-hub-signature-256": hub(push) })],
    ["Gitea", () => ({ "x-gitea-signature": hub(push).slice(7) })],
    ["GitLab", () => ({ "x-gitlab-token": server.hookSecret })],
  ])("a %s push signed with the hook secret is taken", async (_host, headers) => {
    const a = await r.call("POST", "hooks/git", {
      raw: push,
      headers: { ...json, ...headers() },
      schema: HookAnswer,
    });
    expect(a.status, a.text).toBe(200);
    expect(a.body.note).toBe("the package set is not a git repository: no source triggers");
  });

  it("a viewer's Bearer token cannot trigger it", async () => {
    const v = await newToken("viewer", "viewer");
    const a = await r.call("POST", "hooks/git", { token: v, schema: ErrorBody });
    expect(a.status).toBe(403);
    expect(a.body.error).toBe('a manual trigger needs the maintainer role; the token "viewer" has viewer');
  });

  it("a body over 1 MiB is refused with 413", async () => {
    const big = `{"x":"${"a".repeat(1024 * 1024 + 10)}"}`;
    const a = await r.call("POST", "hooks/git", {
      raw: big,
      headers: { ...json, "x-hub-signature-256": hub(big) },
    });
    expect(a.status).toBe(413);
  });
});

describe("headers, errors, links", () => {
  it("pages carry a strict CSP, nosniff and no framing", async () => {
    const a = await r.call("GET", "/");
    const csp = a.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(a.headers.get("x-content-type-options")).toBe("nosniff");
    expect(a.headers.get("x-frame-options")).toBe("DENY");
  });

  it("a forged Host header does not end up in the .repo file", async () => {
    const got = await rawExchange(
      server.url,
      "GET /repos/main.repo HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
    );
    expect(got).toMatch(/^HTTP\/1\.1 200 /);
    expect(got).toContain(`baseurl=${PUBLIC}/repos/main/`);
    expect(got).not.toContain("evil.example");
  });

  it("a 500 says only a reference; the log has the details", async () => {
    // A damaged artifact in the store: the server refuses to serve it (an error of its own).
    const sha = "ab".repeat(32);
    const dir = join(server.data, "artifacts", "sha256", "ab");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, sha), "not what was stored");
    const a = await r.call("GET", `artifacts/${sha}`, {
      schema: ErrorBody.extend({ reference: z.string() }),
    });
    expect(a.status).toBe(500);
    expect(a.body.error).toMatch(
      /^internal error \(reference ([0-9a-f]{12})\); the server's log has the details$/,
    );
    const ref = a.body.reference;
    await server.waitFor(
      new RegExp(`error ${ref}: GET /api/v1/artifacts/${sha}: Error: stored artifact ${sha} is corrupted`),
    );
    expect(a.text).not.toContain("/");
    expect(a.text).not.toContain(server.data);
  });

  it("a malformed JSON body is a 400 about the body, with no stack or path", async () => {
    const a = await r.call("POST", "tokens", {
      token: server.admin,
      raw: "{nope",
      headers: { "content-type": "application/json" },
    });
    expect(a.status).toBe(400);
    expect(a.text).not.toMatch(/\n\s+at |\/work\/|\/tmp\//);
  });
});
