// A job's status, shared by the queue's schemas and the UI's (its own file: both import it).
import { z } from "zod";

export const JobStatus = z.enum([
  "queued",
  "leased",
  "green",
  "cut-off",
  "up-to-date",
  "failed",
  "blocked",
  "cancelled",
]);
