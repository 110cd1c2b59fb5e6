// The free space of the file system a directory is on (statfs), as the health checks read it.
import { statfs } from "node:fs/promises";

/** Free space of one file system, as statfs gives it. */
export interface DiskReport {
  path: string;
  freeBytes: number;
  totalBytes: number;
  freeInodes: number;
  totalInodes: number;
}

/** Undefined when the directory cannot be read (it is reported missing elsewhere). */
export async function diskOf(path: string): Promise<DiskReport | undefined> {
  try {
    const s = await statfs(path);
    return {
      path,
      freeBytes: s.bavail * s.bsize,
      totalBytes: s.blocks * s.bsize,
      freeInodes: s.ffree,
      totalInodes: s.files,
    };
  } catch {
    return undefined;
  }
}
