// The farm's administration API (admin only): its tokens and its agents.
import { z } from "zod";
import { TokenRole } from "./schemas.js";

export const TokenListEntry = z.object({
  name: z.string(),
  role: TokenRole,
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  revokedBy: z.string().nullable(),
});
export type TokenListEntry = z.infer<typeof TokenListEntry>;
export const TokenList = z.object({ tokens: z.array(TokenListEntry) });

export const NameParams = z.object({ name: z.string().min(1).max(100) });

export const RevokeResponse = z.object({ name: z.string(), revoked: z.literal(true), by: z.string() });

export const AgentAction = z.object({
  name: z.string(),
  state: z.enum(["enabled", "disabled", "deleted"]),
  by: z.string(),
});
export type AgentAction = z.infer<typeof AgentAction>;
