#!/bin/bash
# A/B of the dataplane hit path in memory (bench_dp_fastpath) between builds:
# ROUNDS rounds, each running every build once (the order rotated per round,
# so a drift of the machine spreads over all), fastpath-hit pinned to one
# CPU, then the scale mode (1 thread, then 2 on CPUs 0 and 1) per build.
# Every run takes the bench lock. Writes one line per run to OUT; then
# hitpath-report.py OUT makes the tables and the plot.
#
#   bench/dataplane/hitpath-ab.sh OUT BUILD_DIR...
# Knobs: ROUNDS (5), SECS (2 per mode), NAMES (100000), CPU (1), SCALE (1: run it),
# MODE (fastpath-hit; fastpath-miss times misses the same way). BENCH_DP_* of
# the environment reach every build (a build directory may also be a wrapper
# whose bench/dataplane/bench_dp_fastpath sets its own, e.g. BENCH_DP_PKC=0).
# With BENCH_DP_ZIPF, the workload line (zipf s=...) goes into OUT too.
set -u
out=$1
shift
builds=("$@")
rounds=${ROUNDS:-5}
secs=${SECS:-2}
names=${NAMES:-100000}
cpu=${CPU:-1}
mode=${MODE:-fastpath-hit}
n=${#builds[@]}
: >"$out"
for r in $(seq 1 "$rounds"); do
	for k in $(seq 0 $((n - 1))); do
		b=${builds[$(((k + r) % n))]}
		res=$(flock /tmp/boltdns-bench.lock taskset -c "$cpu" \
			"$b/bench/dataplane/bench_dp_fastpath" "$secs" "$names" "$mode" |
			grep -E -A2 "^($mode|zipf )" | tr '\n' ' ')
		echo "hit round=$r build=$b load=$(cut -d' ' -f1 /proc/loadavg) $res" >>"$out"
	done
done
if [ "${SCALE:-1}" = 1 ]; then
	for r in $(seq 1 "$rounds"); do
		for k in $(seq 0 $((n - 1))); do
			b=${builds[$(((k + r) % n))]}
			res=$(flock /tmp/boltdns-bench.lock \
				"$b/bench/dataplane/bench_dp_fastpath" "$secs" "$names" scale 2 |
				grep -E '^scale|thread' | tr '\n' ' ')
			echo "scale round=$r build=$b load=$(cut -d' ' -f1 /proc/loadavg) $res" >>"$out"
		done
	done
fi
