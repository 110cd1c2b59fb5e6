// What `kiln build` is asked to do, what it says while it runs, and what it reports at the end.
import type { UserError } from "../util/errors.js";

export type BuildEvent =
  | { type: "loaded"; packages: number; cached: number; read: number; ms: number }
  | { type: "error"; package: string; error: UserError }
  | { type: "plan"; toBuild: string[]; upToDate: number; blocked: number }
  | { type: "start"; package: string; buildId: number; reason: string }
  | { type: "up-to-date"; package: string }
  /** `sameAs`: its output equals that published build's, published anyway (early cutoff off). */
  | { type: "green"; package: string; buildId: number; ms: number; changed?: string[]; sameAs?: number }
  /** Early cutoff: its output equals the published build `sameAs`; not published. */
  | { type: "cut-off"; package: string; buildId: number; ms: number; sameAs: number }
  | { type: "failed"; package: string; buildId?: number; error: string; logPath?: string }
  /** `because`: what stops the packages it needs ("awaits approval"); default: they cannot build. */
  | { type: "blocked"; package: string; by: string[]; because?: string }
  | { type: "published"; repo: string; snapshot: number; packages: number }
  | { type: "cancelled"; package: string; buildId?: number }
  /** One job of a package's pipeline ended (pipelines with more than the build job). */
  | { type: "job"; package: string; stage: string; job: string; ok: boolean; ms: number; error?: string }
  | { type: "awaiting-approval"; package: string; buildId: number; stage: string };

export interface BuildOptions {
  /** Packages to build; empty means every package that is not up to date. */
  targets: string[];
  jobs: number;
  /** Packages to rebuild even when they are up to date. */
  forced?: readonly string[];
  /** Run the pipeline stages that need approval (without it, a package stops before them). */
  approve?: boolean;
  signal?: AbortSignal;
  onEvent?: (e: BuildEvent) => void;
}

export interface BuildSummary {
  built: string[];
  upToDate: string[];
  /** Rebuilt with an output equivalent to what was published: not published (early cutoff). */
  cutOff: string[];
  /** Stopped before a pipeline stage that needs approval (kiln build --approve runs it). */
  awaitingApproval: string[];
  failed: string[];
  blocked: string[];
  /** Packages whose spec or dependencies are wrong (they could not be planned). */
  invalid: string[];
  cancelled: string[];
  repo: string;
  repoPath: string;
  /** Binary packages that nothing in the set needs: what a user installs. */
  top: string[];
  /** Wall time of the building phase (up to the last snapshot written). */
  wallMs: number;
  /** Each build's own time, and the time recording its publication took. */
  durations: Map<string, number>;
  publishMs: Map<string, number>;
  /** Time spent writing repository snapshots, beside the builds. */
  snapshotMs: number;
  /** The last snapshot write, which nothing else overlaps. */
  lastSnapshotMs: number;
  /** Why the repository on disk could not be brought up to date, if it could not. */
  snapshotError?: string;
}
