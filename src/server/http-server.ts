// The HTTP server under Fastify, with limits so that slow or idle clients cannot hold it: headers
// must arrive within HEADERS_MS (slowloris), a connection idle for IDLE_MS is closed, and at most
// MAX_CONNECTIONS are open at once. Long requests are the agents' uploads (up to --max-upload-mb),
// hence the generous whole-request limit; followed logs and event streams send keep-alives.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

const HEADERS_MS = 10_000;
const IDLE_MS = 120_000;
const REQUEST_MS = 60 * 60_000;
const KEEP_ALIVE_MS = 5_000;
const MAX_CONNECTIONS = 1024;

/** Fastify's own options for the same limits (it applies some of them itself). */
export const TIMEOUTS = {
  connectionTimeout: IDLE_MS,
  keepAliveTimeout: KEEP_ALIVE_MS,
  requestTimeout: REQUEST_MS,
  maxRequestsPerSocket: 1000,
};

export function serverFactory(handler: (req: IncomingMessage, res: ServerResponse) => void): Server {
  const server = createServer(
    {
      headersTimeout: HEADERS_MS,
      requestTimeout: REQUEST_MS,
      keepAliveTimeout: KEEP_ALIVE_MS,
      // How often the two limits above are checked (Node's default is every 30 s).
      connectionsCheckingInterval: 1000,
    },
    handler,
  );
  server.setTimeout(IDLE_MS);
  server.maxConnections = MAX_CONNECTIONS;
  server.maxRequestsPerSocket = TIMEOUTS.maxRequestsPerSocket;
  return server;
}
