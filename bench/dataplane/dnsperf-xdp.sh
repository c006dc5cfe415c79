#!/usr/bin/env bash
# dnsperf from a network namespace through net_af_xdp (our XDP program on a
# veth pair) against boltdns-dp with a hot cache and one dataplane core.
# Prints dnsperf's summary and one line "qps N". Reports, asserts nothing.
#
#   bench/dataplane/dnsperf-xdp.sh [BUILD_DIR] [SECONDS] [NAMES]
#
# Needs root. Uses namespace bdp-perf, 198.18.44.0/24, and the CPUs: the
# dataplane polls on the last CPU, dnsperf runs on the others (on a 2-CPU
# machine that is one each). veth and the kernel side of AF_XDP (copy mode
# on veth) cost far more than the dataplane itself, so this measures the
# set-up as much as boltdns; bench_dp_fastpath gives the dataplane's own cost.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
SECS=${2:-10}
NAMES=${3:-1000}
NS=bdp-perf
SUBNET=44
TMP=$(mktemp -d /tmp/boltdns-dnsperf-xdp.XXXXXX)
REGION=/dev/shm/boltdns-dnsperf-xdp-$$
DP_PID=""

cleanup() {
	if [ -n "$DP_PID" ]; then
		kill -TERM "$DP_PID" 2>/dev/null || true
		wait "$DP_PID" 2>/dev/null || true
	fi
	"$SRC/tests/tools/netns.sh" down "$NS" || true
	rm -f "$REGION"
	rm -rf "$TMP"
}
trap cleanup EXIT

vars=$("$SRC/tests/tools/netns.sh" up "$NS" "$SUBNET")
eval "$vars"
NCPU=$(nproc)
DP_CPU=$((NCPU - 1))
CLIENT_CPUS=0-$((NCPU > 1 ? NCPU - 2 : 0))

cat > "$TMP/dp.conf" <<EOF
[dataplane]
io = dpdk
eal = -l $DP_CPU --no-huge -m 512 --no-pci --file-prefix=bdp-perf-$$ --log-level=lib.eal:error --vdev=net_af_xdp0,iface=$HOST_IF
address = $HOST_ADDR
xdp-prog = $BUILD/dataplane/xdp/boltdns_xdp.o
[cache]
path = $REGION
size = 256M
wipe = yes
ring-slots = 1024
EOF
"$BUILD/dataplane/boltdns-dp" -c "$TMP/dp.conf" > "$TMP/dp.log" 2>&1 &
DP_PID=$!
for _ in $(seq 100); do
	grep -q "io = dpdk" "$TMP/dp.log" && break
	kill -0 "$DP_PID" || { cat "$TMP/dp.log"; exit 1; }
	sleep 0.1
done

# Hot cache: every name dnsperf asks for is cached.
for i in $(seq 0 $((NAMES - 1))); do
	"$BUILD/dataplane/tools/cache-put" "$REGION" "host$i.perf.example" A 86400 \
		"198.18.100.$((i % 250 + 1))"
	echo "host$i.perf.example A" >> "$TMP/queries"
done

echo "# dnsperf ${SECS}s, $NAMES names, dataplane on CPU $DP_CPU, dnsperf on CPU $CLIENT_CPUS"
ip netns exec "$NS" taskset -c "$CLIENT_CPUS" dnsperf -s "$HOST_ADDR" -d "$TMP/queries" \
	-l "$SECS" -c 8 -T 1 -q 500 -t 2 > "$TMP/dnsperf.out" 2>&1 || true
sed -n '/Statistics:/,$p' "$TMP/dnsperf.out"
"$BUILD/dataplane/tools/dp-stats" "$REGION" | grep -E "^(rx_pkts|tx_pkts|hits|misses|tx_drops) "
qps=$(awk '/Queries per second/ {print $4}' "$TMP/dnsperf.out")
echo "qps ${qps:-0}"
