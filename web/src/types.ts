// The repository endpoints' shapes, from the server's own schemas (type-only: nothing of the server
// is bundled).
export type {
  HistoryEntry,
  MovedView as Moved,
  PromotionRefusal as Refusal,
  PromotionResult,
  RepositoryView,
} from "../../src/api/schemas";
