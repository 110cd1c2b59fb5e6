// Repositories: what they hold, their history, promotion and its refusals.
import { z } from "zod";

export const RepositoryView = z.object({
  name: z.string(),
  description: z.string().nullable(),
  snapshot: z.number(),
  keep: z.number(),
  signed: z.boolean(),
  url: z.string(),
  promote: z.object({
    from: z.array(z.string()).nullable(),
    soakSeconds: z.number().nullable(),
    requireStages: z.array(z.string()).nullable(),
  }),
  packages: z.array(
    z.object({
      package: z.string(),
      build: z.number(),
      evr: z.string(),
      publishedAt: z.string(),
      /** Older builds kept for downgrades, newest first. */
      kept: z.array(z.object({ build: z.number(), evr: z.string() })),
    }),
  ),
});

export const HistoryEntry = z.object({
  id: z.number(),
  repo: z.string(),
  package: z.string(),
  action: z.enum(["publish", "promote", "demote", "remove"]),
  build: z.number().nullable(),
  evr: z.string().nullable(),
  previousBuild: z.number().nullable(),
  from: z.string().nullable(),
  actor: z.string(),
  reason: z.string().nullable(),
  at: z.string(),
});

export const MovedView = z.object({
  package: z.string(),
  build: z.number(),
  evr: z.string(),
  previous: z.number().nullable(),
});

export type RepositoryView = z.infer<typeof RepositoryView>;
export type HistoryEntry = z.infer<typeof HistoryEntry>;
export type MovedView = z.infer<typeof MovedView>;

/** Why a promotion (or demotion) may not go ahead: every reason, and what would make it go through. */
export const PromotionRefusal = z.object({
  headline: z.string(),
  reasons: z.array(z.string()),
  missing: z.array(z.object({ requirement: z.string(), neededBy: z.string() })),
  /** Packages of the source repository that would bring what is missing. */
  suggest: z.array(z.string()),
  hint: z.string().optional(),
});
export type PromotionRefusal = z.infer<typeof PromotionRefusal>;

/** A promotion done (201), or checked with dryRun (200: what would move, or `refusal`). */
export const PromotionResult = z.object({
  moved: z.array(MovedView),
  snapshot: z.number().nullable(),
  refusal: PromotionRefusal.optional(),
});
export type PromotionResult = z.infer<typeof PromotionResult>;
