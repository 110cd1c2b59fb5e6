// The farm's health in the API: every check with its state and sentence (GET /api/v1/health), and
// what an agent says of its work directory with each heartbeat.
import { z } from "zod";
import type { DiskReport as CoreDiskReport } from "../core/health.js";

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** The free space of an agent's work directory (statfs), sent with its heartbeats. */
export const DiskReport = z.object({
  path: z.string().max(4096),
  freeBytes: count,
  totalBytes: count,
  freeInodes: count,
  totalInodes: count,
}) satisfies z.ZodType<CoreDiskReport>;

export const HealthStateEnum = z.enum(["ok", "warning", "failing"]);

export const HealthEventView = z.object({ at: z.string(), state: HealthStateEnum, sentence: z.string() });

export const HealthCheckView = z.object({
  key: z.string(),
  subject: z.string(),
  state: HealthStateEnum,
  sentence: z.string(),
  since: z.string(),
  checkedAt: z.string(),
  /** Its last changes of state, newest first. */
  history: z.array(HealthEventView),
});
export type HealthCheckView = z.infer<typeof HealthCheckView>;

export const HealthView = z.object({
  /** The worst state of any check. */
  state: HealthStateEnum,
  checks: z.array(HealthCheckView),
});
export type HealthView = z.infer<typeof HealthView>;
