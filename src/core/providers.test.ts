import { describe, expect, it } from "vitest";
import { parseDep } from "./deps.js";
import { parseFilesList } from "./files-provides.js";
import { hostMatcher, ProviderIndex } from "./providers.js";

/** source/binary names of what provides `text`, sorted. */
const who = (index: ProviderIndex, text: string): string[] =>
  index
    .providersOf(parseDep(text))
    .map((p) => `${p.source}/${p.binary}`)
    .sort();

function sample(): ProviderIndex {
  const index = new ProviderIndex();
  index.addProvides("foo", "foo", [parseDep("foo = 1.2-3"), parseDep("foo(x86-64) = 1.2-3")]);
  index.addProvides("foo", "foo-devel", [
    parseDep("foo-devel = 1.2-3"),
    parseDep("pkgconfig(foo) = 1.2"),
    parseDep("virtual-thing"),
  ]);
  index.addProvides("bar", "bar", [parseDep("bar = 2:0.9-1"), parseDep("virtual-thing = 5")]);
  index.addProvides("baz", "baz", [parseDep("baz = 3.0-1"), parseDep("libbaz.so.3()(64bit)")]);
  index.addFiles(
    "foo",
    "foo",
    parseFilesList("/usr/bin/foo\n%dir /usr/share/foo\n/usr/lib64/libfoo.so.*\n/usr/share/foo-{a,b}/*.dat"),
  );
  index.addFiles("foo", "foo-devel", parseFilesList("/usr/include/foo\n/usr/lib64/pkgconfig/foo.pc"));
  index.addFiles(
    "bar",
    "bar",
    parseFilesList("/usr/bin/bar\n/usr/bin/foo\n/usr/lib/python3*/site-packages/bar"),
  );
  index.addFiles("baz", "baz", parseFilesList("/*.baz"));
  return index;
}

describe("ProviderIndex.providersOf", () => {
  const index = sample();
  it.each<[string, string[]]>([
    // by name, any version
    ["foo", ["foo/foo"]],
    ["foo-devel", ["foo/foo-devel"]],
    ["pkgconfig(foo)", ["foo/foo-devel"]],
    ["libbaz.so.3()(64bit)", ["baz/baz"]],
    ["nothing-provides-this", []],
    // version constraints
    ["foo >= 1.0", ["foo/foo"]],
    ["foo >= 1.2", ["foo/foo"]],
    ["foo > 1.2", []],
    ["foo > 1.2-2", ["foo/foo"]],
    ["foo < 1.2", []],
    ["foo < 2", ["foo/foo"]],
    ["foo <= 1.2-3", ["foo/foo"]],
    ["foo = 1.2", ["foo/foo"]],
    ["foo = 1.2-3", ["foo/foo"]],
    ["foo = 1.2-4", []],
    ["foo = 1.3", []],
    ["pkgconfig(foo) >= 1.1", ["foo/foo-devel"]],
    ["pkgconfig(foo) >= 1.3", []],
    // epochs
    ["bar >= 1.0", ["bar/bar"]],
    ["bar >= 1:5.0", ["bar/bar"]],
    ["bar >= 3:0.1", []],
    ["bar = 2:0.9", ["bar/bar"]],
    // a virtual capability with and without a version on the provide
    ["virtual-thing", ["bar/bar", "foo/foo-devel"]],
    ["virtual-thing >= 4", ["bar/bar", "foo/foo-devel"]],
    ["virtual-thing >= 6", ["foo/foo-devel"]],
    // files: exact, with a version (ignored for files), several owners
    ["/usr/bin/bar", ["bar/bar"]],
    ["/usr/bin/foo", ["bar/bar", "foo/foo"]],
    ["/usr/bin/baz", []],
    ["/usr/lib64/pkgconfig/foo.pc", ["foo/foo-devel"]],
    // a directory owns everything below it
    ["/usr/share/foo", ["foo/foo"]],
    ["/usr/share/foo/x/y.txt", ["foo/foo"]],
    ["/usr/include/foo/foo.h", ["foo/foo-devel"]],
    ["/usr/share/foobar", []],
    ["/usr/share", []],
    // globs
    ["/usr/lib64/libfoo.so.1", ["foo/foo"]],
    ["/usr/lib64/libfoo.so.1.2.3", ["foo/foo"]],
    ["/usr/lib64/libfoo.so", []],
    ["/usr/share/foo-a/x.dat", ["foo/foo"]],
    ["/usr/share/foo-b/y.dat", ["foo/foo"]],
    ["/usr/share/foo-c/y.dat", []],
    ["/usr/share/foo-a/y.txt", []],
    ["/usr/lib/python3.12/site-packages/bar", ["bar/bar"]],
    ["/usr/lib/python3.12/site-packages/bar/__init__.py", ["bar/bar"]],
    ["/usr/lib/python2.7/other", []],
    ["/x.baz", ["baz/baz"]],
    ["/dir/x.baz", []],
  ])("%s", (text, expected) => {
    expect(who(index, text)).toStrictEqual(expected);
  });

  it("lists each binary once, even when it matches several ways", () => {
    const index = new ProviderIndex();
    index.addProvides("p", "p", [parseDep("cap = 1"), parseDep("cap = 2"), parseDep("/usr/bin/p")]);
    index.addFiles("p", "p", parseFilesList("/usr/bin/p\n/usr/bin\n/usr/bin/*"));
    expect(index.providersOf(parseDep("cap"))).toHaveLength(1);
    expect(index.providersOf(parseDep("/usr/bin/p"))).toHaveLength(1);
  });

  it("gives the same Provider object for the same binary, however it was found", () => {
    const index = sample();
    const [byName] = index.providersOf(parseDep("foo"));
    const [byFile] = index.providersOf(parseDep("/usr/share/foo/x"));
    const [byGlob] = index.providersOf(parseDep("/usr/lib64/libfoo.so.1"));
    expect(byName).toBeDefined();
    expect(byFile).toBe(byName);
    expect(byGlob).toBe(byName);
    expect(index.provider("foo", "foo")).toBe(byName);
    expect(index.provider("foo", "foo-devel")).not.toBe(byName);
  });

  it("answers from provides and files added after an earlier lookup", () => {
    const index = new ProviderIndex();
    const cap = parseDep("late");
    const file = parseDep("/opt/late");
    expect(index.providersOf(cap)).toStrictEqual([]);
    expect(index.providersOf(file)).toStrictEqual([]);
    index.addProvides("l", "late", [cap]);
    index.addFiles("l", "late", parseFilesList("/opt/late"));
    expect(index.providersOf(cap)).toStrictEqual([{ source: "l", binary: "late" }]);
    expect(index.providersOf(file)).toStrictEqual([{ source: "l", binary: "late" }]);
  });

  it("does not treat a capability name that is not a path as a file", () => {
    const index = new ProviderIndex();
    index.addFiles("x", "x", parseFilesList("/usr/bin/tool"));
    expect(index.providersOf(parseDep("tool"))).toStrictEqual([]);
    expect(index.providersOf(parseDep("usr/bin/tool"))).toStrictEqual([]);
  });
});

