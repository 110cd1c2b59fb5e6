import { useLiveState } from "../live";

/** Whether the page is receiving the server's change events. */
export function LiveIndicator() {
  const state = useLiveState();
  const text = state === "live" ? "live" : state === "connecting" ? "connecting…" : "reconnecting…";
  return (
    <span className={`live live-${state}`} role="status" title="Live updates from the server">
      <span className="live-dot" aria-hidden="true" />
      {text}
    </span>
  );
}
