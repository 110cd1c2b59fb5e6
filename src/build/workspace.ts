// Everything a command needs to work on a package set: its settings, the data directory and its
// database, the artifact store, the build root cache, and whether builds run sandboxed.
import { readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Kysely } from "kysely";
import { ArtifactStore } from "../artifacts/store.js";
import { BuildRootCache } from "../buildroot/buildroot-cache.js";
import { loadSetConfig, type SetConfig } from "../config/set-config.js";
import { openDatabase } from "../db/connect.js";
import { ensureRepositories } from "../db/repos.js";
import type { Database } from "../db/schema.js";
import { probeSandbox } from "../sandbox/bubblewrap.js";
import { UserError } from "../util/errors.js";
import { checkSetDir } from "../set/load-set.js";
import { DataDir } from "./data-dir.js";

export type SandboxMode = SetConfig["build"]["sandbox"];

export interface Workspace {
  setDir: string;
  config: SetConfig;
  data: DataDir;
  db: Kysely<Database>;
  store: ArtifactStore;
  roots: BuildRootCache;
  sandbox: boolean;
  /** Why builds are not sandboxed, when they are not. */
  sandboxNote?: string;
  close(): Promise<void>;
}

export interface WorkspaceOptions {
  setDir: string;
  /** Default: .kiln/ inside the set. */
  dataDir?: string;
  /** The database URL (src/db/connect.ts). Default: sqlite:kiln.db in the data directory. */
  dbUrl?: string;
  /** Overrides kiln.yaml's build.sandbox. */
  sandbox?: SandboxMode;
  /** Take the data directory for this process (for commands that write). */
  lock?: boolean;
}

export async function openWorkspace(opts: WorkspaceOptions): Promise<Workspace> {
  const setDir = resolve(opts.setDir);
  checkSetDir(setDir);
  const config = await loadSetConfig(setDir);
  const data = new DataDir(opts.dataDir ?? join(setDir, ".kiln"));
  data.create();
  const unlock = opts.lock ? data.lock() : () => {};
  try {
    if (opts.lock) cleanStaleTemporaries(data);
    const { db, close } = await openDatabase(opts.dbUrl ?? data.dbUrl);
    await ensureRepositories(
      db,
      config.repositories.map((r) => r.name),
    );
    const mode = opts.sandbox ?? config.build.sandbox;
    let sandbox = false;
    let sandboxNote: string | undefined;
    if (mode === "off") sandboxNote = "the sandbox is off (build.sandbox: off)";
    else {
      const probe = await probeSandbox();
      sandbox = probe.available;
      if (!probe.available) {
        sandboxNote = `bubblewrap does not work here: ${probe.reason ?? "unknown reason"}`;
        if (mode === "required") {
          await close();
          throw new UserError(
            "SANDBOX_UNAVAILABLE",
            `build.sandbox is "required" but ${sandboxNote}`,
            { file: join(setDir, "kiln.yaml") },
            "install bubblewrap and allow unprivileged user namespaces, or set build.sandbox to auto",
          );
        }
      }
    }
    const store = new ArtifactStore(data.artifacts);
    return {
      setDir,
      config,
      data,
      db,
      store,
      roots: new BuildRootCache(data.buildroots, store),
      sandbox,
      ...(sandboxNote !== undefined ? { sandboxNote } : {}),
      close: async () => {
        await close();
        unlock();
      },
    };
  } catch (e) {
    unlock();
    throw e;
  }
}

/** Half-made things a killed kiln left behind: never used, only removed. */
function cleanStaleTemporaries(data: DataDir): void {
  for (const dir of [data.buildroots, join(data.artifacts, "tmp"), join(data.root, "tmp")]) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) {
      if (dir !== data.buildroots || n.startsWith(".tmp-"))
        rmSync(join(dir, n), { recursive: true, force: true });
    }
  }
}
