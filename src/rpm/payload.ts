// Unpacks an RPM's payload into a directory with rpm2cpio and cpio (the tools every rpm host has).
import { exec } from "../util/exec.js";

export async function extractPayload(rpmFile: string, into: string): Promise<void> {
  await exec([
    "sh",
    "-c",
    'rpm2cpio "$1" | cpio -idm --quiet --no-absolute-filenames -D "$2"',
    "extract",
    rpmFile,
    into,
  ]);
}
