#!/usr/bin/env bash
# Response policy zone at scale: load time, memory and miss-path cost of the
# QNAME policy check for a zone of 1 000 000 triggers (control/rpz), in a
# release build of its own. Two zones: exact triggers only, and the same
# with one trigger in ten a wildcard (a miss then also probes each
# ancestor). Medians of ROUNDS loads and checks; the reference, measured in
# the same run, is one XXH3 hash of the same names.
#
# Usage: flock /tmp/boltdns-bench.lock bench/rpz/run.sh [-r ROUNDS] [-n TRIGGERS] [-o RESULT.md]
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
rounds=5 n=1000000 out=
while getopts r:n:o: o; do
  case $o in r) rounds=$OPTARG ;; n) n=$OPTARG ;; o) out=$OPTARG ;; *) exit 2 ;; esac
done
build="$src/build-bench-rpz"
[ -d "$build" ] || meson setup "$build" "$src" -Dbuildtype=release >/dev/null
ninja -C "$build" bench/rpz/bench_rpz >/dev/null
work=$(mktemp -d /tmp/boltdns-bench-rpz.XXXXXX)
trap 'rm -rf "$work"' EXIT

gen() { # FILE WILD_EVERY (0: none)
  awk -v n="$n" -v w="$2" 'BEGIN {
    print "$TTL 300"
    print "@ SOA ns.rpz.bench. admin.rpz.bench. 1 3600 600 86400 60"
    print "  NS ns.rpz.bench."
    for (i = 0; i < n; i++) {
      if (w > 0 && i % w == 0) print "*.wild" i ".example CNAME ."
      else print "host" i ".example CNAME ."
    }
  }' > "$1"
}
gen "$work/exact.zone" 0
gen "$work/wild.zone" 10

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
report() { # ZONE LABEL
  local raw="$work/$2.raw"
  "$build/bench/rpz/bench_rpz" "$1" rpz.bench. "$rounds" > "$raw"
  printf '| %s | %s | %s MiB | %s | %s MiB | %s ns | %s ns | %s ns | %s |\n' "$2" \
    "$(awk '$1 == "load_s" { print $2 }' "$raw" | median)" \
    "$(du -m "$1" | cut -f1)" \
    "$(awk '$1 == "bytes_per_rule" { print $2 }' "$raw" | median)" \
    "$(awk '$1 == "store_mib" { print $2 }' "$raw" | median)" \
    "$(awk '$1 == "miss_check_ns" { print $2 }' "$raw" | median)" \
    "$(awk '$1 == "hit_check_ns" { print $2 }' "$raw" | median)" \
    "$(awk '$1 == "xxh3_ns" { print $2 }' "$raw" | median)" \
    "$(awk '$1 == "miss_vs_xxh3" { print $2 }' "$raw" | median)"
  cat "$raw" >> "$work/all.raw"
}
{
  echo "| zone | load (s) | file | bytes per rule | store | miss check | hit check | XXH3 of the name (reference) | miss / XXH3 |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  report "$work/exact.zone" "$n exact"
  report "$work/wild.zone" "$n, 10 % wildcards"
} > "$work/table.md"
cat "$work/table.md"
if [ -n "$out" ]; then
  { cat "$work/table.md"; echo; echo '```'; cat "$work/all.raw"; echo '```'; } > "$out"
fi
