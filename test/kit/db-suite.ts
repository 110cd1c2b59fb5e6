// The queries' tests on one back end: a database for the describe block, and rows made the
// same way each time (a build, a request's job). Registers vitest hooks: for tests only.
import { afterAll, beforeAll } from "vitest";
import { createBuild } from "../../src/db/builds.js";
import { openDatabase, type Db } from "../../src/db/connect.js";
import type { NewJob } from "../../src/db/requests.js";
import { freshDatabaseUrl, type Backend, type FreshDatabase } from "./databases.js";

/**
 * A fresh database of `kind`, migrated and opened before the tests of the describe block that
 * calls this (handed to `opened`), closed and dropped after them.
 */
export function databaseForSuite(kind: Backend, opened: (d: Db, fresh: FreshDatabase) => void): void {
  let fresh: FreshDatabase | undefined;
  let d: Db | undefined;
  beforeAll(async () => {
    fresh = await freshDatabaseUrl(kind);
    d = await openDatabase(fresh.url);
    opened(d, fresh);
  });
  afterAll(async () => {
    await d?.close();
    await fresh?.drop();
  });
}

/** A running build of `pkg` (input key `key-PKG`, evr 1.0-1): its id. */
export const testBuild = (d: Db, pkg: string, inputs = "{}"): Promise<number> =>
  createBuild(d.db, {
    package: pkg,
    reason: "test",
    inputKey: `key-${pkg}`,
    inputs,
    evr: "1.0-1",
    logPath: (id) => `/logs/${id}/build.log`,
  });

/** A job of a new request, keyed PACKAGE/…, with no labels, priority or needs unless `o` says. */
export const testJob = (key: string, o: Partial<NewJob> = {}): NewJob => ({
  key,
  package: key.split("/")[0]!,
  reason: "test",
  labels: {},
  priority: 0,
  needs: [],
  needsJobs: [],
  ...o,
});
