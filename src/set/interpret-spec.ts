// Turns what librpm read from a spec into Kiln's SourcePackage, or into errors that name the spec,
// the line and what to do. Pure: the caller supplies the spec's text and its directory listing.
import { DepSyntaxError, parseDep, parseDepExpr } from "../core/deps.js";
import { inferProvides, parseFilesList } from "../core/files-provides.js";
import type { BuildRequire, SourceFile, SourcePackage, SpecBinary } from "../core/package.js";
import type { Dep, Evr } from "../core/types.js";
import type { RawSpec } from "../rpm/spec-reader.js";
import { UserError } from "../util/errors.js";
import { buildRequiresLine, scanSpecLines, sourceLine } from "./spec-lines.js";

export interface SpecContext {
  /** packages/<dir>/<dir>.spec */
  specFile: string;
  /** The directory name under packages/. */
  dirName: string;
  text: string;
  sha256: string;
}

export type Interpreted = { ok: true; pkg: SourcePackage } | { ok: false; errors: UserError[] };

// "error: line 6: Unknown tag", and for some messages "error: packages/x/x.spec: line 8: …".
const rpmMessage = /^error: (?:(?:\S+\.spec: )?line (\d+): )?(.*)$/;

/** Bumped when interpretSpec's output changes, so that cached interpretations are not reused. */
export const INTERPRETER_VERSION = 2;

const FAILURE_HINTS: Record<NonNullable<RawSpec["failure"]>["code"], string> = {
  SPEC_TIMEOUT:
    "a %(command), %{lua:} or a macro that expands itself runs too long; if the spec is right, raise --spec-timeout",
  SPEC_TOO_LARGE: "a macro expands to a huge value (a Provides, a %files list): fix the spec",
  SPEC_READER_STOPPED:
    "the spec may use more memory than the reader allows (4 GiB) or crash librpm: fix the spec",
};

export function interpretSpec(raw: RawSpec, ctx: SpecContext): Interpreted {
  const file = ctx.specFile;
  if (raw.failure) {
    const f = raw.failure;
    return { ok: false, errors: [new UserError(f.code, f.message, { file }, FAILURE_HINTS[f.code])] };
  }
  if (!raw.ok) return { ok: false, errors: parseErrors(raw.messages, file) };
  const lines = scanSpecLines(ctx.text);
  const errors: UserError[] = [];
  const at = (line: number | undefined) => ({ file, ...(line !== undefined ? { line } : {}) });

  // An undefined macro is left in the value by rpm, with only a warning: treat it as an error.
  const unexpanded = (value: string, what: string, line?: number): boolean => {
    if (!value.includes("%")) return false;
    errors.push(
      new UserError(
        "SPEC_PARSE",
        `${what} "${value}" contains an unexpanded macro`,
        at(line),
        "define the macro or fix its name",
      ),
    );
    return true;
  };

  const name = raw.name ?? "";
  const version = raw.version ?? "";
  const release = raw.release ?? "";
  unexpanded(name, "Name", lines.name);
  unexpanded(version, "Version");
  unexpanded(release, "Release");
  if (name && name !== ctx.dirName && !name.includes("%")) {
    errors.push(
      new UserError(
        "SPEC_NAME_MISMATCH",
        `the spec's Name is "${name}" but it is in packages/${ctx.dirName}/`,
        at(lines.name),
        `keep each spec at packages/<Name>/<Name>.spec: move it to packages/${name}/${name}.spec or change Name`,
      ),
    );
  }
  const evr: Evr = { version, release, ...(raw.epoch != null ? { epoch: raw.epoch } : {}) };

  const buildRequires: BuildRequire[] = [];
  for (const text of raw.buildRequires ?? []) {
    if (text.startsWith("rpmlib(")) continue;
    const line = buildRequiresLine(lines, text.split(/\s/)[0]!);
    if (unexpanded(text, "BuildRequires", line)) continue;
    try {
      buildRequires.push({ text, expr: parseDepExpr(text), ...(line !== undefined ? { line } : {}) });
    } catch (e) {
      if (!(e instanceof DepSyntaxError)) throw e;
      errors.push(new UserError("SPEC_PARSE", `BuildRequires ${text}: ${e.message}`, at(line)));
    }
  }

  const sources: SourceFile[] = [];
  for (const s of raw.sources ?? []) {
    const base = s.name.replace(/^.*\//, "");
    const line = sourceLine(lines, s.kind, s.number, base);
    const problem = sourceNameProblem(s.name, base);
    if (problem) {
      errors.push(
        new UserError(
          "SOURCE_INVALID",
          `${s.kind === "patch" ? "Patch" : "Source"}${s.number} "${s.name}" ${problem}`,
          at(line),
          `name a file in packages/${ctx.dirName}/ (a URL's last part is the file's name)`,
        ),
      );
      continue;
    }
    sources.push({ name: base, kind: s.kind, number: s.number, ...(line !== undefined ? { line } : {}) });
  }

  const binaries: SpecBinary[] = [];
  for (const b of raw.packages ?? []) {
    const files = parseFilesList(b.files);
    const provides: Dep[] = [];
    for (const text of b.provides) {
      if (unexpanded(text, `Provides of ${b.name}`)) continue;
      try {
        provides.push(parseDep(text));
      } catch (e) {
        if (!(e instanceof DepSyntaxError)) throw e;
        errors.push(
          new UserError("SPEC_PARSE", `Provides ${text} of ${b.name}: ${e.message}`, at(undefined)),
        );
      }
    }
    provides.push(...inferProvides(files, evr));
    binaries.push({
      name: b.name,
      arch: b.arch,
      provides,
      requires: b.requires,
      files: files.map((f) => f.path),
    });
  }

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    pkg: { name, specFile: file, specSha256: ctx.sha256, evr, buildRequires, sources, binaries },
  };
}

