#!/usr/bin/env bash
# The whole boltdns test suite on a fresh Debian 12 machine, as root:
# installs the packages, builds with gcc, with clang + ASan/UBSan (and the
# libFuzzer targets) and with TSan, runs every test, prints one summary line.
#   bash tests/run-all.sh            everything
#   QUICK=1 bash tests/run-all.sh    gcc build only, no fuzzing, no TSan
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD

log() { printf '\n=== %s\n' "$*"; }

log "installing packages"
bash deploy/install-deps.sh || { echo "package installation failed"; exit 1; }

# DPDK end-to-end tests want hugepages; --no-huge runs also work without.
echo 512 > /proc/sys/vm/nr_hugepages 2>/dev/null || true

results=()
fail=0

run_build() { # name, meson setup args..., -- meson test args...
	local name=$1; shift
	local setup=() testargs=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do setup+=("$1"); shift; done
	[ "${1:-}" = "--" ] && shift
	testargs=("$@")
	local dir="$top/build-ci-$name"
	log "build $name: meson setup ${setup[*]}"
	rm -rf "$dir"
	if ! meson setup "$dir" "${setup[@]}" >"$dir.setup.log" 2>&1; then
		cat "$dir.setup.log"; echo "setup of $name failed"; fail=1; return
	fi
	if ! meson compile -C "$dir" >"$dir.compile.log" 2>&1; then
		tail -60 "$dir.compile.log"; echo "build $name failed"; fail=1; return
	fi
	grep -E 'warning:' "$dir.compile.log" | sort -u | head -40
	log "tests $name: meson test ${testargs[*]}"
	meson test -C "$dir" --print-errorlogs "${testargs[@]}" || fail=1
	results+=("$dir/meson-logs/testlog.json")
}

run_build gcc -Dbuildtype=debugoptimized -- --no-suite fuzz

if [ -z "${QUICK:-}" ]; then
	# (suite reference: the fake hierarchy and Unbound checked against
	# themselves; no boltdns code to sanitize, they ran in the gcc build;
	# suite long: load, differential and timing scenarios over code the
	# other e2e tests run too, tests/meson.build lists them)
	CC=clang CXX=clang++ run_build asan -Db_sanitize=address,undefined -Db_lundef=false \
		-Dfuzz=enabled -- --no-suite reference --no-suite long
	# TSan: the cache stress test (threads and a second process), the ring
	# doorbell (threads and a forked producer against sleeping consumers), the
	# published NSEC ranges (a writer thread against a reader), and the
	# dataplane + control plane under load; the other stress tests are
	# floods whose point is the gcc build's speed.
	CC=clang CXX=clang++ run_build tsan -Db_sanitize=thread -Db_lundef=false -Dbench=disabled \
		-- cache_stress cache_doorbell cache_negrange rel-load-2workers
fi

# One closing line for the whole run: N passed, N failed, N skipped.
python3 - "${results[@]}" <<'PY'
import json, sys
p = f = s = 0
for path in sys.argv[1:]:
    try:
        lines = open(path).read().splitlines()
    except OSError:
        continue
    for line in lines:
        r = json.loads(line).get("result", "")
        if r in ("OK", "EXPECTEDFAIL"):
            p += 1
        elif r == "SKIP":
            s += 1
        else:
            f += 1
print(f"\n{p} passed, {f} failed, {s} skipped")
sys.exit(1 if f else 0)
PY
[ $? -eq 0 ] || fail=1
exit $fail
