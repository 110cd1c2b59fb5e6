// An update thread as the pages draw it: its steps from detection to stable, which were reached
// (when, and with what note), and where it stopped and why. Pure: the thread's own events only.
import type { UpdateView } from "../../src/api/watch-schemas";
import { UPDATE_PATH, type UpdateState } from "../../src/core/update-thread";

/** The way to stable, in order (accepted: a maintainer or a rule said yes, publishing under way). */
export const STEPS = UPDATE_PATH;
export type Step = (typeof STEPS)[number];

/** The ends other than promoted: the thread stopped on the way. */
export type Stop = Exclude<UpdateState, Step>;

export interface Reached {
  at: string;
  note: string;
  request: number | null;
}

export interface TimelineStep {
  step: Step;
  /** Its last event (a resumed thread may pass a step twice); null: not recorded. */
  reached: Reached | null;
  /** Passed on the way to a later step without an event of its own. */
  passed: boolean;
  /** The step an open thread is at now. */
  current: boolean;
}

export interface Timeline {
  steps: TimelineStep[];
  stop: ({ state: Stop } & Reached) | null;
}

const isStep = (s: UpdateState): s is Step => (STEPS as readonly string[]).includes(s);

function lastEvent(u: UpdateView, state: UpdateState): Reached | null {
  for (let i = u.events.length - 1; i >= 0; i--) {
    const e = u.events[i]!;
    if (e.state === state) return { at: e.at, note: e.note, request: e.request };
  }
  return null;
}

export function timeline(u: UpdateView): Timeline {
  let furthest = -1;
  for (const e of u.events) if (isStep(e.state)) furthest = Math.max(furthest, STEPS.indexOf(e.state));
  if (isStep(u.state)) furthest = Math.max(furthest, STEPS.indexOf(u.state));
  const steps = STEPS.map((step, i): TimelineStep => {
    const reached = lastEvent(u, step);
    return { step, reached, passed: !reached && i < furthest, current: u.open && u.state === step };
  });
  if (isStep(u.state)) return { steps, stop: null };
  const stopped = lastEvent(u, u.state) ?? { at: u.updatedAt, note: u.note, request: u.request };
  return { steps, stop: { state: u.state, ...stopped } };
}

/** A maintainer may still say no: open threads, and those that need a hand or failed. */
export function canReject(u: UpdateView): boolean {
  return u.open || u.state === "needs-hand" || u.state === "failed";
}

/** Open threads first (newest first), then up to `ended` of the recently ended ones. */
export function orderThreads(list: readonly UpdateView[], ended = 20): UpdateView[] {
  const byNewest = (a: UpdateView, b: UpdateView): number =>
    b.updatedAt.localeCompare(a.updatedAt) || b.id - a.id;
  const open = list.filter((u) => u.open).sort((a, b) => b.id - a.id);
  const done = list.filter((u) => !u.open).sort(byNewest);
  return [...open, ...done.slice(0, ended)];
}

/** A hash or commit cut for reading; the whole of it goes in a title. */
export function shortHash(h: string, n = 12): string {
  return h.length > n ? `${h.slice(0, n)}…` : h;
}