/**
 * What is wrong with a Source/Patch name, if anything: rpm takes the part after the last "/" from
 * the package's directory, so that part must be a file name, and a relative path must not climb.
 */
export function sourceNameProblem(name: string, base: string): string | undefined {
  if (base === "" || base === "." || base === "..") return "does not name a file";
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(name)) return undefined;
  if (name.startsWith("/")) return "is an absolute path: sources are taken from the package's directory";
  if (name.split("/").includes("..")) return "leaves the package's directory (..)";
  return undefined;
}

/** Source and Patch files the spec names that are not in its directory. */
export function missingSources(
  pkg: SourcePackage,
  dirName: string,
  hasFile: (name: string) => boolean,
): UserError[] {
  return pkg.sources
    .filter((s) => !hasFile(s.name))
    .map(
      (s) =>
        new UserError(
          "SOURCE_MISSING",
          `${s.kind === "patch" ? "Patch" : "Source"}${s.number} "${s.name}" is not in packages/${dirName}/`,
          { file: pkg.specFile, ...(s.line !== undefined ? { line: s.line } : {}) },
          "add the file next to the spec (Kiln does not download sources)",
        ),
    );
}

/** An interpretation as plain JSON data (UserErrors as their fields). */
export function interpretedToJson(r: Interpreted): unknown {
  if (r.ok) return r;
  return {
    ok: false,
    errors: r.errors.map((e) => ({ code: e.code, message: e.message, location: e.location, hint: e.hint })),
  };
}

/** The inverse of interpretedToJson. */
export function interpretedFromJson(value: unknown): Interpreted {
  const v = value as
    Interpreted | { ok: false; errors: Pick<UserError, "code" | "message" | "location" | "hint">[] };
  if (v.ok) return v;
  return { ok: false, errors: v.errors.map((e) => new UserError(e.code, e.message, e.location, e.hint)) };
}

export function serializeInterpreted(r: Interpreted): string {
  return JSON.stringify(interpretedToJson(r));
}

export function deserializeInterpreted(text: string): Interpreted {
  return interpretedFromJson(JSON.parse(text));
}

/** rpm's own messages for a spec it could not parse, as errors with their line numbers. */
export function parseErrors(messages: string, file: string): UserError[] {
  const out: UserError[] = [];
  for (const line of messages.split("\n")) {
    const m = rpmMessage.exec(line.trim());
    if (!m) continue;
    const text = m[2]!;
    if (/^query of specfile .* failed/.test(text)) continue;
    out.push(
      new UserError(
        "SPEC_PARSE",
        `rpm cannot parse the spec: ${text}`,
        { file, ...(m[1] ? { line: Number(m[1]) } : {}) },
        "fix the spec (this is rpm's own message)",
      ),
    );
  }
  const all = messages.trim();
  if (out.length === 0)
    out.push(new UserError("SPEC_PARSE", `rpm cannot parse the spec${all ? `: ${all}` : ""}`, { file }));
  return out;
}
