import { statusLabel, toneOf } from "../format";

/** A status in words, coloured by its tone (never by colour alone). */
export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return <span className={`badge tone-${toneOf(status)}`}>{label ?? statusLabel(status)}</span>;
}
