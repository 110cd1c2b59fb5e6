import type { RequestCause } from "../../src/api/schemas";

/** Why a request was made, in a few words. */
export function causeText(cause: RequestCause | null): string {
  if (!cause) return "submitted";
  switch (cause.kind) {
    case "commit":
      return `commit ${cause.commit.slice(0, 10)}: ${cause.subject}`;
    case "rebuild":
      return `rebuild of ${cause.packages.join(", ")}${cause.downstream ? " with everything downstream" : ""}`;
    case "submit":
      return "submitted";
    case "command":
      return `command ${cause.command}${cause.unsandboxed ? " (without the sandbox)" : ""}`;
  }
}
