// A build's (or a job's) log, streamed live: ANSI colours, numbered lines (#L12 links), follows the
// tail unless the reader scrolled up, and a search that highlights and jumps between matches.
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { useLocation } from "react-router";
import type { LogLine, Segment } from "../logParse";
import { statusLabel } from "../format";
import { useLogStream } from "../useLogStream";
import { StatusBadge } from "./StatusBadge";

/** Matches in one line: [start, end) offsets in its text. */
type Range = readonly [number, number];

const MAX_MATCHES = 10_000;

export function LogView({ src, label }: { src: string; label: string }) {
  const log = useLogStream(src);
  const { hash } = useLocation();
  const target = /^#L(\d+)$/.exec(hash);
  const targetLine = target ? Number(target[1]) : null;
  const [follow, setFollow] = useState(targetLine === null);
  const [query, setQuery] = useState("");
  const [current, setCurrent] = useState(0);
  const [jump, setJump] = useState(0);
  const box = useRef<HTMLDivElement>(null);

  const lines = useMemo(
    () => (log.partial ? [...log.lines, log.partial] : log.lines),
    [log.lines, log.partial],
  );

  // Every match of the search, in order, and each line's ranges.
  const { matches, byLine } = useMemo(() => {
    const matches: { line: number; index: number }[] = [];
    const byLine = new Map<number, Range[]>();
    const q = query.toLowerCase();
    if (!q) return { matches, byLine };
    for (let i = 0; i < lines.length && matches.length < MAX_MATCHES; i++) {
      const text = lines[i]!.text.toLowerCase();
      let at = text.indexOf(q);
      if (at < 0) continue;
      const ranges: Range[] = [];
      while (at >= 0 && matches.length < MAX_MATCHES) {
        matches.push({ line: i, index: ranges.length });
        ranges.push([at, at + q.length]);
        at = text.indexOf(q, at + q.length);
      }
      byLine.set(i, ranges);
    }
    return { matches, byLine };
  }, [lines, query]);

  const k = matches.length ? Math.min(current, matches.length - 1) : -1;
  const currentMatch = k >= 0 ? matches[k] : undefined;

  // Follow the tail while it grows.
  useLayoutEffect(() => {
    const el = box.current;
    if (follow && el) el.scrollTop = el.scrollHeight;
  }, [lines, follow]);

  // A #L12 in the address: scrolled to once that line has arrived (and again when it changes).
  const scrolledTo = useRef<number | null>(null);
  useEffect(() => {
    if (targetLine === null || scrolledTo.current === targetLine || lines.length < targetLine) return;
    scrolledTo.current = targetLine;
    setFollow(false);
    box.current?.querySelector(`#L${targetLine}`)?.scrollIntoView({ block: "center" });
  }, [targetLine, lines.length]);

  // A jump to a match (typing, Enter, the buttons): bring it into view.
  useEffect(() => {
    if (jump === 0) return;
    box.current?.querySelector(".match-current")?.scrollIntoView({ block: "center" });
  }, [jump]);

  const go = (delta: number): void => {
    if (!matches.length) return;
    setFollow(false);
    setCurrent((c) => (Math.min(c, matches.length - 1) + delta + matches.length) % matches.length);
    setJump((j) => j + 1);
  };

  const onScroll = (): void => {
    const el = box.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 4;
    if (atBottom !== follow) setFollow(atBottom);
  };

  return (
    <div className="log">
      <div className="log-toolbar">
        <label className="field field-inline">
          <span>Search the log</span>
          <input
            type="search"
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
              setCurrent(0);
              if (e.target.value) {
                setFollow(false);
                setJump((j) => j + 1);
              }
            }}
            onKeyDown={(e) => {
              if (e.key === "Enter") {
                e.preventDefault();
                go(e.shiftKey ? -1 : 1);
              }
            }}
          />
        </label>
        <button type="button" className="button" onClick={() => go(-1)} disabled={!matches.length}>
          Previous match
        </button>
        <button type="button" className="button" onClick={() => go(1)} disabled={!matches.length}>
          Next match
        </button>
        <span className="match-count" role="status" aria-live="polite">
          {query
            ? matches.length
              ? `${k + 1} of ${matches.length}${matches.length >= MAX_MATCHES ? "+" : ""}`
              : "no matches"
            : ""}
        </span>
        <button
          type="button"
          className="button"
          aria-pressed={follow}
          onClick={() => {
            const el = box.current;
            if (!follow && el) el.scrollTop = el.scrollHeight;
            setFollow(!follow);
          }}
        >
          Follow
        </button>
        <a className="button button-quiet" href={src} target="_blank" rel="noreferrer">
          Raw log
        </a>
        <LogState log={log} />
      </div>
      <div ref={box} className="log-lines" role="region" aria-label={label} tabIndex={0} onScroll={onScroll}>
        {lines.length === 0 && (
          <p className="log-empty">
            {log.state === "ended" || log.state === "failed" ? "The log is empty." : "Waiting for the log…"}
          </p>
        )}
        {lines.map((line, i) => (
          <Line
            key={i}
            n={i + 1}
            line={line}
            ranges={byLine.get(i)}
            current={currentMatch?.line === i ? currentMatch.index : -1}
            target={targetLine === i + 1}
          />
        ))}
      </div>
    </div>
  );
}

