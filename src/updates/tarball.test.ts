import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { source0Of, tarballPlace, wrongMagic } from "./tarball.js";

const spec = (source0: string): string =>
  `Name: libgreet\nVersion: 1.0\nRelease: 1\nSummary: x\nLicense: MIT\nSource0:        ${source0}\n\n%description\nx\nSource0: not-this\n`;

describe("the new release's tarball", () => {
  it("is found on the spec's Source0 line, before the first section", () => {
    expect(source0Of(spec("https://x.org/%{name}-%{version}.tar.gz"))).toBe(
      "https://x.org/%{name}-%{version}.tar.gz",
    );
    expect(source0Of("Name: a\nSource: a-%{version}.tgz\n")).toBe("a-%{version}.tgz");
    expect(source0Of("Name: a\n%description\nSource0: late\n")).toBeUndefined();
  });

  it("is Source0 with the new version, or the watch's url", () => {
    const o = { name: "libgreet", version: "1.1" };
    expect(tarballPlace({ ...o, source0: "https://x.org/dl/%{name}-%{version}.tar.gz" })).toEqual({
      url: "https://x.org/dl/libgreet-1.1.tar.gz",
      filename: "libgreet-1.1.tar.gz",
    });
    expect(
      tarballPlace({
        ...o,
        source0: "%{name}-%version.tar.gz",
        watchUrl: "https://x.org/v{version}/src.tar.gz",
      }),
    ).toEqual({
      url: "https://x.org/v1.1/src.tar.gz",
      filename: "libgreet-1.1.tar.gz",
    });
  });

  it("is the release's own file when Source0 is a file name", () => {
    const files = [{ name: "libgreet-1.1.tar.gz", url: "https://h/a/libgreet-1.1.tar.gz", sha256: "ab" }];
    expect(
      tarballPlace({ name: "libgreet", version: "1.1", source0: "%{name}-%{version}.tar.gz", files }),
    ).toEqual({
      url: "https://h/a/libgreet-1.1.tar.gz",
      filename: "libgreet-1.1.tar.gz",
      sha256: "ab",
    });
    const none = tarballPlace({
      name: "libgreet",
      version: "1.1",
      source0: "%{name}-%{version}.tar.gz",
      files: [{ name: "other.zip", url: "u" }],
    });
    expect(none).toEqual({
      needsHand: expect.stringMatching(/no file of that name \(it has other.zip\); set watch.url/),
    });
  });

  it("needs a hand when Source0 has no %{version} or macros the bump cannot follow", () => {
    expect(tarballPlace({ name: "a", version: "2", source0: "https://x.org/a-1.0.tar.gz" })).toEqual({
      needsHand: expect.stringMatching(/does not contain %\{version\}: a bump would build the old tarball/),
    });
    expect(tarballPlace({ name: "a", version: "2", source0: "%{url}/a-%{version}.tar.gz" })).toEqual({
      needsHand: expect.stringMatching(/uses %\{url\}: the bump follows only %\{name\} and %\{version\}/),
    });
    expect(tarballPlace({ name: "a", version: "2", source0: undefined })).toMatchObject({
      needsHand: expect.any(String),
    });
  });

  it("must be the archive its name says", () => {
    expect(wrongMagic("a-1.tar.gz", gzipSync("x"))).toBeUndefined();
    expect(wrongMagic("a-1.tar.gz", Buffer.from("<!DOCTYPE html><html>"))).toBe(
      "a-1.tar.gz is not a gzip file (the upstream sent a web page)",
    );
    expect(wrongMagic("a-1.tar.xz", gzipSync("x"))).toBe("a-1.tar.xz is not an xz file");
    expect(wrongMagic("a-1.rpm", Buffer.alloc(10))).toMatch(/release archives only/);
  });
});
