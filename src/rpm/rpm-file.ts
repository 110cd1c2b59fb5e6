// Before rpm reads a file Kiln did not write, the file must be an RPM: a regular file (no link, no
// device) whose first bytes are the RPM lead's magic. `rpm -qp` treats any other file as a manifest
// (a list of paths to open) and names what it finds there in its errors (docs/SECURITY.md).
import { openRegular, RefusedFileError } from "../util/safe-fs.js";

/** The RPM lead's magic number (rpmlib's RPMLEAD_MAGIC). */
const LEAD_MAGIC = Buffer.from([0xed, 0xab, 0xee, 0xdb]);

/** Throws a RefusedFileError naming `shown(f)` unless each of `files` is a regular file that starts as an RPM. */
export async function assertRpmFiles(
  files: readonly string[],
  shown: (f: string) => string = (f) => f,
): Promise<void> {
  for (const f of files) {
    const name = shown(f);
    const { fh } = await openRegular(f, { shown: name });
    try {
      const head = Buffer.alloc(LEAD_MAGIC.length);
      const { bytesRead } = await fh.read(head, 0, head.length, 0);
      if (bytesRead < head.length || !head.equals(LEAD_MAGIC)) {
        throw new RefusedFileError(
          "not-rpm",
          name,
          `${name} is not an RPM package (it does not start with an RPM lead)`,
        );
      }
    } finally {
      await fh.close();
    }
  }
}
