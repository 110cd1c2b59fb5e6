// packages/<name>/kiln.yaml: one package's own settings, beside its spec. Optional; checked by a
// schema like the set's kiln.yaml, with errors at file:line:column.
import { readFile } from "node:fs/promises";
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { REBUILD_MODES } from "../core/flow.js";
import { schemaError, yamlSyntaxError } from "./yaml-errors.js";

export const packageConfigSchema = z.strictObject({
  /** What a new build of this package sets off downstream; default: the set's `rebuild`. */
  rebuild: z.enum(REBUILD_MODES).optional(),
});

export type PackageConfig = z.infer<typeof packageConfigSchema>;

export const PACKAGE_CONFIG_FILE = "kiln.yaml";

/** Parses a package's kiln.yaml; `file` is how errors name it (relative to the set). */
export function parsePackageConfig(text: string, file: string): PackageConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw yamlSyntaxError(file, doc.errors[0]!);
  const parsed = packageConfigSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) throw schemaError(file, doc, lines, parsed.error);
  return parsed.data;
}

/** Reads `path` if it exists; undefined when it does not. */
export async function readPackageConfig(path: string, file: string): Promise<PackageConfig | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  return parsePackageConfig(text, file);
}
