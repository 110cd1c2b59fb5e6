#!/usr/bin/python3
# Kiln's spec reader: parses RPM spec files with librpm's own parser (the parser rpmspec and
# rpmbuild use) through Debian's python3-rpm binding, and prints one JSON object per spec.
#
# Why not the rpmspec command: everything Kiln needs from a spec (the source header, every
# subpackage's header and %files list, the Source/Patch table) takes three rpmspec passes
# (--srpm, the binary query and -P), about 6 ms a spec; this reads it in one parse, about 2 ms.
#
# Usage: spec-reader.py [--define 'NAME VALUE']... [--max-memory BYTES] < paths (one per line)
# Output: {"ready": true} once librpm is loaded, then one line per spec as soon as it is read, in
# the order given: {"file", "ok", "messages", ...header data...}. rpm's own messages for a spec
# (error: line N: ...) are captured by pointing fd 2 at a scratch file while it parses.
#
# A spec is code (%(shell), %{lua:}): the Node side kills this process when one spec takes too
# long or prints too much, and starts it again for the specs after that one. So that a spec cannot
# take the others down with it, the list of paths is read before any spec, the output goes out on
# a descriptor the spec's commands do not inherit, this process is not dumpable (no
# /proc/PID/fd/1 for them) and its memory and file sizes are limited.
import ctypes
import json
import os
import resource
import signal
import stat
import sys
import tempfile

import rpm

MAX_MESSAGES = 64 * 1024
MAX_ADDRESS_SPACE = 4 * 1024 * 1024 * 1024
MAX_FILE_SIZE = 64 * 1024 * 1024
# The newest %changelog entries are enough to check an edit at the top (a version bump); a spec's
# whole history can run to thousands of entries.
CHANGELOG_ENTRIES = 3

defines = []
args = sys.argv[1:]
while args:
    if args[0] == "--define" and len(args) > 1:
        name, _, value = args[1].partition(" ")
        defines.append((name, value))
        args = args[2:]
    elif args[0] == "--max-memory" and len(args) > 1:
        MAX_ADDRESS_SPACE = int(args[1])
        args = args[2:]
    else:
        sys.stderr.write("spec-reader: unknown argument %r\n" % args[0])
        sys.exit(2)

paths = [line.rstrip("\n") for line in sys.stdin if line.rstrip("\n")]

# The output goes out on a private (close-on-exec) copy of stdout; fd 0 and 1 become /dev/null.
out = os.fdopen(os.dup(1), "w", encoding="utf-8")
null = os.open("/dev/null", os.O_RDWR)
os.dup2(null, 0)
os.dup2(null, 1)
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
try:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    # A Kiln killed with -9 cannot kill this process group: it dies with its parent instead.
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
except OSError:
    pass
# A macro memory bomb fails its spec (or this process), not the machine; a %(cat /dev/zero >&2)
# gets EFBIG on the scratch file instead of filling the disk.
resource.setrlimit(resource.RLIMIT_AS, (MAX_ADDRESS_SPACE, MAX_ADDRESS_SPACE))
resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_SIZE, MAX_FILE_SIZE))
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

# Every parse expands the build scriptlets' preamble, whose %_smp_build_ncpus runs a shell
# (Debian's platform macros): a fork and exec per spec, more than half the time of a read. Its value
# cannot change while this process runs, so it is expanded once, as rpm would, and then defined.
rpm.reloadConfig()
for name, value in defines:
    rpm.addMacro(name, value)
defines.append(("_smp_build_ncpus", rpm.expandMacro("%{_smp_build_ncpus}")))

scratch = tempfile.TemporaryFile()
saved_stderr = os.dup(2)


def text(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return v


def strings(h, tag):
    return [text(x) for x in (h[tag] or [])]


def messages_of(f):
    f.seek(0, os.SEEK_END)
    size = f.tell()
    f.seek(0)
    m = f.read(MAX_MESSAGES).decode("utf-8", "replace")
    if size > MAX_MESSAGES:
        m += "\n[rpm's messages for this spec were cut at 64 KiB of %d bytes]\n" % size
    return m


def read(path):
    # The Node side refused links and special files; one swapped in since is not read either.
    try:
        st = os.lstat(path)
    except OSError as e:
        return {"file": path, "ok": False, "messages": "error: %s\n" % e.strerror}
    if not stat.S_ISREG(st.st_mode):
        return {"file": path, "ok": False, "messages": "error: not a regular file\n"}
    rpm.reloadConfig()  # a spec's %global definitions must not leak into the next spec
    for name, value in defines:
        rpm.addMacro(name, value)
    rpm.addMacro("_sourcedir", os.path.dirname(os.path.abspath(path)))
    scratch.seek(0)
    scratch.truncate()
    os.dup2(scratch.fileno(), 2)
    data = None
    try:
        try:
            spec = rpm.spec(path, rpm.RPMSPEC_ANYARCH | rpm.RPMSPEC_FORCE)
        except Exception:
            spec = None
        if spec is not None:
            data = describe(spec)
    except MemoryError:
        data = None
        spec = None
        scratch.write(b"error: the spec used more memory than the reader allows\n")
    finally:
        os.dup2(saved_stderr, 2)
    messages = messages_of(scratch)
    if spec is None or data is None:
        return {"file": path, "ok": False, "messages": messages}
    data.update({"file": path, "ok": True, "messages": messages})
    return data


def describe(spec):
    h = spec.sourceHeader
    epoch = h[rpm.RPMTAG_EPOCH]
    packages = []
    for p in spec.packages:
        ph = p.header
        packages.append(
            {
                "name": text(ph[rpm.RPMTAG_NAME]),
                "arch": text(ph[rpm.RPMTAG_ARCH]),
                "requires": strings(ph, rpm.RPMTAG_REQUIRENEVRS),
                "provides": strings(ph, rpm.RPMTAG_PROVIDENEVRS),
                "files": text(p.fileList) or "",
            }
        )
    sources = []
    for name, num, flags in spec.sources:
        kind = "patch" if flags & rpm.RPMBUILD_ISPATCH else "source"
        sources.append({"name": text(name), "number": num, "kind": kind})
    times = h[rpm.RPMTAG_CHANGELOGTIME] or []
    names = strings(h, rpm.RPMTAG_CHANGELOGNAME)
    texts = strings(h, rpm.RPMTAG_CHANGELOGTEXT)
    changelog = [
        {"time": times[i], "name": names[i], "text": texts[i]}
        for i in range(min(CHANGELOG_ENTRIES, len(times)))
    ]
    return {
        "name": text(h[rpm.RPMTAG_NAME]),
        "epoch": epoch,
        "version": text(h[rpm.RPMTAG_VERSION]),
        "release": text(h[rpm.RPMTAG_RELEASE]),
        "buildRequires": strings(h, rpm.RPMTAG_REQUIRENEVRS),
        "sources": sources,
        "packages": packages,
        "changelog": changelog,
        "changelogCount": len(times),
    }


out.write('{"ready": true}\n')
out.flush()
for path in paths:
    out.write(json.dumps(read(path)) + "\n")
    out.flush()
