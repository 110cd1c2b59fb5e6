// packages/<name>/kiln.yaml: one package's own settings, beside its spec. Optional; checked by a
// schema like the set's kiln.yaml, with errors at file:line:column.
import { z } from "zod";
import { REBUILD_MODES } from "../core/flow.js";
import {
  checkPipeline,
  PipelineError,
  resolvePackagePipeline,
  type PipelineInput,
} from "../core/pipeline.js";
import { packagePipelineSchema } from "./pipeline-schema.js";
import { parseYaml, readYamlText } from "./read-yaml.js";
import { watchSchema, type WatchConfig } from "./watch-schema.js";
import { errorAt, schemaError } from "./yaml-errors.js";

export const packageConfigSchema = z.strictObject({
  /** What a new build of this package sets off downstream; default: the set's `rebuild`. */
  rebuild: z.enum(REBUILD_MODES).optional(),
  /** Early cutoff for this package; default: the set's `early-cutoff`. */
  "early-cutoff": z.boolean().optional(),
  /** Its own pipeline: stages replacing the set's, or `extends: set` with stages and steps added. */
  pipeline: packagePipelineSchema.optional(),
  /** Where its upstream publishes releases (src/watch/). */
  watch: watchSchema.optional(),
});

export interface PackageConfig {
  rebuild?: z.infer<typeof packageConfigSchema>["rebuild"];
  earlyCutoff?: boolean;
  /** The package's pipeline, resolved against the set's and checked; absent: the set's. */
  pipeline?: PipelineInput;
  watch?: WatchConfig;
}

export const PACKAGE_CONFIG_FILE = "kiln.yaml";

/**
 * Parses a package's kiln.yaml; `file` is how errors name it (relative to the set). Its pipeline is
 * resolved against the set's and checked here, so a wrong stage reference points at its line.
 */
export function parsePackageConfig(text: string, file: string, setPipeline: PipelineInput): PackageConfig {
  const { doc, lines, value } = parseYaml(text, file);
  const parsed = packageConfigSchema.safeParse(value);
  if (!parsed.success) throw schemaError(file, doc, lines, parsed.error);
  const out: PackageConfig = {};
  if (parsed.data.rebuild) out.rebuild = parsed.data.rebuild;
  if (parsed.data["early-cutoff"] !== undefined) out.earlyCutoff = parsed.data["early-cutoff"];
  if (parsed.data.watch) out.watch = parsed.data.watch;
  if (parsed.data.pipeline) {
    let pipeline: PipelineInput;
    try {
      pipeline = resolvePackagePipeline(setPipeline, parsed.data.pipeline);
    } catch (e) {
      if (e instanceof PipelineError)
        throw errorAt(file, doc, lines, e.problem.path, `pipeline: ${e.problem.message}`);
      throw e;
    }
    const problem = checkPipeline(pipeline);
    if (problem) {
      // Stages of its own are checked where they are written; an extended pipeline as a whole.
      const at = "extends" in parsed.data.pipeline ? ["pipeline"] : ["pipeline", ...problem.path];
      throw errorAt(file, doc, lines, at, `pipeline: ${problem.message}`);
    }
    out.pipeline = pipeline;
  }
  return out;
}

/** Reads `path` if it exists; undefined when it does not. A link or an oversize file is refused. */
export async function readPackageConfig(
  path: string,
  file: string,
  setPipeline: PipelineInput,
): Promise<PackageConfig | undefined> {
  const text = await readYamlText(path, file);
  return text === undefined ? undefined : parsePackageConfig(text, file, setPipeline);
}
