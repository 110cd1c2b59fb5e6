// The new release's tarball: where it is (the watch's url, else the spec's Source0 with the new
// version, else the release's own file of that name), and whether the bytes are what the name
// says. Pure: fetching is the bump's (bump.ts), through the watch's fetcher and its limits.
import type { ReleaseFile } from "../watch/types.js";

export type TarballPlace = { url: string; filename: string; sha256?: string } | { needsHand: string };

/** The Source0 (or Source) line of a spec's preamble, as written (macros unexpanded). */
export function source0Of(specText: string): string | undefined {
  for (const line of specText.split(/\r?\n/)) {
    if (/^%(package|description|prep|build|install|files|changelog)\b/.test(line)) return undefined;
    const m = /^Source0?\s*:\s*(\S.*?)\s*$/i.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

const basename = (s: string): string =>
  s
    .replace(/[?#].*$/, "")
    .split("/")
    .pop() ?? s;

/**
 * Where the tarball of `version` is. `source0` is as the spec writes it; only %{name} and
 * %{version} (and their short forms) are followed: anything else needs a hand, as does a Source0
 * without %{version}, which would silently build the old tarball.
 */
export function tarballPlace(o: {
  name: string;
  version: string;
  source0: string | undefined;
  watchUrl?: string;
  files?: readonly ReleaseFile[];
}): TarballPlace {
  if (o.watchUrl) {
    const url = o.watchUrl.replaceAll("{version}", o.version);
    const filename = o.source0 ? expand(o.source0, o) : undefined;
    if (filename && "needsHand" in filename) return filename;
    return { url, filename: filename ? basename(filename.text) : basename(url) };
  }
  if (!o.source0) return { needsHand: "the spec has no Source0 and the watch names no url" };
  if (!/%\{?\??version\}?/.test(o.source0))
    return {
      needsHand: `Source0 (${o.source0}) does not contain %{version}: a bump would build the old tarball; write %{version} into it or set watch.url`,
    };
  const e = expand(o.source0, o);
  if ("needsHand" in e) return e;
  if (/^https?:\/\//.test(e.text)) return { url: e.text, filename: basename(e.text) };
  const name = basename(e.text);
  const file = o.files?.find((f) => f.name === name);
  if (file) return { url: file.url, filename: name, ...(file.sha256 ? { sha256: file.sha256 } : {}) };
  return {
    needsHand: `Source0 is a file name (${name}), not a URL, and the upstream's release lists no file of that name${
      o.files?.length
        ? ` (it has ${o.files
            .slice(0, 5)
            .map((f) => f.name)
            .join(", ")})`
        : ""
    }; set watch.url to the tarball's URL with {version}`,
  };
}

/** Spec text with %{name} and %{version} (also %name, %version, %{?…}) put in; nothing else. */
export function expandNameVersion(text: string, name: string, version: string): string {
  return text.replace(/%\{(\??)(name|version)\}|%(name|version)\b/g, (_m, _q, a: string, b: string) =>
    (a ?? b) === "name" ? name : version,
  );
}

function expand(
  source0: string,
  o: { name: string; version: string },
): { text: string } | { needsHand: string } {
  const text = expandNameVersion(source0, o.name, o.version);
  const left = /%\{?[?!]*[A-Za-z_][A-Za-z0-9_]*\}?|%\(/.exec(text);
  if (left)
    return {
      needsHand: `Source0 (${source0}) uses ${left[0]}: the bump follows only %{name} and %{version}; set watch.url`,
    };
  return { text };
}

const MAGIC: { ext: RegExp; what: string; ok: (b: Buffer) => boolean }[] = [
  { ext: /\.(tar\.gz|tgz|gz)$/, what: "a gzip", ok: (b) => b[0] === 0x1f && b[1] === 0x8b },
  {
    ext: /\.(tar\.xz|txz|xz)$/,
    what: "an xz",
    ok: (b) => b.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])),
  },
  {
    ext: /\.(tar\.bz2|tbz2?|bz2)$/,
    what: "a bzip2",
    ok: (b) => b.subarray(0, 3).toString("latin1") === "BZh",
  },
  {
    ext: /\.(tar\.zst|tzst|zst)$/,
    what: "a zstd",
    ok: (b) => b.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd])),
  },
  { ext: /\.zip$/, what: "a zip", ok: (b) => b.subarray(0, 2).toString("latin1") === "PK" },
  // A .gem is a tar archive.
  { ext: /\.(tar|gem)$/, what: "a tar", ok: (b) => b.subarray(257, 262).toString("latin1") === "ustar" },
];

/** Why these bytes are not what `filename` says they are; undefined when they are. */
export function wrongMagic(filename: string, head: Buffer): string | undefined {
  const m = MAGIC.find((x) => x.ext.test(filename));
  if (!m)
    return `${filename}: Kiln takes release archives only (.tar.gz, .tar.xz, .tar.bz2, .tar.zst, .tgz, .zip, .tar, .gem)`;
  if (m.ok(head)) return undefined;
  const looks = head.subarray(0, 64).toString("latin1");
  return `${filename} is not ${m.what} file${/<html|<!doctype/i.test(looks) ? " (the upstream sent a web page)" : ""}`;
}