describe("ProviderIndex.sameName", () => {
  it("lists every capability of that name with its version, whatever was asked", () => {
    const index = sample();
    expect(index.sameName("virtual-thing")).toStrictEqual([
      { source: "foo", binary: "foo-devel", dep: { name: "virtual-thing" } },
      { source: "bar", binary: "bar", dep: { name: "virtual-thing", op: "=", evr: { version: "5" } } },
    ]);
    expect(index.sameName("nothing")).toStrictEqual([]);
  });
});

describe("hostMatcher", () => {
  const patterns = ["gcc", "make", "libc.so.6*", "rtld(GNU_HASH)", "perl(*)", "*-devel-host", "a*b*c"];
  it.each<[string, boolean]>([
    ["gcc", true],
    ["make", true],
    ["gcc-c++", false],
    ["gc", false],
    ["libc.so.6", true],
    ["libc.so.6()(64bit)", true],
    ["libc.so.6(GLIBC_2.34)(64bit)", true],
    ["libcXso.6", false], // the dot is literal
    ["libm.so.6", false],
    ["rtld(GNU_HASH)", true],
    ["rtld(GNU_HASHX)", false],
    ["perl(Foo::Bar)", true],
    ["perl()", true],
    ["perl", false],
    ["zlib-devel-host", true],
    ["-devel-host", true],
    ["zlib-devel-host2", false],
    ["abc", true],
    ["a-b-c", true],
    ["ab", false],
    ["xabc", false],
    ["", false],
  ])("%s: %s", (name, expected) => {
    const isHost = hostMatcher(patterns);
    expect(isHost(name)).toBe(expected);
    expect(isHost(name)).toBe(expected); // memoized answer is the same
  });

  it("matches nothing without patterns", () => {
    expect(hostMatcher([])("gcc")).toBe(false);
  });

  it("treats other regular-expression characters literally", () => {
    const isHost = hostMatcher(["a+b", "x?", "[y]", "p|q", "back\\slash*"]);
    expect(isHost("a+b")).toBe(true);
    expect(isHost("aab")).toBe(false);
    expect(isHost("x?")).toBe(true);
    expect(isHost("x")).toBe(false);
    expect(isHost("[y]")).toBe(true);
    expect(isHost("y")).toBe(false);
    expect(isHost("p")).toBe(false);
    expect(isHost("back\\slash-1")).toBe(true);
  });

  it("lets * match anything, the empty string included", () => {
    const isHost = hostMatcher(["*"]);
    expect(isHost("anything at all")).toBe(true);
    expect(isHost("")).toBe(true);
  });
});
