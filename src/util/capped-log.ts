// A build's log on disk, with a size limit: what a build prints past the limit is dropped, and the
// log says once that it was cut (a build may print without end; the farm's disk is not its to fill).
import { createWriteStream, type WriteStream } from "node:fs";

/** What exec() and the steps write a log through. */
export interface LogSink {
  write(chunk: string | Buffer): void;
}

export class CappedLog implements LogSink {
  private readonly out: WriteStream;
  private written = 0;
  private cut = false;

  constructor(
    path: string,
    private readonly maxBytes: number,
  ) {
    this.out = createWriteStream(path);
  }

  write(chunk: string | Buffer): void {
    if (this.cut) return;
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    const room = this.maxBytes - this.written;
    if (buf.length <= room) {
      this.out.write(buf);
      this.written += buf.length;
      return;
    }
    if (room > 0) this.out.write(buf.subarray(0, room));
    this.written += Math.max(0, room);
    this.cut = true;
    this.out.write(
      `\nkiln: the log was cut at ${this.maxBytes} bytes (--max-log-mb); the rest was dropped\n`,
    );
  }

  end(): Promise<void> {
    return new Promise((r) => this.out.end(r));
  }
}
