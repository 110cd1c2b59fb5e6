import { exec } from "../util/exec.js";

let version: Promise<string> | undefined;

/** `rpm --version` ("RPM version 4.18.0"), asked once per process. */
export function rpmVersion(): Promise<string> {
  version ??= exec(["rpm", "--version"]).then((r) => r.stdout.trim());
  return version;
}
