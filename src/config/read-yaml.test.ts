import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UserError } from "../util/errors.js";
import { MAX_YAML_BYTES, parseYaml, readYamlText } from "./read-yaml.js";

const dir = mkdtempSync(join(tmpdir(), "kiln-read-yaml-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BOMB = `rebuild: direct
a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
`;

function thrown(f: () => unknown): UserError {
  try {
    f();
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error("no error");
}

describe("parseYaml", () => {
  it("reads plain YAML and a few aliases", () => {
    expect(parseYaml("a: &x [1, 2]\nb: *x\n", "k.yaml").value).toEqual({ a: [1, 2], b: [1, 2] });
  });

  it("refuses an alias bomb at the line of its first alias", () => {
    const e = thrown(() => parseYaml(BOMB, "packages/x/kiln.yaml"));
    expect(e.code).toBe("CONFIG_INVALID");
    expect(e.location).toEqual({ file: "packages/x/kiln.yaml", line: 3 });
    expect(e.message).toMatch(/aliases .* expand to more than 100 nodes/);
  });

  it("turns a syntax error into a located error", () => {
    const e = thrown(() => parseYaml("a: [1, 2\n", "k.yaml"));
    expect(e.code).toBe("CONFIG_INVALID");
    expect(e.location?.file).toBe("k.yaml");
    expect(e.location?.line).toBeGreaterThan(0);
  });
});

describe("readYamlText", () => {
  it("reads a file, and says there is none when it is missing", async () => {
    writeFileSync(join(dir, "ok.yaml"), "a: 1\n");
    expect(await readYamlText(join(dir, "ok.yaml"), "ok.yaml")).toBe("a: 1\n");
    expect(await readYamlText(join(dir, "none.yaml"), "none.yaml")).toBeUndefined();
  });

  it("refuses a link and a file over 1 MiB", async () => {
    writeFileSync(join(dir, "secret"), "s3cret: 1\n");
    symlinkSync(join(dir, "secret"), join(dir, "link.yaml"));
    await expect(readYamlText(join(dir, "link.yaml"), "packages/x/kiln.yaml")).rejects.toMatchObject({
      code: "FILE_REFUSED",
      message: "packages/x/kiln.yaml is a symbolic link: Kiln does not follow links",
    });
    writeFileSync(join(dir, "big.yaml"), `a: "${"x".repeat(MAX_YAML_BYTES)}"\n`);
    await expect(readYamlText(join(dir, "big.yaml"), "kiln.yaml")).rejects.toMatchObject({
      code: "FILE_REFUSED",
      message: expect.stringMatching(/^kiln.yaml is \d+ bytes; the limit is 1048576$/) as unknown,
    });
  });
});
