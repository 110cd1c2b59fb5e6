// The artifact store: every RPM, SRPM and log Kiln keeps, addressed by its sha256. A file is
// written under a temporary name and renamed into place, so a crash never leaves a half-written
// artifact under a real name; an artifact is never modified once stored.
import { createHash, randomUUID } from "node:crypto";
import { constants, createReadStream, createWriteStream, mkdirSync } from "node:fs";
import { chmod, link, mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { ExternalError } from "../util/errors.js";
import { sha256File } from "../util/hash.js";

export interface StoredArtifact {
  sha256: string;
  size: number;
}

export class ChecksumMismatchError extends ExternalError {}

export class ArtifactStore {
  constructor(readonly dir: string) {}

  path(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return join(this.dir, "sha256", sha256.slice(0, 2), sha256);
  }

  async has(sha256: string): Promise<boolean> {
    return stat(this.path(sha256)).then(
      () => true,
      () => false,
    );
  }

  /** Copies a file into the store (checking `expected`); a link is refused, never followed. */
  async put(file: string, expected?: string): Promise<StoredArtifact> {
    const fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    return this.putStream(fh.createReadStream(), expected, file);
  }

  /** Stores what `source` yields, hashing as it writes; with `expected`, only bytes with that sha256. */
  async putStream(
    source: AsyncIterable<Uint8Array>,
    expected?: string,
    what = "upload",
  ): Promise<StoredArtifact> {
    // Nothing is awaited before the pipeline takes `source`: a network stream that fails in the
    // meantime would emit an 'error' nobody listens to, and that ends the process.
    const tmpDir = join(this.dir, "tmp");
    mkdirSync(tmpDir, { recursive: true });
    const tmp = join(tmpDir, randomUUID());
    const hash = createHash("sha256");
    let size = 0;
    try {
      await pipeline(
        source,
        async function* (input: AsyncIterable<Uint8Array>) {
          for await (const chunk of input) {
            hash.update(chunk);
            size += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(tmp, { flags: "wx" }),
      );
      const sha256 = hash.digest("hex");
      if (expected && expected !== sha256) {
        throw new ChecksumMismatchError(`${what}: sha256 is ${sha256}, expected ${expected}`);
      }
      const dest = this.path(sha256);
      await mkdir(dirname(dest), { recursive: true });
      await chmod(tmp, 0o444);
      await rename(tmp, dest);
      return { sha256, size };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /**
   * Makes the artifact appear at `dest` (a hard link where possible), after checking that the
   * stored bytes still have their sha256: a corrupted artifact is never handed out. `verify: false`
   * is only for a caller that verified this very file moments ago.
   */
  async materialize(sha256: string, dest: string, opts: { verify?: boolean } = {}): Promise<void> {
    const src = this.path(sha256);
    if (opts.verify !== false) {
      const actual = await sha256File(src);
      if (actual !== sha256) {
        throw new ChecksumMismatchError(`stored artifact ${src} is corrupted: its sha256 is now ${actual}`);
      }
    }
    await mkdir(dirname(dest), { recursive: true });
    try {
      await link(src, dest);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EXDEV") throw e;
      await pipeline(createReadStream(src), createWriteStream(dest));
    }
  }
}
