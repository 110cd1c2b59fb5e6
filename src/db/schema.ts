// The database's tables as Kysely sees them. JSON columns hold text; times are ISO-8601 text
// (the same on SQLite and PostgreSQL).
import type { Generated, Insertable, Selectable } from "kysely";

export interface SpecCacheTable {
  key: string;
  data: string;
  created_at: string;
}

export type BuildStatus = "running" | "green" | "failed" | "cancelled";

export interface BuildsTable {
  id: Generated<number>;
  package: string;
  status: BuildStatus;
  /** Why this build started, in words. */
  reason: string;
  /** sha256 over everything the build consumed (see src/build/inputs.ts). */
  input_key: string;
  /** JSON of BuildInputs. */
  inputs: string;
  evr: string;
  log_path: string;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
}

export type ArtifactKind = "rpm" | "srpm" | "log";

export interface ArtifactsTable {
  id: Generated<number>;
  build_id: number;
  kind: ArtifactKind;
  filename: string;
  sha256: string;
  size: number;
  /** rpm and srpm only: the package's header data. */
  name: string | null;
  epoch: number | null;
  version: string | null;
  release: string | null;
  arch: string | null;
  /** JSON string arrays, rpm only. */
  provides: string | null;
  requires: string | null;
  files: string | null;
}

export interface RepoPackagesTable {
  repo: string;
  package: string;
  build_id: number;
  published_at: string;
}

export interface RepositoriesTable {
  name: string;
  /** Number of the snapshot clients see now; 0 before the first publish. */
  snapshot: number;
  /** Bumped by every publication recorded in repo_packages. */
  content_version: number;
  /** The content_version the current snapshot was written from: behind it, the disk lags. */
  snapshot_content_version: number;
  /** The published host-provides package's release and the capabilities it provides (JSON). */
  host_provides_release: number;
  host_provides: string;
  /** The generated host-provides RPM in the artifact store, once there is one. */
  host_provides_sha256: string | null;
  host_provides_filename: string | null;
  updated_at: string;
}

export interface SetSnapshotsTable {
  set_dir: string;
  /** JSON of a SetSnapshot (src/set/set-snapshot.ts). */
  data: string;
  updated_at: string;
}

export interface Database {
  spec_cache: SpecCacheTable;
  builds: BuildsTable;
  artifacts: ArtifactsTable;
  repo_packages: RepoPackagesTable;
  repositories: RepositoriesTable;
  set_snapshots: SetSnapshotsTable;
}

export type BuildRow = Selectable<BuildsTable>;
export type NewBuild = Insertable<BuildsTable>;
export type ArtifactRow = Selectable<ArtifactsTable>;
export type NewArtifact = Insertable<ArtifactsTable>;
export type RepositoryRow = Selectable<RepositoriesTable>;
