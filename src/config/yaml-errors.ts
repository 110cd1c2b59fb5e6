// Turns YAML syntax errors and schema violations into UserErrors that point at file:line:column.
import { isCollection, isScalar, type Document, type LineCounter, type YAMLError } from "yaml";
import type { ZodError } from "zod";
import { UserError } from "../util/errors.js";

export function yamlSyntaxError(file: string, err: YAMLError): UserError {
  const pos = err.linePos?.[0];
  // The first line of yaml's pretty message, without its " at line L, column C:" (the location says it).
  const message = (err.message.split("\n")[0] ?? err.message).replace(/ at line \d+, column \d+:?$/, "");
  return new UserError("CONFIG_INVALID", `invalid YAML: ${message}`, {
    file,
    ...(pos ? { line: pos.line, column: pos.col } : {}),
  });
}

/**
 * The closest node to `path` that exists in the document, for pointing at the right line. With
 * `atKey`, the last element of the path is a key, and the key is pointed at rather than its value.
 */
function locate(
  doc: Document,
  lines: LineCounter,
  path: PropertyKey[],
  atKey = false,
): { line: number; column: number } {
  let node: unknown = doc.contents;
  let found = node;
  for (const [i, key] of path.entries()) {
    if (!isCollection(node)) break;
    const next: unknown = node.get(key, true);
    if (next === undefined || (atKey && i === path.length - 1)) {
      // The key itself is missing or unknown: point at the key when it exists, else the parent.
      const pair = (node.items as { key?: unknown }[]).find((p) => isScalar(p.key) && p.key.value === key);
      if (pair && isScalar(pair.key)) found = pair.key;
      break;
    }
    node = next;
    found = next;
  }
  const range = (found as { range?: [number, number, number] } | null)?.range;
  const pos = lines.linePos(range ? range[0] : 0);
  return { line: pos.line, column: pos.col };
}

/** An error about the value at `path` of a parsed file, pointing at its line and column. */
export function errorAt(
  file: string,
  doc: Document,
  lines: LineCounter,
  path: PropertyKey[],
  message: string,
  hint?: string,
): UserError {
  return new UserError("CONFIG_INVALID", message, { file, ...locate(doc, lines, path) }, hint);
}

export function schemaError(file: string, doc: Document, lines: LineCounter, err: ZodError): UserError {
  const issue = err.issues[0]!;
  const path = issue.path;
  let message = issue.message;
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys;
    return new UserError(
      "CONFIG_INVALID",
      `unknown key ${keys.map((k) => `"${k}"`).join(", ")}${path.length ? ` in ${path.join(".")}` : ""}`,
      { file, ...locate(doc, lines, [...path, keys[0]!], true) },
      "check the spelling; see README.md for the keys kiln.yaml takes",
    );
  }
  const field = path.length ? path.join(".") : "(top level)";
  if (err.issues.length > 1) message += ` (and ${err.issues.length - 1} more problem(s))`;
  return new UserError("CONFIG_INVALID", `${field}: ${message}`, { file, ...locate(doc, lines, path) });
}
