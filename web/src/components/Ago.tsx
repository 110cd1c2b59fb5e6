import { ago, dateTime, until } from "../format";
import { useNow } from "./useNow";

/** "12 s ago", with the exact time on hover and for machines. */
export function Ago({ at }: { at: string | null | undefined }) {
  const now = useNow();
  if (!at) return <span>never</span>;
  return (
    <time dateTime={at} title={dateTime(at)}>
      {ago(at, now)}
    </time>
  );
}

/** "in 5 min", with the exact time on hover and for machines. */
export function Until({ at }: { at: string | null | undefined }) {
  const now = useNow();
  if (!at) return <span>never</span>;
  return (
    <time dateTime={at} title={dateTime(at)}>
      {until(at, now)}
    </time>
  );
}
