#!/usr/bin/env bash
# Build boltdns-dp, boltdns-cp, dp-stats and boltctl with ThreadSanitizer
# (clang, -Db_sanitize=thread) into BUILD (default: build-tsan-rel at the top
# of the source tree) and run the end-to-end socket path under load with it
# (tsan-load.sh: io = socket, 2 workers, misses, hits, TCP and control
# commands at once). Exit 0 only if no ThreadSanitizer report appeared.
#
# Usage: tests/reliability/tsan.sh [BUILD]   (as root; LOAD_SECONDS=20)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:-$src/build-tsan-rel}
command -v clang >/dev/null || { echo "clang not installed"; exit 77; }
if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ meson setup "$build" "$src" -Db_sanitize=thread -Db_lundef=false \
    -Dbuildtype=debugoptimized
fi
meson compile -C "$build" dataplane/boltdns-dp control/boltdns-cp dataplane/tools/dp-stats control/ctl/boltctl
exec "$here/tsan-load.sh" "$build/dataplane/boltdns-dp" "$build/control/boltdns-cp" \
  "$build/dataplane/tools/dp-stats" "$build/control/ctl/boltctl"
