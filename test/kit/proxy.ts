// A local HTTP proxy in front of a test server, for the tests that spoil what goes through it.
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Proxy {
  /** http://127.0.0.1:PORT, to use instead of the server's URL. */
  url: string;
  close(): Promise<void>;
}

export interface ProxyHooks {
  /** Sees each request's whole body before it is sent on, and may change it in place. */
  onRequest?: (req: IncomingMessage, body: Buffer) => void;
  /** May answer from the upstream answer itself (then returns true); else that is passed on as it came. */
  onAnswer?: (req: IncomingMessage, up: IncomingMessage, res: ServerResponse) => boolean;
}

/** A proxy on a free local port that forwards every request to `target`, through `hooks`. */
export async function startProxy(target: string, hooks: ProxyHooks = {}): Promise<Proxy> {
  const t = new URL(target);
  const proxy = createServer((req, res) => {
    const fwd = request(
      { host: t.hostname, port: t.port, path: req.url, method: req.method, headers: req.headers },
      (up) => {
        if (hooks.onAnswer?.(req, up, res)) return;
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    fwd.on("error", () => res.destroy());
    const { onRequest } = hooks;
    if (!onRequest) {
      req.pipe(fwd);
      return;
    }
    void bodyOf(req).then((body) => {
      onRequest(req, body);
      fwd.end(body);
    });
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => proxy.close(() => r())),
  };
}

/** The whole body of a request or an answer. */
export function bodyOf(m: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    m.on("data", (c: Buffer) => chunks.push(c));
    m.on("end", () => resolve(Buffer.concat(chunks)));
  });
}
