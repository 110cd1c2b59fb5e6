// How the CLI prints errors and paths: relative to where the user is, with file:line first.
import { isAbsolute, join, relative } from "node:path";
import pc from "picocolors";
import { formatLocation, UserError } from "../util/errors.js";

export const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** A path as the user would type it from their working directory. */
export function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === "" ? "." : rel.startsWith("../../..") ? path : rel;
}

/** "FILE:LINE: message" with the file shown relative to the working directory. */
export function formatUserError(e: UserError, setDir?: string): string {
  let where = "";
  if (e.location) {
    const file = isAbsolute(e.location.file) || !setDir ? e.location.file : join(setDir, e.location.file);
    where = `${formatLocation({ ...e.location, file: shown(file) })}: `;
  }
  return `${where}${e.message}${e.hint ? pc.dim(`\n  ${e.hint}`) : ""}`;
}

export function printError(e: unknown, setDir?: string): void {
  if (e instanceof UserError) console.error(`${pc.red("error:")} ${formatUserError(e, setDir)}`);
  else console.error(`${pc.red("error:")} ${(e as Error).stack ?? String(e)}`);
}

/** Every invalid package's errors on stderr, "PKG: FILE:LINE: message". */
export function printPackageErrors(errors: ReadonlyMap<string, readonly UserError[]>, setDir: string): void {
  for (const [pkg, list] of errors)
    for (const e of list) console.error(`${pkg}: ${formatUserError(e, setDir)}`);
}

/** The invalid packages' errors as --format json carries them. */
export function packageErrorsJson(
  errors: ReadonlyMap<string, readonly UserError[]>,
): Record<string, unknown>[] {
  return [...errors].flatMap(([pkg, list]) =>
    list.map((e) => ({ package: pkg, code: e.code, message: e.message, ...e.location, hint: e.hint })),
  );
}
