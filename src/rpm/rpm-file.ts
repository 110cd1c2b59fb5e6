// Before rpm reads a file Kiln did not write, the file must be an RPM: a regular file (no link, no
// device) whose first bytes are the RPM lead's magic. `rpm -qp` treats any other file as a manifest
// (a list of paths to open) and names what it finds there in its errors (docs/SECURITY.md).
import { openRegular, RefusedFileError } from "../util/safe-fs.js";

/** The RPM lead's magic number (rpmlib's RPMLEAD_MAGIC). */
const LEAD_MAGIC = Buffer.from([0xed, 0xab, 0xee, 0xdb]);

/** Throws a RefusedFileError naming `shown` unless `path` is a regular file that starts as an RPM. */
export async function assertRpmFile(path: string, shown = path): Promise<void> {
  const { fh } = await openRegular(path, { shown });
  try {
    const head = Buffer.alloc(LEAD_MAGIC.length);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    if (bytesRead < head.length || !head.equals(LEAD_MAGIC)) {
      throw new RefusedFileError(
        "not-rpm",
        shown,
        `${shown} is not an RPM package (it does not start with an RPM lead)`,
      );
    }
  } finally {
    await fh.close();
  }
}

/** assertRpmFile for every file, in order; `shown` names each one in errors. */
export async function assertRpmFiles(
  files: readonly string[],
  shown: (f: string) => string = (f) => f,
): Promise<void> {
  for (const f of files) await assertRpmFile(f, shown(f));
}
