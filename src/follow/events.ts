// What a build says while it runs, the same for `kiln build` and `kiln build --server`: derived by
// follow-request.ts, drawn by src/cli/progress.ts.
import type { UserError } from "../util/errors.js";

export type BuildEvent =
  /** The set was read (`kiln build` only: the server reads it itself). */
  | { type: "loaded"; packages: number; cached: number; read: number; ms: number }
  /** A package whose spec or dependencies are wrong, with its error (`kiln build` only). */
  | { type: "error"; package: string; error: UserError }
  | { type: "plan"; toBuild: string[]; upToDate: number; blocked: number }
  | { type: "start"; package: string; buildId: number; reason: string; agent?: string }
  | { type: "up-to-date"; package: string }
  /** `sameAs`: its output equals that published build's, published anyway (early cutoff off). */
  | { type: "green"; package: string; buildId: number; ms: number; changed?: string[]; sameAs?: number }
  /** Early cutoff: its output equals the published build `sameAs`; not published. */
  | { type: "cut-off"; package: string; buildId: number; ms: number; sameAs: number }
  /** `log`: where to read the log of the job that failed (a path, or the command that shows it). */
  | { type: "failed"; package: string; buildId?: number; error: string; log?: string }
  /** Invalid: its spec or dependencies are wrong, as the coordinator said it (through a server). */
  | { type: "invalid"; package: string; error: string }
  /** `why`: what it needs that cannot build, or awaits approval ("needs X, which cannot build"). */
  | { type: "blocked"; package: string; why: string }
  | { type: "published"; repo: string; snapshot: number; packages: number }
  | { type: "cancelled"; package: string; buildId?: number }
  /** A job of it went back to the queue (its agent was lost). */
  | { type: "requeued"; package: string; why: string }
  /** One job of a package's pipeline ended (pipelines with more than the build job). */
  | { type: "job"; package: string; stage: string; job: string; ok: boolean; ms: number; error?: string }
  | { type: "awaiting-approval"; package: string; buildId: number; stage: string };
