import { describe, expect, it } from "vitest";
import { refuseForeignOutputs, type OutputHeader } from "./own-outputs.js";

const srpm: OutputHeader = {
  shown: "SRPMS/evil-1.0-1.kiln.src.rpm",
  filename: "evil-1.0-1.kiln.src.rpm",
  name: "evil",
  version: "1.0",
  release: "1.kiln",
  source: true,
  sourcerpm: "",
};
const rpm = (name: string, sourcerpm: string): OutputHeader => ({
  shown: `RPMS/noarch/${name}-1.0-1.kiln.noarch.rpm`,
  filename: `${name}-1.0-1.kiln.noarch.rpm`,
  name,
  version: "1.0",
  release: "1.kiln",
  source: false,
  sourcerpm,
});

describe("a build's own outputs", () => {
  it("accepts a source RPM of the package and binaries built from it", () => {
    expect(
      refuseForeignOutputs("evil", [srpm, rpm("evil", srpm.filename), rpm("evil-doc", srpm.filename)]),
    ).toBe(undefined);
    expect(
      refuseForeignOutputs("evil", [srpm, rpm("evil", srpm.filename)], { version: "1.0", release: "1.kiln" }),
    ).toBe(undefined);
  });

  it.each<[string, OutputHeader[], string]>([
    [
      "another package's binary RPM",
      [srpm, rpm("evil", srpm.filename), rpm("hello", "hello-1.0-1.kiln.src.rpm")],
      "RPMS/noarch/hello-1.0-1.kiln.noarch.rpm was built from hello-1.0-1.kiln.src.rpm, not from this build's evil-1.0-1.kiln.src.rpm: refused",
    ],
    [
      "another package's source RPM",
      [
        {
          ...srpm,
          name: "hello",
          filename: "hello-1.0-1.kiln.src.rpm",
          shown: "SRPMS/hello-1.0-1.kiln.src.rpm",
        },
      ],
      "SRPMS/hello-1.0-1.kiln.src.rpm is a source RPM of hello, not of evil: refused",
    ],
    ["no source RPM", [rpm("evil", srpm.filename)], "there is no source RPM among the build's outputs"],
    [
      "two source RPMs",
      [srpm, { ...srpm, shown: "SRPMS/x.src.rpm" }],
      "the build's outputs hold 2 source RPMs (SRPMS/evil-1.0-1.kiln.src.rpm, SRPMS/x.src.rpm); a build makes one",
    ],
    [
      "a renamed source RPM",
      [{ ...srpm, filename: "evil-2.0-1.kiln.src.rpm" }],
      "SRPMS/evil-1.0-1.kiln.src.rpm is named evil-2.0-1.kiln.src.rpm but holds evil-1.0-1.kiln.src.rpm: refused",
    ],
  ])("refuses %s", (_what, headers, message) => {
    expect(refuseForeignOutputs("evil", headers)).toBe(message);
  });

  it("refuses a source RPM of another version than the spec's", () => {
    expect(refuseForeignOutputs("evil", [srpm], { version: "2.0", release: "1.kiln" })).toBe(
      "SRPMS/evil-1.0-1.kiln.src.rpm is evil 1.0-1.kiln, but the spec says 2.0-1.kiln: refused",
    );
  });
});
