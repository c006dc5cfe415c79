#!/usr/bin/env bash
# The kernel-free end-to-end figure: boltdns-loadgen <-> net_memif <->
# boltdns-dp, two DPDK processes and shared memory between them, against the
# bare reflector (boltdns-reflector) on the same memif path as the reference.
#
#   bench/memif/run.sh [OUT_PREFIX]       (as root; one command, ~3-4 minutes)
#
# Builds a release variant (-Dbuildtype=release -Dcpu=native) in
# build-memif-bench/ unless BUILD names a build directory, seeds a cache of
# NAMES names (1, 2 or 3 A records each; the queries carry EDNS), then for
# ROUNDS rounds runs each server (the order alternating per round) with, per
# server, one flat-out run (at most OUTSTANDING queries in flight) and one
# fixed-rate run per rate of RATES, SECS seconds each. The measurement holds
# the bench lock (/tmp/boltdns-bench.lock).
#
# CPU split (two CPUs): the server (boltdns-dp's one lcore, or the reflector)
# on CPU DP_CPU (0), the load generator on CPU LG_CPU (1), each pinned with
# --lcores 0@N; both busy-poll (idle-sleep = 0), nothing else of ours runs.
# The server's CPU share is read from /proc around every run: qps per core is
# the answered rate divided by that share (the CPU is shared with other work).
# Every run starts its server afresh, and each of the three programs reports
# its busy time per frame or query: the time of its loop turns that had work
# and kept the CPU (boltdns-dp's exit line "worker 0: busy", the reflector's
# and the load generator's RESULT), which holds however little CPU the
# scheduler left it; report.py derives from them what each would answer on a
# core of its own.
#
# Writes OUT_PREFIX-raw.txt (one line a run), OUT_PREFIX.md (tables, medians)
# and OUT_PREFIX.png (gnuplot) with OUT_PREFIX = bench/results/DATE-memif by
# default. Knobs: ROUNDS (5) SECS (4) RATES ("100000 500000") OUTSTANDING
# (2048) NAMES (1000) DP_CPU (0) LG_CPU (1) BUILD, SERVERS ("reflector dp":
# "dp" loops boltdns-dp alone, e.g. to chase a crash), STOP_ON_CRASH (0).
#
# When a server dies on its own (or exits other than 0 on SIGTERM), the
# temporary directory is kept and its path and the tail of the server's log
# are printed (with STOP_ON_CRASH=1 the script stops there, exit status 3);
# set up core dumps beforehand (ulimit -c unlimited, kernel.core_pattern) to
# get one.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/bench/results/$(date -u +%Y-%m-%d)-memif}
ROUNDS=${ROUNDS:-5}
SECS=${SECS:-4}
RATES=${RATES:-100000 500000}
OUTSTANDING=${OUTSTANDING:-2048}
NAMES=${NAMES:-1000}
DP_CPU=${DP_CPU:-0}
LG_CPU=${LG_CPU:-1}
BUILD=${BUILD:-$ROOT/build-memif-bench}
SERVERS=${SERVERS:-reflector dp}
STOP_ON_CRASH=${STOP_ON_CRASH:-0}
LOCK=/tmp/boltdns-bench.lock

