import { describe, expect, it } from "vitest";
import { UserError } from "../util/errors.js";
import { parsePackageConfig } from "./package-config.js";

const FILE = "packages/libgreet/kiln.yaml";

function rejected(text: string): UserError {
  try {
    parsePackageConfig(text, FILE);
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

describe("a package's kiln.yaml", () => {
  it("may be empty, or set the rebuild mode", () => {
    expect(parsePackageConfig("", FILE)).toEqual({});
    expect(parsePackageConfig("# nothing yet\n", FILE)).toEqual({});
    expect(parsePackageConfig("rebuild: direct\n", FILE)).toEqual({ rebuild: "direct" });
  });

  it("names the file, line and column of what is wrong", () => {
    const bad = rejected("rebuild: sometimes\n");
    expect(bad.code).toBe("CONFIG_INVALID");
    expect(bad.location).toEqual({ file: FILE, line: 1, column: 10 });
    expect(bad.message).toMatch(/^rebuild: Invalid option/);
    const unknown = rejected("# settings\nrebuld: none\n");
    expect(unknown.message).toBe('unknown key "rebuld"');
    expect(unknown.location).toEqual({ file: FILE, line: 2, column: 1 });
    const syntax = rejected("rebuild: [none\n");
    expect(syntax.message).toMatch(/^invalid YAML: /);
    expect(syntax.location?.file).toBe(FILE);
  });
});
