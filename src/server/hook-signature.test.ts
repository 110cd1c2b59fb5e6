import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { newHookSecret, verifyHook } from "./hook-signature.js";

const secret = newHookSecret();
const body = Buffer.from('{"ref":"refs/heads/main"}');
const now = 1_700_000_000_000;
const hex = (key: Buffer | string, data: Buffer | string): string =>
  createHmac("sha256", key).update(data).digest("hex");
const key = Buffer.from(secret.slice(6), "base64");
const std = (id: string, ts: number, b = body): string =>
  `v1,${createHmac("sha256", key).update(`${id}.${ts}.`).update(b).digest("base64")}`;

describe("verifyHook", () => {
  it("makes whsec_ secrets of 32 random bytes", () => {
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(newHookSecret()).not.toBe(secret);
  });

  it.each([
    ["GitHub", { "x-hub-signature-256": `sha256=${hex(secret, body)}` }, "X-Hub-Signature-256"],
    ["Gitea", { "x-gitea-signature": hex(secret, body) }, "x-gitea-signature"],
    ["Forgejo", { "x-forgejo-signature": hex(secret, body) }, "x-forgejo-signature"],
    ["GitLab", { "x-gitlab-token": secret }, "X-Gitlab-Token"],
    [
      "Standard Webhooks",
      {
        "webhook-id": "msg_1",
        "webhook-timestamp": String(now / 1000),
        "webhook-signature": `v1,AAAA ${std("msg_1", now / 1000)}`,
      },
      "Standard Webhooks",
    ],
  ])("accepts %s", (_host, headers, scheme) => {
    expect(verifyHook(secret, headers, body, now)).toEqual({ ok: true, scheme });
  });

  it.each([
    [
      "a signature of another body",
      { "x-hub-signature-256": `sha256=${hex(secret, "{}")}` },
      /does not match/,
    ],
    [
      "a signature with another secret",
      { "x-hub-signature-256": `sha256=${hex("nope", body)}` },
      /does not match/,
    ],
    ["a malformed X-Hub-Signature-256", { "x-hub-signature-256": "sha1=abc" }, /sha256=<64 hex/],
    ["a wrong Gitea signature", { "x-gitea-signature": hex("x", body) }, /does not match/],
    ["a wrong GitLab token", { "x-gitlab-token": `${secret}x` }, /not the hook secret/],
    [
      "an old Standard Webhooks timestamp",
      {
        "webhook-id": "m",
        "webhook-timestamp": String(now / 1000 - 301),
        "webhook-signature": std("m", now / 1000 - 301),
      },
      /more than 5 minutes/,
    ],
    [
      "a Standard Webhooks signature of another id",
      {
        "webhook-id": "m2",
        "webhook-timestamp": String(now / 1000),
        "webhook-signature": std("m", now / 1000),
      },
      /no v1 webhook-signature matches/,
    ],
    ["half the Standard Webhooks headers", { "webhook-id": "m" }, /needs webhook-id, webhook-timestamp/],
  ])("refuses %s", (_what, headers, why) => {
    const v = verifyHook(secret, headers, body, now);
    expect(v?.ok).toBe(false);
    expect(v && !v.ok ? v.why : "").toMatch(why);
  });

  it("says nothing when no webhook header is there", () => {
    expect(verifyHook(secret, { authorization: "Bearer x" }, body, now)).toBeUndefined();
  });
});
