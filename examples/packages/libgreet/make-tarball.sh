#!/bin/sh
# Regenerates libgreet-1.0.tar.gz from upstream/libgreet-1.0/.
# Reproducible: the same tree gives the same bytes (whatever the umask or
# checkout time), so the tarball can be committed next to its source.
set -eu
cd "$(dirname "$0")/upstream"
tar --sort=name --mtime=2024-01-01 --owner=0 --group=0 --numeric-owner \
    --mode=u=rwX,go=rX -cf - libgreet-1.0 | gzip -n -9 > ../libgreet-1.0.tar.gz
