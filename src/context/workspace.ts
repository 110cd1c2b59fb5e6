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
import { decide, defaultPolicy, jobMode, type SandboxMode } from "../core/sandbox-policy.js";
import { probeSandbox, type SandboxProbe } from "../sandbox/bubblewrap.js";
import { UserError } from "../util/errors.js";
import { checkSetDir } from "../set/load-set.js";
import { DataDir } from "./data-dir.js";

export type { SandboxMode };

export const DEFAULT_SPEC_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_LOG_BYTES = 100 * 1024 * 1024;

/** The operator's sandbox policy and whether bubblewrap works on this machine. */
export type SandboxState = { policy: SandboxMode } & Pick<SandboxProbe, "available" | "reason">;

export interface Workspace {
  setDir: string;
  config: SetConfig;
  data: DataDir;
  db: Kysely<Database>;
  store: ArtifactStore;
  roots: BuildRootCache;
  /** Whether spec parsing and local builds are sandboxed: the operator's policy tightened by kiln.yaml. */
  sandbox: boolean;
  sandboxState: SandboxState;
  /** Longest a single spec may take to read (kiln --spec-timeout; default 30 s). */
  specTimeoutMs: number;
  /** A build's log is cut at this size (kiln --max-log-mb; default 100 MiB). */
  maxLogBytes: number;
  /** Why they do not, in words, when they do not. */
  sandboxNote?: string;
  close(): Promise<void>;
}

export interface WorkspaceOptions extends Partial<Pick<Workspace, "specTimeoutMs" | "maxLogBytes">> {
  setDir: string;
  /** Default: .kiln/ inside the set. */
  dataDir?: string;
  /** The database URL (src/db/connect.ts). Default: sqlite:kiln.db in the data directory. */
  dbUrl?: string;
  /** The operator's sandbox policy (default: required where bubblewrap works, else auto). */
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
    const repositories = config.repositories.map((r) => r.name);
    await ensureRepositories(db, repositories);
    const probe = await probeSandbox();
    const policy = opts.sandbox ?? defaultPolicy(probe.available);
    const state = { policy, available: probe.available, ...(probe.reason ? { reason: probe.reason } : {}) };
    const mode = jobMode(policy, config.build.sandbox);
    // Locally the operator and the job's author may be one person: an "off" job runs as asked.
    const why = probe.reason ? `bubblewrap does not work here: ${probe.reason}` : undefined;
    const local = decide(mode, mode, probe.available, why);
    if ("refuse" in local) {
      await close();
      // Name who asked for the sandbox: the set's kiln.yaml only when it tightened the policy.
      const bySet = config.build.sandbox === "required" && policy !== "required";
      throw new UserError(
        "SANDBOX_UNAVAILABLE",
        `${local.refuse} (${bySet ? "kiln.yaml: build.sandbox: required" : `--sandbox ${policy}`})`,
        bySet ? { file: join(setDir, "kiln.yaml") } : undefined,
        "install bubblewrap and allow user namespaces (unshare -Ur true must work), or pass --sandbox auto",
      );
    }
    const store = new ArtifactStore(data.artifacts);
    return {
      setDir,
      config,
      data,
      db,
      store,
      roots: new BuildRootCache(data.buildroots, store),
      sandbox: local.run === "sandboxed",
      sandboxState: state,
      specTimeoutMs: opts.specTimeoutMs ?? DEFAULT_SPEC_TIMEOUT_MS,
      maxLogBytes: opts.maxLogBytes ?? DEFAULT_MAX_LOG_BYTES,
      ...(local.run === "unsandboxed" ? { sandboxNote: local.note } : {}),
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
