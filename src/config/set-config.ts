// kiln.yaml: the package set's settings. Checked by a schema at the boundary; the type is derived from it.
import { join } from "node:path";
import { z } from "zod";
import { REBUILD_MODES } from "../core/flow.js";
import { parseDuration } from "../core/promotion.js";
import { SANDBOX_MODES } from "../core/sandbox-policy.js";
import { UserError } from "../util/errors.js";
import { checkPipeline, DEFAULT_PIPELINE_INPUT } from "../core/pipeline.js";
import { labelsSchema, pipelineSchema } from "./pipeline-schema.js";
import { parseYaml, readYamlText } from "./read-yaml.js";
import { errorAt, schemaError } from "./yaml-errors.js";

const nameRe = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/** Seconds, or a number with s, m, h or d; the value is in seconds. */
export const duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const s = parseDuration(v);
  if (s === undefined) {
    ctx.addIssue({ code: "custom", message: 'a duration is seconds, or a number with s, m, h or d ("24h")' });
    return z.NEVER;
  }
  return s;
});

const repository = z.strictObject({
  name: z.string().regex(nameRe, "a repository name is letters, digits and . _ + -"),
  description: z.string().optional(),
  /** Builds of each package the repository keeps, the current one included: older ones for downgrades. */
  keep: z.number().int().min(1, "keep at least the current build").max(100).default(2),
  /** Rules for promoting builds into it. */
  promote: z
    .strictObject({
      /** Only from these repositories. */
      from: z.array(z.string().regex(nameRe)).min(1).optional(),
      /** How long a build must have been in the repository it comes from. */
      soak: duration.optional(),
      /** Pipeline stages the build must have passed. */
      "require-stages": z.array(z.string().min(1)).min(1).optional(),
    })
    .optional(),
  /** Sign its RPMs (rpmsign) and its repomd.xml with this GPG key (an id or e-mail in GNUPGHOME's keyring). */
  sign: z.strictObject({ key: z.string().min(1) }).optional(),
});

// A capability the host supplies outside Kiln's own packages: build tools that BuildRequires name
// (gcc, make) and run-time capabilities that built packages require (libc.so.6(GLIBC_2.34)(64bit)).
// `*` matches any run of characters.
const hostProvide = z
  .string()
  .min(1)
  .refine((s) => !/[\s%]/.test(s), "a host capability has no spaces and no % (write the name only)");

export const setConfigSchema = z.strictObject({
  name: z.string().regex(nameRe, "the set's name is letters, digits and . _ + -"),
  description: z.string().optional(),
  /** The dist tag rpmbuild appends to every Release (Debian's rpm has none). */
  dist: z
    .string()
    .regex(/^\.[A-Za-z0-9_.+]+$/, 'a dist tag starts with "." and has no spaces, e.g. ".kiln1"')
    .default(".kiln"),
  repositories: z
    .array(repository)
    .min(1, "name at least one repository; builds publish to the first")
    .default([{ name: "main", keep: 2 }])
    .refine((r) => new Set(r.map((x) => x.name)).size === r.length, "repository names must be unique"),
  host: z
    .strictObject({
      provides: z.array(hostProvide).default([]),
      /** A repository that supplies the host capabilities to clients; without it Kiln generates a host-provides package. */
      "base-repository": z.url().optional(),
    })
    .default({ provides: [] }),
  /** What a new build of a package sets off downstream (per package: packages/<name>/kiln.yaml). */
  rebuild: z.enum(REBUILD_MODES).default("transitive"),
  /**
   * Early cutoff: a rebuild whose output equals the published build's is not published, and what
   * depends on it does not rebuild. false: every green build publishes (per package too).
   */
  "early-cutoff": z.boolean().default(true),
  build: z
    .strictObject({
      /**
       * What the set asks of the sandbox: it can only tighten the operator's policy (kiln serve
       * --sandbox), never loosen it. auto: bubblewrap where it works; required: never without it.
       */
      sandbox: z.enum(SANDBOX_MODES).optional(),
      /** rpmlint in the check step: report what it finds, fail on its errors, or do not run it. */
      rpmlint: z.enum(["report", "errors", "off"]).default("report"),
      /** Labels an agent must have to take this set's builds (default: the server's arch and os). */
      labels: labelsSchema.optional(),
    })
    .default({ rpmlint: "report" }),
  /** The package pipeline (stages → jobs → steps) of every package without one of its own. */
  pipeline: pipelineSchema.default(DEFAULT_PIPELINE_INPUT),
});

export type SetConfig = z.infer<typeof setConfigSchema>;

export const CONFIG_FILE = "kiln.yaml";

export function parseSetConfig(text: string, file: string): SetConfig {
  const { doc, lines, value } = parseYaml(text, file);
  const parsed = setConfigSchema.safeParse(value);
  if (!parsed.success) throw schemaError(file, doc, lines, parsed.error);
  const problem = checkPipeline(parsed.data.pipeline);
  if (problem) throw errorAt(file, doc, lines, ["pipeline", ...problem.path], `pipeline: ${problem.message}`);
  return parsed.data;
}

export async function loadSetConfig(setDir: string): Promise<SetConfig> {
  const file = join(setDir, CONFIG_FILE);
  const text = await readYamlText(file, file);
  if (text === undefined) {
    throw new UserError(
      "CONFIG_MISSING",
      `no ${CONFIG_FILE} in ${setDir}`,
      { file },
      `a package set is a directory with ${CONFIG_FILE} and packages/<name>/<name>.spec; pass --set DIR`,
    );
  }
  return parseSetConfig(text, file);
}
