// Sends a job's log to the server as it grows, from the byte offset the server has. A log the server
// cut at its limit stays on the agent (uploaded with the artifacts, cut the same way by the job).
import { open } from "node:fs/promises";
import { ApiError } from "../api/client.js";
import type { LeasedJob } from "../api/schemas.js";
import type { CoordinatorLink } from "./link.js";

export class LogStreamer {
  private offset = 0;
  private readonly timer: NodeJS.Timeout;
  private sending: Promise<void> = Promise.resolve();
  private done = false;

  constructor(
    private readonly link: CoordinatorLink,
    private readonly j: LeasedJob,
    private readonly path: string,
    private readonly log: (line: string) => void,
  ) {
    this.timer = setInterval(() => {
      this.sending = this.sending.then(() => this.send());
    }, 300);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sending;
    await this.send();
  }

  private async send(): Promise<void> {
    if (this.done) return;
    const fh = await open(this.path, "r").catch(() => undefined);
    if (!fh) return;
    try {
      for (;;) {
        const buf = Buffer.alloc(256 * 1024);
        const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
        if (bytesRead === 0) return;
        try {
          // The coordinator's size says where to go on from (it may have more, or less, than sent).
          const body = await this.link.appendLog(this.j, this.offset, buf.subarray(0, bytesRead));
          this.offset = body.size;
          if (body.cut) {
            this.done = true;
            return;
          }
        } catch (e) {
          // The server is away or the lease is gone: the whole log is uploaded at the end anyway.
          if (!(e instanceof ApiError && e.transient)) this.log(`log: ${(e as Error).message}`);
          return;
        }
      }
    } finally {
      await fh.close();
    }
  }
}
