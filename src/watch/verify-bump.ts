// A bump checked by reading the spec before and after it with Kiln's spec reader (librpm's own
// parser, sandboxed when asked): the differences in words, none when the bump is right.
//
// Both texts are read from the same path in a scratch set, one after the other, so that nothing
// but the text differs between the two reads (rpm puts the spec's directory in %{_sourcedir}).
// A spec that reads its own sources while it is parsed (`%(cat %{SOURCE1})`) finds none there.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSpecs, type ReadSpecsOptions, type RawSpec } from "../rpm/spec-reader.js";
import { compareBump, type BumpExpectation } from "./compare-bump.js";

export interface VerifyBumpOptions extends BumpExpectation {
  newText: string;
  /**
   * How the set's specs are read: its macros (the dist tag), the sandbox (probed first, as the
   * workspace does), the time limit.
   */
  read: Pick<ReadSpecsOptions, "defines" | "sandbox" | "timeoutMs">;
}

export async function verifyBump(o: VerifyBumpOptions): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "kiln-bump-"));
  try {
    mkdirSync(join(dir, "packages", "bump"), { recursive: true });
    const file = "packages/bump/bump.spec";
    const readText = async (text: string): Promise<RawSpec> => {
      writeFileSync(join(dir, file), text);
      const [r] = await readSpecs([file], { ...o.read, baseDir: dir, processes: 1 });
      return r!;
    };
    const before = await readText(o.oldText);
    const after = await readText(o.newText);
    return compareBump(before, after, o);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