log() { echo "memif: $*" >&2; }
die() { echo "memif: error: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (DPDK's runtime directory, CPU pinning)"
if [ ! -f "$BUILD/build.ninja" ]; then
	log "configuring a release build in $BUILD"
	meson setup "$BUILD" -Dbuildtype=release -Dcpu=native -Dfuzz=disabled -Dbench=disabled >/dev/null
fi
log "building in $BUILD"
ninja -C "$BUILD" dataplane/boltdns-dp dataplane/tools/cache-put dataplane/tools/dp-stats \
	bench/loadgen/boltdns-loadgen bench/loadgen/boltdns-reflector >/dev/null
DP=$BUILD/dataplane/boltdns-dp
PUT=$BUILD/dataplane/tools/cache-put
STATS=$BUILD/dataplane/tools/dp-stats
LG=$BUILD/bench/loadgen/boltdns-loadgen
RF=$BUILD/bench/loadgen/boltdns-reflector

TMP=$(mktemp -d /tmp/boltdns-memif-bench.XXXXXX)
REGION=/dev/shm/boltdns-memif-bench-$$
SRV_MAC=02:00:00:00:6d:01
LG_MAC=02:00:00:00:6d:02
SRV_IP=198.19.78.1
LG_IP=198.19.78.2
SRV_PID=""
KEEP_TMP=0
CRASHES=0
cleanup() {
	set +e
	if [ -n "$SRV_PID" ]; then
		kill -TERM "$SRV_PID" 2>/dev/null
		wait "$SRV_PID" 2>/dev/null
	fi
	rm -f "$REGION"
	rm -rf /var/run/dpdk/bmb-*-$$
	if [ "$KEEP_TMP" = 1 ]; then
		log "$CRASHES server failure(s): kept $TMP (logs: *.log, crash-*.log)"
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT

EAL_SRV="--lcores=0@$DP_CPU --no-huge -m 512 --no-pci --log-level=lib.eal:error"
cat > "$TMP/dp.conf" <<EOF
[dataplane]
io = dpdk
eal = $EAL_SRV --file-prefix=bmb-dp-$$ --vdev=net_memif0,role=server,socket=/tmp/bmb-dp-$$.sock,mac=$SRV_MAC
address = $SRV_IP
idle-sleep = 0
[cache]
path = $REGION
size = 64M
wipe = WIPE
ring-slots = 64
EOF

start_dp() { # start_dp yes|no (wipe)
	sed "s/^wipe = .*/wipe = $1/" "$TMP/dp.conf" > "$TMP/dp-run.conf"
	"$DP" -c "$TMP/dp-run.conf" > "$TMP/dp.log" 2>&1 &
	SRV_PID=$!
	for _ in $(seq 150); do
		kill -0 "$SRV_PID" 2>/dev/null || { tail "$TMP/dp.log"; SRV_PID=""; die "boltdns-dp exited"; }
		[ "$("$STATS" "$REGION" 2>/dev/null | awk '$1 == "dp_pid" { print $2 }')" = "$SRV_PID" ] &&
			[ "$("$STATS" "$REGION" 2>/dev/null | awk '$1 == "dp_lcores" { print $2 }')" -ge 1 ] 2>/dev/null &&
			return 0
		sleep 0.1
	done
	die "boltdns-dp did not come up"
}
start_rf() {
	# shellcheck disable=SC2086
	"$RF" $EAL_SRV --file-prefix=bmb-rf-$$ \
		--vdev=net_memif0,role=server,socket=/tmp/bmb-rf-$$.sock,mac=$SRV_MAC -- \
		--ip $SRV_IP > "$TMP/rf.log" 2>&1 &
	SRV_PID=$!
}
# A server that died on its own, or did not exit 0 on SIGTERM: keep the
# temporary directory, save the server's log, print its tail.
srv_failed() { # srv_failed WHAT STATUS
	local what=$1 st=$2 f
	CRASHES=$((CRASHES + 1)) KEEP_TMP=1
	f=$TMP/crash-$CRASHES.log
	if [ -f "$TMP/dp.log" ] && [ "${what%% *}" != reflector ]; then cp "$TMP/dp.log" "$f"; else cp "$TMP/rf.log" "$f" 2>/dev/null; fi
	log "server $what: exit status $st$( [ "$st" -gt 128 ] 2>/dev/null && echo " (signal $((st - 128)))"); log kept in $f; its tail:"
	tail -n 20 "$f" >&2 || true
	if [ "$STOP_ON_CRASH" = 1 ]; then
		SRV_PID=""
		exit 3
	fi
}
stop_srv() {
	local st=0 alive=1
	kill -0 "$SRV_PID" 2>/dev/null || alive=0
	[ "$alive" = 0 ] || kill -TERM "$SRV_PID"
	wait "$SRV_PID" || st=$?
	SRV_PID=""
	if [ "$alive" = 0 ]; then
		srv_failed "$1 (died during the run)" "$st"
	elif [ "$st" != 0 ]; then
		srv_failed "$1 (on SIGTERM)" "$st"
	fi
}
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# ---- the cache and the query file --------------------------------------------------
log "seeding $NAMES names"
start_dp yes
: > "$TMP/queries"
for i in $(seq 1 "$NAMES"); do
	n=$(( (i - 1) % 3 + 1 )) rr=()
	for k in $(seq 1 $n); do rr+=("198.18.$((i % 250)).$((k + 10 * (i / 250)))"); done
	name=$(printf 'h%05d.memif.bench' "$i")
	"$PUT" "$REGION" "$name" A 86400 "${rr[@]}"
	echo "$name A" >> "$TMP/queries"
done
stop_srv seed

# One measured run: start the server, one loadgen run, stop the server (its
# busy time per frame is in its exit log line); appends a line to the raw file.
run_one() { # run_one ROUND SERVER MODE LOADGEN_ARGS...
	local round=$1 srv=$2 mode=$3 sock
	shift 3
	: > "$TMP/$srv.log"
	if [ "$srv" = dp ]; then
		start_dp no
		sock=/tmp/bmb-dp-$$.sock
	else
		start_rf
		sock=/tmp/bmb-rf-$$.sock
	fi
	local t0 w0 t1 w1 out
	t0=$(ticks "$SRV_PID") w0=$(date +%s.%N)
	out=$("$LG" --lcores=0@$LG_CPU --no-huge -m 512 --no-pci --log-level=lib.eal:error \
		--file-prefix=bmb-lg-$$ --vdev=net_memif0,role=client,socket=$sock,mac=$LG_MAC -- \
		--queries "$TMP/queries" --src-ip $LG_IP --dst-ip $SRV_IP --dst-mac $SRV_MAC \
		--edns 1232 --duration "$SECS" --timeout 1000 --wait 500 --label "$srv-$mode" "$@" 2>&1 |
		grep '^RESULT' || true)
	t1=$(ticks "$SRV_PID") w1=$(date +%s.%N)
	stop_srv "$srv $mode round $round"
	local share busy
	share=$(awk -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" -v a="$w0" -v b="$w1" \
		'BEGIN { printf "%.3f", t / hz / (b - a) }')
	# the server's busy time per frame: boltdns-dp's exit line, the reflector's RESULT
	if [ "$srv" = dp ]; then
		busy=$(grep 'worker 0: busy' "$TMP/dp.log" | tail -1 |
			sed -E 's/.*busy ([0-9.]+) %.*: ([0-9.]+) ns each.*/srv_busy_pct=\1 srv_busy_ns=\2/')
	else
		busy=$(grep '^RESULT reflector' "$TMP/rf.log" | tail -1 |
			sed -E 's/.*busy_pct=([0-9.]+) busy_ns_per_pkt=([0-9.]+).*/srv_busy_pct=\1 srv_busy_ns=\2/')
	fi
	[ -n "$out" ] || { log "$srv $mode: no result"; out="RESULT none"; }
	echo "run round=$round server=$srv bench_mode=$mode srv_cpu_share=$share ${busy:-srv_busy_ns=nan} load=$(cut -d' ' -f1 /proc/loadavg) ${out#RESULT }" \
		>> "$OUT-raw.txt"
	log "round $round $srv $mode: $(grep -o 'answer_qps=[0-9]*' <<<"$out") p50 $(grep -o 'p50_us=[0-9]*' <<<"$out" | cut -d= -f2) us, server CPU share $share, $busy $(grep -o 'lg_busy_ns_per_query=[0-9.]*' <<<"$out")"
}

server_block() { # server_block ROUND SERVER
	local round=$1 srv=$2
	run_one "$round" "$srv" flat --outstanding "$OUTSTANDING"
	for r in $RATES; do
		run_one "$round" "$srv" "rate$r" --rate "$r"
	done
}

mkdir -p "$(dirname "$OUT")"
{
	echo "# bench/memif/run.sh $(date -u +%FT%TZ) commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo ?)"
	echo "# $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); DPDK $(pkg-config --modversion libdpdk 2>/dev/null || echo ?)"
	echo "# build $BUILD: $(meson introspect "$BUILD" --buildoptions 2>/dev/null | python3 -c 'import json,sys; o={x["name"]: x["value"] for x in json.load(sys.stdin)}; print("buildtype=%s cpu=%s" % (o.get("buildtype"), o.get("cpu")))' 2>/dev/null || echo ?)"
	echo "# rounds=$ROUNDS secs=$SECS rates=$RATES outstanding=$OUTSTANDING names=$NAMES server_cpu=$DP_CPU loadgen_cpu=$LG_CPU"
} > "$OUT-raw.txt"
# the bench lock for the whole measurement (~1 minute a round): taken once,
# since flock is not first come, first served and other benchmarks queue too
exec 9>"$LOCK"
log "waiting for the bench lock"
flock 9
for round in $(seq 1 "$ROUNDS"); do
	if [ $((round % 2)) = 1 ]; then order="reflector dp"; else order="dp reflector"; fi
	[ "$SERVERS" = "reflector dp" ] || order=$SERVERS
	for srv in $order; do server_block "$round" "$srv"; done
done
flock -u 9
exec 9>&-
python3 "$ROOT/bench/memif/report.py" "$OUT-raw.txt" "$OUT.png" > "$OUT.md"
log "wrote $OUT.md, $OUT-raw.txt, $OUT.png"
