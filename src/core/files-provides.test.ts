import { describe, expect, it } from "vitest";
import { globToRegExp, inferProvides, parseFilesList, type FileEntry } from "./files-provides.js";
import type { Dep } from "./types.js";

const f = (path: string, glob = false): FileEntry => ({ path, glob });

describe("parseFilesList", () => {
  it.each<[string, string, FileEntry[]]>([
    ["a plain path", "/usr/bin/foo", [f("/usr/bin/foo")]],
    ["surrounding whitespace", "   /usr/bin/foo   ", [f("/usr/bin/foo")]],
    ["a blank line and a comment", "\n  \n# /usr/bin/commented\n/usr/bin/foo", [f("/usr/bin/foo")]],
    ["several lines", "/usr/bin/a\n/usr/bin/b\n", [f("/usr/bin/a"), f("/usr/bin/b")]],
    ["%attr(...)", "%attr(0755,root,root) /usr/bin/foo", [f("/usr/bin/foo")]],
    ["%attr(...) with spaces inside", "%attr(0755, root, root) /usr/bin/foo", [f("/usr/bin/foo")]],
    ["%defattr alone", "%defattr(-,root,root,-)", []],
    ["%defattr then a path", "%defattr(-,root,root,-)\n/usr/lib/x", [f("/usr/lib/x")]],
    ["%doc with a relative name", "%doc README", []],
    ["%doc with several relative names", "%doc README NEWS ChangeLog", []],
    ["%doc with an absolute path", "%doc /usr/share/doc/foo", [f("/usr/share/doc/foo")]],
    ["%doc mixing both", "%doc README /usr/share/doc/foo/x", [f("/usr/share/doc/foo/x")]],
    ["%license with a relative name", "%license COPYING", []],
    ["%license with an absolute path", "%license /usr/share/licenses/foo", [f("/usr/share/licenses/foo")]],
    ["%config", "%config /etc/foo.conf", [f("/etc/foo.conf")]],
    ["%config(noreplace)", "%config(noreplace) /etc/foo.conf", [f("/etc/foo.conf")]],
    ["stacked directives", "%attr(0600,root,root) %config(noreplace) /etc/secret", [f("/etc/secret")]],
    ["%dir", "%dir /usr/share/foo", [f("/usr/share/foo")]],
    ["%ghost", "%ghost /var/log/foo.log", [f("/var/log/foo.log")]],
    ["%verify(not md5 size mtime)", "%verify(not md5 size mtime) /etc/foo", [f("/etc/foo")]],
    ["%lang(de)", "%lang(de) /usr/share/locale/de/foo.mo", [f("/usr/share/locale/de/foo.mo")]],
    ["%docdir", "%docdir /usr/share/foo-docs", [f("/usr/share/foo-docs")]],
    ["%exclude is skipped", "%exclude /usr/lib/debug\n/usr/bin/foo", [f("/usr/bin/foo")]],
    ["%exclude with a glob is skipped", "%exclude /usr/lib/*.la", []],
    ["a * glob is flagged", "/usr/lib64/libfoo.so.*", [f("/usr/lib64/libfoo.so.*", true)]],
    ["a ? glob is flagged", "/usr/bin/fo?", [f("/usr/bin/fo?", true)]],
    ["a [..] glob is flagged", "/usr/bin/foo[0-9]", [f("/usr/bin/foo[0-9]", true)]],
    ["a {..} glob is flagged", "/usr/lib/{a,b}.so", [f("/usr/lib/{a,b}.so", true)]],
    ["a glob after a directive", "%attr(0755,root,root) /usr/bin/*", [f("/usr/bin/*", true)]],
    ["a quoted path", '"/usr/share/foo/c.txt"', [f("/usr/share/foo/c.txt")]],
    ["a quoted path with a space", '"/usr/share/foo/a b.txt"', [f("/usr/share/foo/a b.txt")]],
    [
      "a quoted path after directives",
      '%attr(0644,root,root) %config(noreplace) "/etc/foo bar.conf"',
      [f("/etc/foo bar.conf")],
    ],
    ["a relative quoted name", '%doc "READ ME"', []],
  ])("%s", (_what, text, expected) => {
    expect(parseFilesList(text)).toStrictEqual(expected);
  });

  it("reads a whole %files section as rpm expands it", () => {
    const text = [
      "%defattr(-,root,root,-)",
      "%license COPYING",
      "%doc README.md",
      "%dir /usr/include/foo",
      "/usr/include/foo/*.h",
      "/usr/lib64/pkgconfig/foo.pc",
      "%exclude /usr/lib64/libfoo.la",
      "%ghost %attr(0644,root,root) /var/cache/foo",
    ].join("\n");
    expect(parseFilesList(text)).toStrictEqual([
      f("/usr/include/foo"),
      f("/usr/include/foo/*.h", true),
      f("/usr/lib64/pkgconfig/foo.pc"),
      f("/var/cache/foo"),
    ]);
  });
});

