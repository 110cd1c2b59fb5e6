// Reading a kiln.yaml (the set's or a package's): a regular file of at most 1 MiB, never through a
// link, parsed with aliases limited (a "billion laughs" document is refused, not expanded) and
// every failure a CONFIG_INVALID error at its file and line.
import { isAlias, LineCounter, parseDocument, visit, type Document } from "yaml";
import { UserError } from "../util/errors.js";
import { readRegular, RefusedFileError } from "../util/safe-fs.js";
import { yamlSyntaxError } from "./yaml-errors.js";

export const MAX_YAML_BYTES = 1024 * 1024;
/** Aliases a document may expand (yaml's count: uses times the nodes they stand for). */
export const MAX_YAML_ALIASES = 100;

export interface ParsedYaml {
  doc: Document;
  lines: LineCounter;
  value: unknown;
}

/** The first alias of the document, for pointing at the line of an alias bomb. */
function firstAliasLine(doc: Document, lines: LineCounter): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_, node) {
      if (isAlias(node) && node.range) offset = node.range[0];
      return visit.BREAK;
    },
  });
  return offset === undefined ? undefined : lines.linePos(offset).line;
}

export function parseYaml(text: string, file: string): ParsedYaml {
  const lines = new LineCounter();
  const tooDeep = (e: unknown): unknown =>
    e instanceof RangeError
      ? new UserError("CONFIG_INVALID", "the YAML is nested too deeply to read", { file })
      : e;
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  } catch (e) {
    throw tooDeep(e);
  }
  if (doc.errors.length > 0) throw yamlSyntaxError(file, doc.errors[0]!);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) ?? {};
  } catch (e) {
    if (e instanceof ReferenceError && /alias/i.test(e.message)) {
      const line = firstAliasLine(doc, lines);
      throw new UserError(
        "CONFIG_INVALID",
        `its aliases (*name) expand to more than ${MAX_YAML_ALIASES} nodes: refused as a resource exhaustion attack`,
        { file, ...(line !== undefined ? { line } : {}) },
        "write the values out instead of nesting aliases",
      );
    }
    throw tooDeep(e);
  }
  return { doc, lines, value };
}

/**
 * The text of a kiln.yaml at `path` (`file`: how errors name it), or undefined when there is none.
 * A link, a special file or one over MAX_YAML_BYTES is refused (FILE_REFUSED).
 */
export async function readYamlText(path: string, file: string): Promise<string | undefined> {
  try {
    return (await readRegular(path, { shown: file, maxBytes: MAX_YAML_BYTES })).toString("utf8");
  } catch (e) {
    if (e instanceof RefusedFileError && e.reason === "missing") return undefined;
    throw e;
  }
}
