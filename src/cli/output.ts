// How the CLI prints errors and paths: relative to where the user is, with file:line first.
import { isAbsolute, join, relative } from "node:path";
import pc from "picocolors";
import { formatLocation, UserError } from "../util/errors.js";

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
