// A log followed live (GET …/log?follow=1, server-sent events): its lines as they arrive, until the
// server says it ended. EventSource reconnects by itself and the server resumes from Last-Event-ID.
import { useEffect, useState } from "react";
import { LogParser, type LogLine } from "./logParse";

export interface LogStream {
  lines: LogLine[];
  /** The last line, still without its newline. */
  partial: LogLine | null;
  state: "connecting" | "streaming" | "reconnecting" | "ended" | "failed";
  /** How it ended (the build's or job's status), once it has. */
  end: { status: string; error: string | null } | null;
}

const INITIAL: LogStream = { lines: [], partial: null, state: "connecting", end: null };

export function useLogStream(src: string): LogStream {
  const [log, setLog] = useState<{ src: string; stream: LogStream }>({ src, stream: INITIAL });
  useEffect(() => {
    const parser = new LogParser();
    const es = new EventSource(`${src}${src.includes("?") ? "&" : "?"}follow=1`);
    const update = (fn: (s: LogStream) => LogStream): void =>
      setLog((prev) => ({ src, stream: fn(prev.src === src ? prev.stream : INITIAL) }));
    es.addEventListener("open", () => update((s) => ({ ...s, state: "streaming" })));
    es.addEventListener("log", (e) => {
      const chunk = JSON.parse((e as MessageEvent<string>).data) as string;
      const lines = parser.push(chunk);
      const partial = parser.partial();
      update((s) => ({
        ...s,
        state: "streaming",
        lines: lines.length ? s.lines.concat(lines) : s.lines,
        partial,
      }));
    });
    es.addEventListener("end", (e) => {
      es.close();
      const end = JSON.parse((e as MessageEvent<string>).data) as LogStream["end"];
      update((s) => ({ ...s, state: "ended", end }));
    });
    es.addEventListener("error", () => {
      if (es.readyState === EventSource.CLOSED) update((s) => ({ ...s, state: "failed" }));
      else update((s) => ({ ...s, state: "reconnecting" }));
    });
    return () => es.close();
  }, [src]);
  return log.src === src ? log.stream : INITIAL;
}
