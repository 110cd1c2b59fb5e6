// A fresh, empty database per test and back end: a SQLite file in a temporary directory, or a
// PostgreSQL database created for the test on the server KILN_TEST_POSTGRES names (its maintenance
// database; scripts/ensure-postgres.mjs starts the local one before `npm test`).
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import pg from "pg";
import { afterAll } from "vitest";
import { tempDir } from "./kiln.js";

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
afterAll(async () => {
  for (const d of [...undropped]) await d.drop();
});

export async function freshDatabaseUrl(kind: Backend): Promise<FreshDatabase> {
  if (kind === "sqlite") {
    // The directory goes with the test file's other temporary directories.
    return { url: `sqlite:${join(tempDir("kiln-db-"), "kiln.db")}`, drop: () => Promise.resolve() };
  }
  const name = `kiln_test_${randomBytes(6).toString("hex")}`;
  await onServer(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_SERVER);
  url.pathname = `/${name}`;
  const fresh: FreshDatabase = {
    url: url.toString(),
    drop: async () => {
      if (!undropped.delete(fresh)) return;
      // FORCE: a pool a failed test left open must not keep the database alive.
      await onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
  undropped.add(fresh);
  return fresh;
}

async function onServer(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_SERVER });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
