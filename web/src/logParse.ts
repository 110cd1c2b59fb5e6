// A log's text as numbered lines of coloured segments: ANSI colours (anser), kept across lines the
// way a terminal keeps them, and carriage returns (progress output) showing what was written last.
import Anser from "anser";
import type { CSSProperties } from "react";

export interface Segment {
  text: string;
  className?: string;
  style?: CSSProperties;
}

export interface LogLine {
  /** The line's text without escapes: what search looks in. */
  text: string;
  segments: Segment[];
}

// Anser's 16 colours are made for a black terminal; these read better on the log's background.
const BASE: Record<string, string> = {
  "0, 0, 0": "var(--ansi-black)",
  "187, 0, 0": "var(--ansi-red)",
  "0, 187, 0": "var(--ansi-green)",
  "187, 187, 0": "var(--ansi-yellow)",
  "0, 0, 187": "var(--ansi-blue)",
  "187, 0, 187": "var(--ansi-magenta)",
  "0, 187, 187": "var(--ansi-cyan)",
  "255, 255, 255": "var(--ansi-white)",
  "85, 85, 85": "var(--ansi-bright-black)",
  "255, 85, 85": "var(--ansi-bright-red)",
  "0, 255, 0": "var(--ansi-bright-green)",
  "255, 255, 85": "var(--ansi-bright-yellow)",
  "85, 85, 255": "var(--ansi-bright-blue)",
  "255, 85, 255": "var(--ansi-bright-magenta)",
  "85, 255, 255": "var(--ansi-bright-cyan)",
};

const colour = (rgb: string): string => BASE[rgb] ?? `rgb(${rgb})`;

function segmentOf(e: Anser.AnserJsonEntry, text: string): Segment {
  const seg: Segment = { text };
  if (!e.was_processed) return seg;
  let fg = e.fg ? colour(e.fg) : undefined;
  let bg = e.bg ? colour(e.bg) : undefined;
  if (e.decorations.includes("reverse")) {
    [fg, bg] = [bg ?? "var(--log-bg)", fg ?? "var(--log-fg)"];
  }
  if (fg || bg) seg.style = { ...(fg ? { color: fg } : {}), ...(bg ? { backgroundColor: bg } : {}) };
  const classes = e.decorations.filter((d) => d !== "reverse").map((d) => `ansi-${d}`);
  if (classes.length) seg.className = classes.join(" ");
  return seg;
}

/** One line (without its newline) through `anser`, whose colour state carries on to the next. */
function parseLine(anser: Anser, raw: string): LogLine {
  const entries = anser.ansiToJson(raw.replace(/\r+$/, ""), { remove_empty: true });
  // A carriage return inside the line: a terminal shows what was written after the last one.
  let skip = -1;
  let pos = 0;
  for (const e of entries) {
    const i = e.content.lastIndexOf("\r");
    if (i >= 0) skip = pos + i;
    pos += e.content.length;
  }
  const segments: Segment[] = [];
  pos = 0;
  for (const e of entries) {
    const start = pos;
    pos += e.content.length;
    if (pos <= skip + 1) continue;
    const text = start > skip ? e.content : e.content.slice(skip + 1 - start);
    if (text) segments.push(segmentOf(e, text));
  }
  return { text: segments.map((s) => s.text).join(""), segments };
}

/** Turns a log's chunks (as they arrive) into lines. */
export class LogParser {
  private readonly anser = new Anser();
  private pending = "";

  /** The lines this chunk completes. */
  push(chunk: string): LogLine[] {
    const parts = (this.pending + chunk).split("\n");
    this.pending = parts.pop() ?? "";
    return parts.map((p) => parseLine(this.anser, p));
  }

  /** The line still being written (no newline yet), if any. */
  partial(): LogLine | null {
    return this.pending ? parseLine(new Anser(), this.pending) : null;
  }
}
