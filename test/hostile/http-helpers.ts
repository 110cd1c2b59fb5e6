// For the hostile HTTP tests: every answer is kept, so that each attack can assert that no secret
// (admin or enrolment token, agent credential, hook secret) went into a body or the server's log.
import { connect } from "node:net";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { rawCall, type RawAnswer, type RawCaller, rawCaller, type Server } from "../kit/index.js";

/** An answer as it came (its body unknown: a test narrows it, or checks it with checked()). */
export type Answer = RawAnswer;

export class Recorder {
  readonly answers: Answer[] = [];
  readonly secrets: string[] = [];
  constructor(readonly server: Server) {
    this.secrets.push(server.admin, server.enrol, server.hookSecret);
  }

  /** Tokens the server handed out are secrets too: only the answer that handed one out holds it. */
  private readonly deliveredBy = new Map<string, Answer>();
  keep(secret: string): void {
    this.secrets.push(secret);
    this.deliveredBy.set(secret, this.answers.at(-1)!);
  }

  /** A request to a path of the server ("/…") or of its API ("tokens", …); `schema` as api()'s. */
  readonly call: RawCaller = rawCaller(async (method, path, o) => {
    const a = await rawCall(
      `${this.server.url}${path.startsWith("/") ? path : `/api/v1/${path}`}`,
      method,
      o,
    );
    this.answers.push(a);
    return a;
  });

  /** No secret in any answer so far, in the server's output or in a file under its agents/ logs. */
  noSecretLeaked(): void {
    for (const s of this.secrets.filter((x) => x.length > 0)) {
      const texts = [
        ...this.answers.filter((a) => this.deliveredBy.get(s) !== a).map((a) => a.text),
        this.server.output(),
      ];
      for (const t of texts) expect(t.includes(s), `a secret (${s.slice(0, 10)}…) leaked`).toBe(false);
    }
  }
}

/** An HTTP/1.1 exchange on a raw socket: what the server answered to `head` (+ `body`) before `ms`. */
export function rawExchange(url: string, head: string, body = "", ms = 5000): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), hostname);
    let got = "";
    const t = setTimeout(() => {
      s.destroy();
      resolve(got);
    }, ms);
    s.on("data", (c: Buffer) => {
      got += c.toString();
      if (/\r\n\r\n[\s\S]*\}$/.test(got) || (got.includes("\r\n\r\n") && /content-length: 0/i.test(got))) {
        clearTimeout(t);
        s.destroy();
        resolve(got);
      }
    });
    s.on("end", () => {
      clearTimeout(t);
      resolve(got);
    });
    s.on("error", (e) => {
      clearTimeout(t);
      if (got) resolve(got);
      else reject(e);
    });
    s.write(head + body);
  });
}

/** The mode bits of each file in a data directory that holds a secret. */
export function modes(data: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(data))
    if (/^(kiln\.db|admin\.token|enrol\.token|hook\.secret)$/.test(f))
      out[f] = (statMode(join(data, f)) & 0o777).toString(8);
  out["."] = (statMode(data) & 0o777).toString(8);
  return out;
}

function statMode(p: string): number {
  return statSync(p).mode;
}

export const read = (p: string): string => readFileSync(p, "utf8");
