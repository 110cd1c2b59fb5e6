// The server's own configuration file (`kiln serve --config FILE`): what belongs to whoever runs the
// farm and must never come from the package set, because a commit could otherwise redirect it —
// the upstream services release watches ask and the tokens they ask with, and how hard they may be
// asked. Schema-checked like kiln.yaml, errors at file:line:column.
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve, dirname } from "node:path";
import { z } from "zod";
import { UserError } from "../util/errors.js";
import { DEFAULT_ENDPOINTS, type Endpoints, type ServiceName } from "./upstream-services.js";
import { parseYaml, readYamlText } from "./read-yaml.js";
import { duration } from "./set-config.js";
import { schemaError } from "./yaml-errors.js";

const upstream = z.strictObject({
  /** The service's base URL: a mirror, a self-hosted instance, or a test's fake upstream. */
  url: z.url({ protocol: /^https?$/, error: "expected an http(s) URL" }).optional(),
  /** A file holding a token for the service (GitHub's limit is 60 requests an hour without one). */
  "token-file": z.string().min(1).optional(),
});

const services = Object.keys(DEFAULT_ENDPOINTS) as ServiceName[];

export const serverConfigSchema = z.strictObject({
  watch: z
    .strictObject({
      /** How often a watched package is looked at, unless its kiln.yaml says otherwise. */
      interval: duration.default(6 * 3600),
      /** Each look is moved by up to this fraction of the interval, so looks do not bunch. */
      jitter: z.number().min(0).max(0.5).default(0.1),
      /** Whether URLs from the set may reach loopback and private addresses. */
      "allow-private": z.boolean().default(false),
      timeout: duration.default(30),
      "max-answer-mb": z.number().positive().max(256).default(16),
      "max-tarball-mb": z.number().positive().max(4096).default(512),
      /** Least time between two requests to one host. */
      "host-gap": duration.default(1),
    })
    .prefault({}),
  upstreams: z.partialRecord(z.enum(services), upstream).default({}),
  /** The farm's checks of itself (README, "Health": what each check means). */
  health: z
    .strictObject({
      /** How often the server checks itself and its agents. */
      interval: duration.default(30),
      /** Free space of the data directory and of every agent's work directory. */
      disk: z
        .strictObject({
          "warn-mb": z
            .number()
            .positive()
            .default(5 * 1024),
          "warn-percent": z.number().min(0).max(100).default(5),
          /** Below this an agent takes no jobs until space returns. */
          "fail-mb": z.number().positive().default(1024),
          "warn-inodes": z.number().int().min(0).default(50_000),
          "fail-inodes": z.number().int().min(0).default(10_000),
        })
        .prefault({}),
      /** A trivial query slower than this warns. */
      "database-slow-ms": z.number().positive().default(500),
      /** An enabled agent not heard from for this long warns. */
      "silent-after": duration.default(120),
      /** A job ready this long while an agent that would take it has a free slot: the queue is stalled. */
      "queue-stall": duration.default(300),
      /** The event loop's 99th percentile delay above this warns. */
      "event-loop-ms": z.number().positive().default(500),
    })
    .prefault({}),
});

export type ServerConfigFile = z.infer<typeof serverConfigSchema>;

export interface ServerConfig {
  watch: ServerConfigFile["watch"];
  health: ServerConfigFile["health"];
  endpoints: Endpoints;
  tokens: Partial<Record<ServiceName, string>>;
}

export const DEFAULT_SERVER_CONFIG: ServerConfig = {
  watch: serverConfigSchema.parse({}).watch,
  health: serverConfigSchema.parse({}).health,
  endpoints: { ...DEFAULT_ENDPOINTS },
  tokens: {},
};

export function parseServerConfig(text: string, file: string): ServerConfigFile {
  const { doc, lines, value } = parseYaml(text, file);
  const parsed = serverConfigSchema.safeParse(value);
  if (!parsed.success) throw schemaError(file, doc, lines, parsed.error);
  return parsed.data;
}

/** Reads the server's config and the token files it names (relative to the config's directory). */
export async function loadServerConfig(file: string | undefined): Promise<ServerConfig> {
  if (file === undefined) return DEFAULT_SERVER_CONFIG;
  const text = await readYamlText(file, file);
  if (text === undefined)
    throw new UserError("CONFIG_MISSING", `no server configuration at ${file}`, { file });
  const c = parseServerConfig(text, file);
  const endpoints = { ...DEFAULT_ENDPOINTS };
  const tokens: Partial<Record<ServiceName, string>> = {};
  for (const [name, u] of Object.entries(c.upstreams) as [ServiceName, z.infer<typeof upstream>][]) {
    if (u.url) endpoints[name] = u.url.replace(/\/+$/, "");
    if (u["token-file"]) {
      const path = isAbsolute(u["token-file"]) ? u["token-file"] : resolve(dirname(file), u["token-file"]);
      let token: string;
      try {
        token = (await readFile(path, "utf8")).trim();
      } catch (e) {
        throw new UserError(
          "CONFIG_INVALID",
          `upstreams.${name}.token-file: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
          { file },
        );
      }
      if (!token || /\s/.test(token))
        throw new UserError("CONFIG_INVALID", `upstreams.${name}.token-file: ${path} holds no single token`, {
          file,
        });
      tokens[name] = token;
    }
  }
  return { watch: c.watch, health: c.health, endpoints, tokens };
}
