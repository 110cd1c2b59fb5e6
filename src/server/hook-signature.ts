// Verifying a git host's webhook against the server's hook secret, over the raw body as it came:
//   GitHub, Gitea, Forgejo  X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>
//   Gitea, Forgejo          X-Gitea-Signature / X-Forgejo-Signature: <hex HMAC-SHA256(secret, body)>
//   GitLab                  X-Gitlab-Token: <the secret itself>
//   Standard Webhooks       webhook-id, webhook-timestamp, webhook-signature: v1,<base64 HMAC-SHA256(
//                           key, "id.timestamp.body")>, the key being the base64 after "whsec_"
// Every comparison is constant-time. Pure: the clock is passed in.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export type HookHeaders = Record<string, string | string[] | undefined>;

export type HookVerdict = { ok: true; scheme: string } | { ok: false; why: string };

/** How far a Standard Webhooks timestamp may be from the server's clock. */
export const TOLERANCE_S = 5 * 60;

export const EXPECTED =
  "a webhook signed with the server's hook secret: X-Hub-Signature-256 (GitHub, Gitea, Forgejo), " +
  "X-Gitea-Signature, X-Gitlab-Token, or webhook-id/webhook-timestamp/webhook-signature (Standard Webhooks); " +
  "or Authorization: Bearer with a maintainer token";

export function newHookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

function one(h: HookHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

function same(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

const hmac = (key: Buffer | string, data: Buffer | string): Buffer =>
  createHmac("sha256", key).update(data).digest();

/** The Standard Webhooks key: the base64 after whsec_ (a secret in another form is used as it is). */
function standardKey(secret: string): Buffer {
  const b64 = secret.startsWith("whsec_") ? secret.slice(6) : undefined;
  return b64 !== undefined && /^[A-Za-z0-9+/]+=*$/.test(b64)
    ? Buffer.from(b64, "base64")
    : Buffer.from(secret);
}

export function verifyHook(
  secret: string,
  headers: HookHeaders,
  body: Buffer,
  nowMs: number,
): HookVerdict | undefined {
  const hub = one(headers, "x-hub-signature-256");
  if (hub !== undefined) {
    const m = /^sha256=([0-9a-f]{64})$/i.exec(hub.trim());
    if (!m) return { ok: false, why: "X-Hub-Signature-256 must be sha256=<64 hex digits>" };
    return same(Buffer.from(m[1]!.toLowerCase(), "hex"), hmac(secret, body))
      ? { ok: true, scheme: "X-Hub-Signature-256" }
      : { ok: false, why: "X-Hub-Signature-256 does not match the body and the hook secret" };
  }
  for (const name of ["x-gitea-signature", "x-forgejo-signature"]) {
    const sig = one(headers, name);
    if (sig === undefined) continue;
    if (!/^[0-9a-f]{64}$/i.test(sig.trim())) return { ok: false, why: `${name} must be 64 hex digits` };
    return same(Buffer.from(sig.trim().toLowerCase(), "hex"), hmac(secret, body))
      ? { ok: true, scheme: name }
      : { ok: false, why: `${name} does not match the body and the hook secret` };
  }
  const gitlab = one(headers, "x-gitlab-token");
  if (gitlab !== undefined) {
    return same(Buffer.from(gitlab), Buffer.from(secret))
      ? { ok: true, scheme: "X-Gitlab-Token" }
      : { ok: false, why: "X-Gitlab-Token is not the hook secret" };
  }
  const id = one(headers, "webhook-id");
  const ts = one(headers, "webhook-timestamp");
  const sigs = one(headers, "webhook-signature");
  if (id !== undefined || ts !== undefined || sigs !== undefined) {
    if (!id || !ts || !sigs)
      return {
        ok: false,
        why: "Standard Webhooks needs webhook-id, webhook-timestamp and webhook-signature",
      };
    if (!/^\d{1,12}$/.test(ts)) return { ok: false, why: "webhook-timestamp must be seconds since 1970" };
    if (Math.abs(nowMs / 1000 - Number(ts)) > TOLERANCE_S)
      return {
        ok: false,
        why: `webhook-timestamp is more than ${TOLERANCE_S / 60} minutes from the server's clock`,
      };
    const want = hmac(standardKey(secret), Buffer.concat([Buffer.from(`${id}.${ts}.`), body]));
    for (const part of sigs.split(" ")) {
      const [version, b64] = part.split(",", 2);
      if (version === "v1" && b64 && same(Buffer.from(b64, "base64"), want))
        return { ok: true, scheme: "Standard Webhooks" };
    }
    return { ok: false, why: "no v1 webhook-signature matches the body and the hook secret" };
  }
  return undefined;
}
