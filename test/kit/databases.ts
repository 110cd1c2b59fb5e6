// A fresh, empty database per test and back end: a SQLite file in a temporary directory, or a
// PostgreSQL database created for the test on the server KILN_TEST_POSTGRES names (its maintenance
// database; scripts/ensure-postgres.mjs starts the local one before `npm test`). What a test file
// did not drop is dropped after it (or by the bench's runCleanups).
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import pg from "pg";
import { afterAllTests } from "./cleanup.js";
import { tempDir } from "./temp.js";

export const backends = ["sqlite", "postgres"] as const;
export type Backend = (typeof backends)[number];

export const POSTGRES_SERVER =
  process.env.KILN_TEST_POSTGRES ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface FreshDatabase {
  url: string;
  /** Removes the database (idempotent); what a test file did not drop is dropped after it. */
  drop(): Promise<void>;
}

const undropped = new Set<FreshDatabase>();

/** `server`: the PostgreSQL server's maintenance database (default POSTGRES_SERVER). */
export async function freshDatabaseUrl(kind: Backend, server = POSTGRES_SERVER): Promise<FreshDatabase> {
  if (kind === "sqlite") {
    // The directory goes with the test file's other temporary directories.
    return { url: `sqlite:${join(tempDir("kiln-db-"), "kiln.db")}`, drop: () => Promise.resolve() };
  }
  const name = `kiln_test_${randomBytes(6).toString("hex")}`;
  await onServer(server, `CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  const fresh: FreshDatabase = {
    url: url.toString(),
    drop: async () => {
      if (!undropped.delete(fresh)) return;
      // FORCE: a pool a failed test left open must not keep the database alive.
      await onServer(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
  undropped.add(fresh);
  afterAllTests(() => fresh.drop());
  return fresh;
}

async function onServer(server: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: server, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
