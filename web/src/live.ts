// One EventSource for the whole app: the server's `change` events (builds, jobs, agents or
// repositories changed) make the visible page fetch its data again. EventSource reconnects by
// itself; after a lost connection every page refetches, since changes may have been missed.
import { useSyncExternalStore } from "react";
import { API } from "./api";

export type LiveState = "connecting" | "live" | "reconnecting";

const changeListeners = new Set<() => void>();
const stateListeners = new Set<() => void>();
let source: EventSource | null = null;
let state: LiveState = "connecting";
let lostOnce = false;
let retry: ReturnType<typeof setTimeout> | undefined;

function setState(next: LiveState): void {
  if (next === state) return;
  state = next;
  for (const fn of stateListeners) fn();
}

function changed(): void {
  for (const fn of [...changeListeners]) fn();
}

function connect(): void {
  if (source) return;
  const es = new EventSource(`${API}/events`);
  source = es;
  es.addEventListener("open", () => {
    setState("live");
    if (lostOnce) changed();
  });
  es.addEventListener("change", changed);
  es.addEventListener("error", () => {
    lostOnce = true;
    setState("reconnecting");
    // EventSource gives up for good on some failures (an answer that is not an event stream, such
    // as a proxy's error page): start a new one a little later.
    if (es.readyState === EventSource.CLOSED) {
      es.close();
      source = null;
      clearTimeout(retry);
      retry = setTimeout(connect, 3000);
    }
  });
}

/** Calls fn on every change the server announces (and after a reconnection). */
export function onChange(fn: () => void): () => void {
  connect();
  changeListeners.add(fn);
  return () => {
    changeListeners.delete(fn);
  };
}

function subscribeState(fn: () => void): () => void {
  connect();
  stateListeners.add(fn);
  return () => {
    stateListeners.delete(fn);
  };
}

export function useLiveState(): LiveState {
  return useSyncExternalStore(subscribeState, () => state);
}