function LogState({ log }: { log: ReturnType<typeof useLogStream> }) {
  switch (log.state) {
    case "connecting":
      return <span className="muted">connecting…</span>;
    case "streaming":
      return <span className="muted">streaming live…</span>;
    case "reconnecting":
      return <span className="muted">reconnecting…</span>;
    case "failed":
      return (
        <span className="error inline-error" role="alert">
          the log could not be read
        </span>
      );
    case "ended":
      return log.end ? (
        <span className="muted">
          ended: <StatusBadge status={log.end.status} label={statusLabel(log.end.status)} />
        </span>
      ) : null;
  }
}

const Line = memo(function Line({
  n,
  line,
  ranges,
  current,
  target,
}: {
  n: number;
  line: LogLine;
  ranges: readonly Range[] | undefined;
  current: number;
  target: boolean;
}) {
  return (
    <div id={`L${n}`} className={target ? "log-line log-line-target" : "log-line"}>
      <a className="log-ln" href={`#L${n}`}>
        {n}
      </a>
      <span className="log-text">
        {ranges ? highlight(line.segments, ranges, current) : plain(line.segments)}
      </span>
    </div>
  );
});

function span(seg: Segment, text: ReactNode, key: number | string): ReactNode {
  if (!seg.className && !seg.style) return <span key={key}>{text}</span>;
  return (
    <span key={key} className={seg.className} style={seg.style}>
      {text}
    </span>
  );
}

function plain(segments: readonly Segment[]): ReactNode[] {
  return segments.map((s, i) => span(s, s.text, i));
}

/** The segments with each match wrapped in <mark> (the current one marked as such). */
function highlight(segments: readonly Segment[], ranges: readonly Range[], current: number): ReactNode[] {
  const out: ReactNode[] = [];
  let pos = 0;
  segments.forEach((seg, si) => {
    const start = pos;
    const end = pos + seg.text.length;
    pos = end;
    const parts: ReactNode[] = [];
    let at = start;
    ranges.forEach(([a, b], ri) => {
      if (b <= at || a >= end) return;
      const from = Math.max(a, at);
      const to = Math.min(b, end);
      if (from > at) parts.push(seg.text.slice(at - start, from - start));
      parts.push(
        <mark key={`m${ri}`} className={ri === current ? "match match-current" : "match"}>
          {seg.text.slice(from - start, to - start)}
        </mark>,
      );
      at = to;
    });
    if (at < end) parts.push(seg.text.slice(at - start));
    out.push(span(seg, parts, si));
  });
  return out;
}