describe("inferProvides", () => {
  const evr = { version: "2.3", release: "4.kiln" };
  const pc = (name: string): Dep => ({ name: `pkgconfig(${name})`, op: "=", evr: { version: "2.3" } });

  it.each<[string, FileEntry[], Dep[]]>([
    ["lib/pkgconfig", [f("/usr/lib/pkgconfig/foo.pc")], [pc("foo")]],
    ["lib64/pkgconfig", [f("/usr/lib64/pkgconfig/foo.pc")], [pc("foo")]],
    ["share/pkgconfig", [f("/usr/share/pkgconfig/foo-data.pc")], [pc("foo-data")]],
    ["a dotted name", [f("/usr/lib64/pkgconfig/gtk+-3.0.pc")], [pc("gtk+-3.0")]],
    [
      "several .pc files",
      [f("/usr/lib64/pkgconfig/a.pc"), f("/usr/lib64/pkgconfig/b.pc")],
      [pc("a"), pc("b")],
    ],
    ["a .pc file outside a pkgconfig directory", [f("/usr/share/foo/foo.pc")], []],
    ["a .pc file in a sub-directory of pkgconfig", [f("/usr/lib64/pkgconfig/sub/foo.pc")], []],
    ["a pkgconfig directory under another name", [f("/usr/libexec/pkgconfig/foo.pc")], []],
    ["a file that is not .pc", [f("/usr/lib64/pkgconfig/foo.pcx"), f("/usr/lib64/libfoo.so")], []],
    ["a glob flagged as such", [f("/usr/lib64/pkgconfig/*.pc", true)], []],
    ["a glob in the name", [f("/usr/lib64/pkgconfig/foo-{a,b}.pc", true)], []],
    ["the pkgconfig directory itself", [f("/usr/lib64/pkgconfig")], []],
    ["nothing", [], []],
  ])("%s", (_what, files, expected) => {
    expect(inferProvides(files, evr)).toStrictEqual(expected);
  });

  it("uses the version without the epoch or the release", () => {
    expect(
      inferProvides([f("/usr/lib/pkgconfig/x.pc")], { epoch: 3, version: "1.0", release: "9" }),
    ).toStrictEqual([{ name: "pkgconfig(x)", op: "=", evr: { version: "1.0" } }]);
  });
});

describe("globToRegExp", () => {
  it.each<[string, string, boolean]>([
    // *
    ["/usr/lib64/libfoo.so.*", "/usr/lib64/libfoo.so.1", true],
    ["/usr/lib64/libfoo.so.*", "/usr/lib64/libfoo.so.1.2.3", true],
    ["/usr/lib64/libfoo.so.*", "/usr/lib64/libfoo.so.", true],
    ["/usr/lib64/libfoo.so.*", "/usr/lib64/libfoo.so", false],
    ["/usr/lib64/libfoo.so.*", "/usr/lib64/libbar.so.1", false],
    ["/usr/bin/*", "/usr/bin/foo", true],
    ["/usr/bin/*", "/usr/sbin/foo", false],
    ["/usr/*/foo", "/usr/bin/foo", true],
    ["/usr/*/foo", "/usr/bin/x/foo", false],
    // ? is exactly one character, never a slash
    ["/usr/bin/fo?", "/usr/bin/foo", true],
    ["/usr/bin/fo?", "/usr/bin/fo", false],
    ["/usr/bin/fo?", "/usr/bin/fooo", false],
    ["/usr/bin/a?b", "/usr/bin/a/b", false],
    // [..]
    ["/usr/bin/foo[0-9]", "/usr/bin/foo7", true],
    ["/usr/bin/foo[0-9]", "/usr/bin/fooa", false],
    ["/usr/bin/foo[ab]", "/usr/bin/foob", true],
    ["/usr/bin/foo[ab]", "/usr/bin/fooc", false],
    ["/usr/bin/foo[!ab]", "/usr/bin/fooc", true],
    ["/usr/bin/foo[!ab]", "/usr/bin/fooa", false],
    ["/usr/bin/foo[", "/usr/bin/foo[", true],
    ["/usr/bin/foo[", "/usr/bin/foox", false],
    // {a,b}
    ["/usr/lib/{a,b}.so", "/usr/lib/a.so", true],
    ["/usr/lib/{a,b}.so", "/usr/lib/b.so", true],
    ["/usr/lib/{a,b}.so", "/usr/lib/c.so", false],
    ["/usr/lib/{a,b}.so", "/usr/lib/{a,b}.so", false],
    ["/usr/{lib,lib64}/x", "/usr/lib64/x", true],
    ["/usr/lib/foo{", "/usr/lib/foo{", true],
    // wildcards inside braces are wildcards (rpm expands the braces, then globs each pattern)
    ["/usr/lib/libq.so.{1,1.*}", "/usr/lib/libq.so.1", true],
    ["/usr/lib/libq.so.{1,1.*}", "/usr/lib/libq.so.1.2", true],
    ["/usr/lib/libq.so.{1,1.*}", "/usr/lib/libq.so.2", false],
    ["/usr/bin/{fo?,ba[rz]}", "/usr/bin/baz", true],
    ["/usr/bin/{fo?,ba[rz]}", "/usr/bin/bax", false],
    // regular-expression characters are literal
    ["/usr/lib/libc++.so.*", "/usr/lib/libc++.so.1", true],
    ["/usr/lib/a.b*", "/usr/lib/aXb1", false],
    ["/usr/share/(x)/*", "/usr/share/(x)/y", true],
    ["/usr/share/x$/*", "/usr/share/x$/y", true],
    ["/usr/share/a|b/*", "/usr/share/a/y", false],
    // a matched directory owns everything below it
    ["/usr/share/foo*", "/usr/share/foo-1.0/doc/README", true],
    ["/usr/lib/python3*/site-packages/foo", "/usr/lib/python3.12/site-packages/foo/__init__.py", true],
    ["/usr/share/foo*", "/usr/share/fo/x", false],
    ["/usr/share/foo", "/usr/share/foobar", false],
  ])("%s ~ %s: %s", (glob, path, matches) => {
    expect(globToRegExp(glob).test(path)).toBe(matches);
  });
});
