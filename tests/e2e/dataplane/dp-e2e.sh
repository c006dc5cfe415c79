#!/usr/bin/env bash
# End-to-end test of boltdns-dp in one I/O mode, with real clients (dig,
# raw UDP from python3) and without the control plane: the cache is seeded
# with cache-put, misses are read (and answered) with ring-drain.
#
#   dp-e2e.sh MODE BUILD_DIR SOURCE_DIR
#   MODE: socket (127.0.0.1), af_packet, af_packet_mq (two queues, two
#         lcores) or af_xdp (veth pair + namespace)
#
# Cleans up (dataplane process, namespace, region file) on every exit path.
set -euo pipefail

MODE=$1
BUILD=$(cd "$2" && pwd)
SRC=$(cd "$3" && pwd)
DP=$BUILD/dataplane/boltdns-dp
PUT=$BUILD/dataplane/tools/cache-put
DRAIN=$BUILD/dataplane/tools/ring-drain
STATS=$BUILD/dataplane/tools/dp-stats
# The control socket without resolution (ctl-serve) for boltctl status/stats.
SERVE=$BUILD/control/ctl/ctl-serve
BOLTCTL=$BUILD/control/ctl/boltctl
XDP_OBJ=$BUILD/dataplane/xdp/boltdns_xdp.o
NETNS=$SRC/tests/tools/netns.sh
RAW=$SRC/tests/e2e/dataplane/dnsraw.py

# Only read by sanitizer builds: a leak inside DPDK's af_xdp PMD.
export LSAN_OPTIONS="suppressions=$SRC/tests/e2e/dataplane/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

TMP=$(mktemp -d /tmp/boltdns-e2e-dp.XXXXXX)
REGION=/dev/shm/boltdns-e2e-dp-$MODE-$$
NS=""
DP_PID=""
SERVE_PID=""
FAILS=0
RL_CONF=""

cleanup() {
	if [ -n "$SERVE_PID" ]; then
		kill -TERM "$SERVE_PID" 2>/dev/null || true
		wait "$SERVE_PID" 2>/dev/null || true
	fi
	if [ -n "$DP_PID" ] && kill -0 "$DP_PID" 2>/dev/null; then
		kill -TERM "$DP_PID" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$DP_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$DP_PID" 2>/dev/null || true
	fi
	[ -n "$NS" ] && "$NETNS" down "$NS" || true
	rm -f "$REGION"
	if [ "$FAILS" -ne 0 ] && [ -f "$TMP/dp.log" ]; then
		echo "---- boltdns-dp log ----"
		tail -n 40 "$TMP/dp.log"
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

say() { echo "# $*"; }
ok() { echo "ok - $*"; }
fail() { echo "not ok - $*"; FAILS=$((FAILS + 1)); }
check() { # check DESCRIPTION COMMAND...
	local d=$1
	shift
	if "$@"; then ok "$d"; else fail "$d"; fi
}

case "$MODE" in
socket)
	SERVER=127.0.0.1
	PORT=25353
	CLIENT=()
	IO="io = socket
listen = $SERVER@$PORT, [::1]@$PORT
workers = 2
packet-cache-size = 1048576"
	;;
af_packet|af_packet_mq|af_xdp)
	# Namespaces and raw sockets need root; meson counts 77 as skipped.
	[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root"; exit 77; }
	LCORES=0
	if [ "$MODE" = af_packet ] || [ "$MODE" = af_packet_mq ]; then
		# Names of this run's own ($$): concurrent runs from other
		# worktrees would otherwise tear down each other's namespace.
		NS=bdpk$$
		SUBNET=41
		EXC=bdpe$$
		# The dataplane owns the address: it answers ARP and pings itself.
		VDEV="net_af_packet0,iface=bh-$NS"
		# Frames that are not DNS go to the kernel through a TAP.
		XDP="exception = $EXC"
		if [ "$MODE" = af_packet_mq ]; then
			# Two queue pairs (PACKET_FANOUT spreads flows), two lcores.
			NS=bdpq$$
			SUBNET=43
			VDEV="net_af_packet0,iface=bh-$NS,qpairs=2"
			XDP="exception = $EXC"
			LCORES=0-1
		fi
		vars=$("$NETNS" up "$NS" "$SUBNET" --no-host-addr) || exit 1
		eval "$vars"
	else
		NS=bdpx$$
		SUBNET=42
		# The kernel keeps the address (ARP, ping); the XDP program
		# steals UDP/53 for the dataplane.
		vars=$("$NETNS" up "$NS" "$SUBNET") || exit 1
		eval "$vars"
		VDEV="net_af_xdp0,iface=$HOST_IF"
		XDP="xdp-prog = $XDP_OBJ"
		[ -f "$XDP_OBJ" ] || { echo "1..0 # SKIP no XDP object (build with -Dxdp)"; exit 77; }
	fi
	SERVER=$HOST_ADDR
	PORT=53
	CLIENT=(ip netns exec "$NS")
	ADDRS=$SERVER
	if [ "$MODE" = af_packet ]; then
		# IPv6 too: the dataplane owns SERVER6 (it answers the namespace's
		# neighbour solicitations), the namespace end has CLIENT6. A
		# unique-local /64 of this run's own ($$), in the namespace only.
		P6=fd00:bd:$(printf '%x' $(($$ % 65536)))
		SERVER6=$P6::1
		CLIENT6=$P6::2
		ADDRS="$SERVER, $SERVER6"
	fi
	IO="io = dpdk
eal = -l $LCORES --no-huge -m 256 --no-pci --file-prefix=bdp-$MODE-$$ --log-level=lib.eal:error --vdev=$VDEV
address = $ADDRS
$XDP"
	;;
*)
	echo "unknown mode $MODE" >&2
	exit 2
	;;
esac

write_conf() { # write_conf WIPE
	cat > "$TMP/dp.conf" <<EOF
[dataplane]
$IO
[cache]
path = $REGION
size = 48M
wipe = $1
ring-slots = 64
[control]
socket = $TMP/ctl.sock
$RL_CONF
EOF
}

start_dp() {
	"$DP" -c "$TMP/dp.conf" >> "$TMP/dp.log" 2>&1 &
	DP_PID=$!
	for _ in $(seq 100); do
		if ! kill -0 "$DP_PID" 2>/dev/null; then
			echo "boltdns-dp exited early"; cat "$TMP/dp.log"; exit 1
		fi
		if [ -f "$REGION" ] && [ "$(stat_of dp_lcores)" -ge 1 ] 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "boltdns-dp did not come up"; cat "$TMP/dp.log"; exit 1
}

stop_dp() {
	kill -TERM "$DP_PID"
	local rc=0
	wait "$DP_PID" || rc=$?
	DP_PID=""
	return $rc
}

stat_of() { "$STATS" "$REGION" 2>/dev/null | awk -v k="$1" '$1 == k { print $2 }'; }

client() { "${CLIENT[@]}" "$@"; }
qdig() { client dig @"$SERVER" -p "$PORT" +time=2 +tries=1 "$@"; }

say "mode $MODE, server $SERVER port $PORT"
write_conf yes
start_dp
check "dataplane pid and heartbeat in the region" \
	test "$(stat_of dp_pid)" = "$DP_PID" -a "$(stat_of dp_heartbeat)" -gt 0
if [ "$MODE" = socket ]; then
	# the socket workers run no fast path: no packet cache of 128 MiB
	# each (1048576 slots) allocated for nothing
	rss=$(awk '/^RssAnon:/ { print $2 }' "/proc/$DP_PID/status")
	check "socket workers: no packet cache allocated (RssAnon $rss kB)" test "$rss" -lt 65536
fi

# ---- cached answers --------------------------------------------------------
"$PUT" "$REGION" www.example.com A 300 198.18.5.5 198.18.5.6
"$PUT" -x "alias.example.com. 120 CNAME www.example.com." -x "www.example.com. 300 A 198.18.5.5" \
	"$REGION" alias.example.com A 120
"$PUT" -r NXDOMAIN "$REGION" nx.example.com A 60

out=$(qdig www.example.com A +noall +answer)
check "cached A answer exact" test "$(echo "$out" | awk '{print $1, $3, $4, $5}' | sort)" = \
"$(printf 'www.example.com. IN A 198.18.5.5\nwww.example.com. IN A 198.18.5.6')"
ttl1=$(echo "$out" | awk 'NR==1 {print $2}')
check "TTL fresh ($ttl1)" test "$ttl1" -ge 299 -a "$ttl1" -le 300

out=$(qdig WwW.ExAmPlE.cOm A +noall +answer +noedns)
check "case-insensitive hit keeps the client's case" \
	test "$(echo "$out" | awk 'NR==1 {print $1}')" = "WwW.ExAmPlE.cOm."
out=$(qdig alias.example.com A +noall +answer)
check "CNAME chain served" test "$(echo "$out" | awk '{print $4}' | tr '\n' ' ')" = "CNAME A "
out=$(qdig nx.example.com A)
check "cached NXDOMAIN" grep -q "status: NXDOMAIN" <<<"$out"

sleep 2
ttl2=$(qdig www.example.com A +noall +answer | awk 'NR==1 {print $2}')
check "TTL decreased after 2 s ($ttl1 -> $ttl2)" test "$ttl2" -le $((ttl1 - 2)) -a "$ttl2" -ge $((ttl1 - 4))

if [ "$MODE" = socket ]; then
	out=$(dig @::1 -p "$PORT" +time=2 +tries=1 www.example.com A +short | sort | tr '\n' ' ')
	check "IPv6 listener answers from the cache" test "$out" = "198.18.5.5 198.18.5.6 "
	dig @::1 -p "$PORT" +time=1 +tries=1 v6miss.example.com A > /dev/null 2>&1 || true
	check "IPv6 miss reached the ring with the client address" \
		grep -q "v6miss.example.com. A client=::1#" <<<"$("$DRAIN" -w 2 "$REGION")"
fi

# ---- misses -----------------------------------------------------------------
out=$(qdig miss.example.com AAAA || true)
check "miss is not answered by the dataplane" grep -q "timed out" <<<"$out"
out=$("$DRAIN" -w 2 "$REGION")
check "miss reached the ring" grep -q "miss.example.com. AAAA client=" <<<"$out"

qdig answered.example.com MX > "$TMP/dig.out" 2>&1 &
dig_pid=$!
out=$("$DRAIN" -w 3 -n 1 -a SERVFAIL "$REGION")
wait "$dig_pid" || true
check "control-plane answer from the answer ring reaches the client" \
	grep -q "status: SERVFAIL" "$TMP/dig.out"

# ---- bad packets -------------------------------------------------------------
q() { client python3 "$RAW" query "$SERVER" "$PORT" "$1" 1; }
check "compressed question -> FORMERR" grep -q "^rcode=1 id=4097 qd=0" <<<"$(q compressed)"
check "64-byte label -> FORMERR" grep -q "^rcode=1 id=4098" <<<"$(q hugelabel)"
check "QDCOUNT 2 -> FORMERR" grep -q "^rcode=1 id=4102" <<<"$(q qdcount)"
check "opcode STATUS -> NOTIMP" grep -q "^rcode=4 id=4099" <<<"$(q status)"
check "EDNS version 1 -> BADVERS (OPT, question echoed)" grep -q "^rcode=0 id=4100 qd=1 an=0 ar=1" <<<"$(q badvers)"
check "5-byte datagram dropped" test "$(q short)" = noreply

# ---- counters -----------------------------------------------------------------
"$STATS" "$REGION" > "$TMP/stats"
st() { awk -v k="$1" '$1 == k { print $2 }' "$TMP/stats"; }
check "counters: hits $(st hits) >= 5" test "$(st hits)" -ge 5
check "counters: misses $(st misses) >= 2" test "$(st misses)" -ge 2
check "counters: formerr $(st formerr) >= 3" test "$(st formerr)" -ge 3
check "counters: notimp $(st notimp) >= 1" test "$(st notimp)" -ge 1
check "counters: dropped_bad $(st dropped_bad) >= 1" test "$(st dropped_bad)" -ge 1
check "counters: answers_sent $(st answers_sent) >= 1" test "$(st answers_sent)" -ge 1
# (tx also counts what the kernel sends through the exception TAP)
check "counters: rx $(st rx_pkts) >= 13, tx $(st tx_pkts) >= 11" test "$(st rx_pkts)" -ge 13 -a "$(st tx_pkts)" -ge 11

# ---- IPv6 through the DPDK port (the fast path's IPv6 branch) -----------------------
if [ -n "${SERVER6:-}" ]; then
	t6=${EPOCHREALTIME/./}
	ip netns exec "$NS" sysctl -qw "net.ipv6.conf.$NS_IF.disable_ipv6=0"
	ip -n "$NS" addr add "$CLIENT6/64" dev "$NS_IF" nodad
	# dig and kdig both: +nocookie (and kdig's default, no options) keep
	# the OPT without options that the fast path takes, +noedns the plain
	# header; the cookie query goes the general path (its OPT has an option).
	d6() { client dig -6 @"$SERVER6" -p "$PORT" +time=2 +tries=1 "$@"; }
	k6() { client kdig -6 @"$SERVER6" -p "$PORT" +time=2 +retry=0 "$@"; }
	# the answer section without TTLs, sorted
	an() { awk '!/^;/ && NF >= 5 { print $1, $3, $4, $5 }' | sort; }
	h0=$(stat_of hits)
	same=0
	for name in www.example.com alias.example.com; do
		a4=$(qdig "$name" A +noall +answer | an || true)
		a6=$(d6 "$name" A +noall +answer +nocookie | an || true)
		if [ -n "$a4" ] && [ "$a4" = "$a6" ]; then
			same=$((same + 1))
		else
			say "$name over IPv4: $a4"
			say "$name over IPv6: $a6"
		fi
	done
	check "IPv6 (dig) and IPv4 give the same answer section ($same of 2 names)" test "$same" = 2
	a6k=$(k6 www.example.com A +noall +answer | an || true)
	check "IPv6 (kdig, EDNS) answer section: $(echo $a6k)" test "$a6k" = \
		"$(printf 'www.example.com. IN A 198.18.5.5\nwww.example.com. IN A 198.18.5.6')"
	out=$(d6 WwW.ExAmPlE.cOm A +noall +answer +noedns || true)
	check "IPv6 0x20 query (no EDNS) echoed with its case" \
		test "$(echo "$out" | awk 'NR==1 {print $1}')" = "WwW.ExAmPlE.cOm."
	out=$(d6 wWw.eXaMpLe.CoM A +noall +answer +question +nocookie || true)
	check "IPv6 0x20 query (EDNS) echoed with its case in question and answer" \
		test "$(echo "$out" | awk '$1 == ";wWw.eXaMpLe.CoM." {q++} $1 == "wWw.eXaMpLe.CoM." {a++} END {print q + 0, a + 0}')" = "1 2"
	out=$(d6 nx.example.com A +nocookie || true)
	check "IPv6 cached NXDOMAIN" grep -q "status: NXDOMAIN" <<<"$out"
	h1=$(stat_of hits)
	# 2 dig names + kdig + two 0x20 + NXDOMAIN: 6 queries over IPv6, the
	# IPv4 ones of the loop 2 more (misses here would time out: no
	# control plane answers them)
	check "IPv6 queries counted as dataplane cache hits ($h0 -> $h1, >= +8)" \
		test "$h1" -ge $((h0 + 8))
	mac6=$(client ip -6 neigh show "$SERVER6" | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}')
	check "neighbour solicitation for $SERVER6 answered by the dataplane ($mac6)" \
		test "$mac6" = "$HOST_MAC"
	# a miss: on the ring with the client's address, its answer from the
	# answer ring back through the port over IPv6
	d6 v6miss.example.com AAAA +nocookie > "$TMP/dig6.out" 2>&1 &
	dig_pid=$!
	out=$("$DRAIN" -w 2 -n 1 -a SERVFAIL "$REGION" || true)
	wait "$dig_pid" || true
	check "IPv6 miss reached the ring with the client address" \
		grep -q "v6miss.example.com. AAAA client=$CLIENT6#" <<<"$out"
	check "IPv6 miss answered from the answer ring through the port" \
		grep -q "status: SERVFAIL" "$TMP/dig6.out"
	say "IPv6 checks took $(( (${EPOCHREALTIME/./} - t6) / 1000 )) ms"
fi

# ---- link-level duties (DPDK modes) --------------------------------------------
if [ "$MODE" = af_packet ] || [ "$MODE" = af_packet_mq ]; then
	mac=$(client ip neigh show "$SERVER" | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}')
	check "ARP for $SERVER answered by the dataplane ($mac)" test "$mac" = "$HOST_MAC"
	check "ping answered by the dataplane" test "$(client python3 "$RAW" ping "$SERVER" 3)" = reply
	check "counters: arp $(stat_of arp) >= 2" test "$(stat_of arp)" -ge 2
	# The kernel behind the exception TAP owns TCP: nothing listens on
	# port 9, so a refused connection proves the round trip through it.
	ip addr add "$SERVER/24" dev "$EXC"
	ip link set "$EXC" up
	# Up to three tries: with every CPU busy polling, the kernel's own
	# ARP exchange through the TAP can be starved once.
	out=$(client python3 -c "
import socket
for attempt in range(3):
    s = socket.socket()
    s.settimeout(3)
    try:
        s.connect(('$SERVER', 9))
        res = 'connected'
    except Exception as e:
        res = type(e).__name__
    s.close()
    if res == 'ConnectionRefusedError':
        break
print(res)
")
	check "TCP to the service address answered by the kernel via the exception TAP ($out)" \
		test "$out" = ConnectionRefusedError
	check "counters: exception $(stat_of exception) >= 1" test "$(stat_of exception)" -ge 1
fi
if [ "$MODE" = af_xdp ]; then
	check "XDP program attached" grep -q "prog/xdp" <<<"$(ip -d link show "$HOST_IF")"
	# DNS to another address of the host stays with the kernel (nothing
	# listens there: refused), never reaching the dataplane.
	other=${SERVER%.*}.3
	ip addr add "$other/24" dev "$HOST_IF"
	nd0=$(stat_of not_dns)
	out=$(client dig @"$other" +time=2 +tries=1 www.example.com A 2>&1 || true)
	check "XDP program redirects only the service address (kernel refused $other)" \
		grep -q "connection refused" <<<"$out"
	check "not_dns unchanged ($nd0 -> $(stat_of not_dns))" test "$(stat_of not_dns)" = "$nd0"
	check "ping still answered by the kernel" test "$(client python3 "$RAW" ping "$SERVER" 1)" = reply
	# A burst of answers from the answer ring: each is built in an mbuf of
	# the dataplane's pool, which the PMD sends from its UMEM; mbufs outside
	# it (a pool not packed, --no-huge) stopped the socket's TX for good.
	# Three rounds of 60 misses (the miss ring has 64 slots), all answered.
	if command -v dnsperf > /dev/null 2>&1; then
		for i in $(seq 60); do echo "burst$i.example.com A"; done > "$TMP/burst.txt"
		burst_ok=0
		for round in 1 2 3; do
			"$DRAIN" -w 4 -n 60 -a SERVFAIL "$REGION" > /dev/null &
			drain_pid=$!
			client dnsperf -s "$SERVER" -d "$TMP/burst.txt" -n 1 -q 60 -t 3 \
				> "$TMP/burst-$round.out" 2>&1 || true
			wait "$drain_pid" || true
			n=$(awk '/Queries completed:/ { print $3 }' "$TMP/burst-$round.out")
			[ "${n:-0}" = 60 ] && burst_ok=$((burst_ok + 1))
		done
		check "bursts of 60 answers from the answer ring all reach the client ($burst_ok of 3 rounds)" \
			test "$burst_ok" = 3
		out=$(qdig www.example.com A +short | sort | tr '\n' ' ' || true)
		check "TX still flows after the bursts" test "$out" = "198.18.5.5 198.18.5.6 "
	else
		say "no dnsperf: answer-burst check skipped"
	fi
fi

if [ "$MODE" = af_packet_mq ]; then
	# Flows from random source ports land on both queues.
	for i in $(seq 16); do qdig "spread$i.example.com" A +short > /dev/null 2>&1 || true; done
	r0=$("$STATS" -l 0 "$REGION" | awk '$1 == "rx_pkts" {print $2}')
	r1=$("$STATS" -l 1 "$REGION" | awk '$1 == "rx_pkts" {print $2}')
	check "both lcores received queries (rx $r0 / $r1)" test "$r0" -gt 0 -a "$r1" -gt 0
	check "two lcores running" test "$(stat_of dp_lcores)" = 2
	"$DRAIN" "$REGION" > /dev/null
fi

# ---- ports in the region (dp-stats -p), in boltctl status / stats ------------------
if [ "$MODE" != socket ]; then
	out=$("$STATS" -p "$REGION")
	check "dp-stats -p: the port with the veth's MAC" \
		grep -qx "port.0.mac $HOST_MAC" <<<"$out"
	check "dp-stats -p: link up" grep -qx "port.0.link up" <<<"$out"
fi
if [ -x "$SERVE" ] && [ -x "$BOLTCTL" ]; then
	# The same file, but attaching to the region, never wiping it.
	sed 's/^wipe = yes$/wipe = no/' "$TMP/dp.conf" > "$TMP/ctl.conf"
	"$SERVE" -c "$TMP/ctl.conf" > "$TMP/serve.log" 2>&1 &
	SERVE_PID=$!
	for _ in $(seq 100); do [ -S "$TMP/ctl.sock" ] && break; sleep 0.05; done
	sleep 1.2 # one refresh of the port table after the queries above
	"$BOLTCTL" -s "$TMP/ctl.sock" status > "$TMP/status" 2>&1 || true
	"$BOLTCTL" -s "$TMP/ctl.sock" --json status > "$TMP/status.json" 2>&1 || true
	"$BOLTCTL" -s "$TMP/ctl.sock" stats_noreset > "$TMP/cstats" 2>&1 || true
	sv() { awk -v k="$1" 'index($0, k ": ") == 1 { print substr($0, length(k) + 3) }' "$2"; }
	pv() { sv "dataplane.port.0.$1" "$TMP/status"; }
	check "status lists the ports in the JSON reply too" \
		python3 -c 'import json,sys; r = json.load(open(sys.argv[1]))["result"]["dataplane"]; sys.exit(0 if r["port"]["0"]["name"] and r["io"] else 1)' "$TMP/status.json"
	if [ "$MODE" = socket ]; then
		check "status: io socket, 2 workers, listen addresses ($(pv name), $(sv dataplane.port.1.name "$TMP/status"))" \
			test "$(sv dataplane.io "$TMP/status")" = socket -a "$(sv dataplane.workers "$TMP/status")" = 2 \
			-a "$(pv name)" = "127.0.0.1@$PORT" -a "$(sv dataplane.port.1.name "$TMP/status")" = "[::1]@$PORT" \
			-a "$(pv socket.1.worker)" = 1
		check "status: worker threads have thread ids" test "$(sv dataplane.worker.1.tid "$TMP/status")" -gt 0
	else
		case "$MODE" in
		af_xdp) drv=net_af_xdp ;;
		*) drv=net_af_packet ;;
		esac
		check "status: io dpdk, port driver $(pv driver)" \
			test "$(sv dataplane.io "$TMP/status")" = dpdk -a "$(pv driver)" = "$drv"
		check "status: port MAC $(pv mac) is the veth's ($HOST_MAC)" test "$(pv mac)" = "$HOST_MAC"
		# (af_xdp: xdp_prog= is appended to the vdev's arguments)
		args_ok=no
		case "$(pv args)" in "${VDEV#*,}"*) args_ok=yes ;; esac
		check "status: link $(pv link), device $(pv name) args '$(pv args)'" \
			test "$(pv link)" = up -a "$(pv name)" = "${VDEV%%,*}" -a "$args_ok" = yes
		nq=1
		[ "$MODE" = af_packet_mq ] && nq=2
		check "status: $(pv rx_queues) RX / $(pv tx_queues) TX queues, queue $((nq - 1)) polled by lcore $(pv queue.$((nq - 1)).lcore)" \
			test "$(pv rx_queues)" = "$nq" -a "$(pv tx_queues)" = "$nq" -a "$(pv queue.$((nq - 1)).lcore)" = $((nq - 1))
		check "status: port counters ipackets $(pv ipackets) >= 13, opackets $(pv opackets) >= 5" \
			test "$(pv ipackets)" -ge 13 -a "$(pv opackets)" -ge 5
		check "stats: per-port counters (port.0.ipackets $(sv port.0.ipackets "$TMP/cstats"))" \
			test "$(sv port.0.ipackets "$TMP/cstats")" -ge 13 -a -n "$(sv port.0.imissed "$TMP/cstats")"
	fi
	# The packet cache of the DPDK modes (dataplane/pktcache.h): the same
	# query repeated within a second is answered from it (dig +nocookie:
	# the OPT without options the fast path takes); an entry replaced, then
	# flushed (boltctl flush), is answered anew, then missed, at once.
	if [ "$MODE" != socket ]; then
		# (af_packet: the kernel sees the queries too; without the
		# address on the exception TAP it does not refuse them)
		case "$MODE" in af_packet*) ip addr del "$SERVER/24" dev "$EXC" ;; esac
		# (from one source port: one RSS queue, so one lcore's table;
		# from three, the queries may go to both lcores of the
		# multi-queue mode, and the third to another second)
		pkc_port=$((40000 + $$ % 20000))
		pq() { qdig -b "0.0.0.0#$pkc_port" pkc.example.com A +nocookie +short || true; }
		"$PUT" "$REGION" pkc.example.com A 300 198.18.6.1
		a1=$(pq); a2=$(pq); a3=$(pq)
		check "packet cache: the same query three times ($a1, $a2, $a3)" \
			test "$a1 $a2 $a3" = "198.18.6.1 198.18.6.1 198.18.6.1"
		# (the second or third query is answered from it: counted)
		ph=$(stat_of pkc_hits)
		check "packet cache: its hits counted (pkc_hits ${ph:-none})" test "${ph:-0}" -ge 1
		"$PUT" "$REGION" pkc.example.com A 300 198.18.6.2
		a4=$(pq)
		check "packet cache: the replaced entry's address at once ($a4)" test "$a4" = 198.18.6.2
		a5=$(pq)
		"$BOLTCTL" -s "$TMP/ctl.sock" flush pkc.example.com > /dev/null 2>&1 || true
		out=$(qdig pkc.example.com A +nocookie || true)
		check "packet cache: after boltctl flush a miss at once (not answered by the dataplane; $a5 before)" \
			grep -q "timed out" <<<"$out"
		"$DRAIN" -w 1 "$REGION" > /dev/null 2>&1 || true
		case "$MODE" in af_packet*) ip addr add "$SERVER/24" dev "$EXC" ;; esac
	fi
	kill -TERM "$SERVE_PID" 2>/dev/null || true
	wait "$SERVE_PID" 2>/dev/null || true
	SERVE_PID=""
else
	say "no ctl-serve/boltctl in $BUILD: port listing not checked"
fi

# ---- restart keeps the cache ------------------------------------------------------
stop_rc=0
stop_dp || stop_rc=$?
check "clean exit on SIGTERM (rc $stop_rc)" test "$stop_rc" = 0
check "region file kept, dp_pid cleared" test -f "$REGION" -a "$(stat_of dp_pid)" = 0
write_conf no
start_dp
out=$(qdig www.example.com A +short | sort | tr '\n' ' ')
check "cache survives a dataplane restart" test "$out" = "198.18.5.5 198.18.5.6 "

# ---- a region of an older layout ---------------------------------------------------
if [ "$MODE" = socket ]; then
	stop_dp || true
	# layout_version (offset 8) back to 3, the layout before the port table
	printf '\x03\x00\x00\x00' | dd of="$REGION" bs=1 seek=8 conv=notrunc status=none
	out=$("$STATS" "$REGION" 2>&1 || true)
	check "an old region is refused with a clear error ($out)" grep -q "layout version mismatch" <<<"$out"
	start_dp
	check "the dataplane re-creates an old region (wipe = no)" \
		test "$(grep -c 'bytes, created' "$TMP/dp.log")" = 2
	check "two workers running on the re-created region" test "$(stat_of dp_lcores)" = 2
fi

# ---- rate limit across workers ------------------------------------------------------
# One client prefix from 200 source ports: RSS / PACKET_FANOUT / SO_REUSEPORT
# spread its flows over both workers, which share one budget per prefix.
if [ "$MODE" = socket ] || [ "$MODE" = af_packet_mq ]; then
	stop_dp || true
	RL_CONF="[ratelimit]
rate = 20
slip = 2"
	write_conf no
	start_dp
	"$PUT" "$REGION" rl.example.com A 300 198.18.5.7
	lq() { "$STATS" -l "$1" "$REGION" | awk '$1 == "queries" {print $2}'; }
	q0=$(lq 0)
	q1=$(lq 1)
	out=$(client python3 "$RAW" flood "$SERVER" "$PORT" rl.example.com 200)
	say "flood: $out"
	fv() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" <<<"$out"; }
	d0=$(($(lq 0) - q0))
	d1=$(($(lq 1) - q1))
	check "the flood reached both workers ($d0 / $d1 queries)" test "$d0" -gt 0 -a "$d1" -gt 0
	check "one prefix gets at most rate answers per second in all ($(fv answered) <= 20 x $(fv seconds) s)" \
		test "$(fv answered)" -ge 1 -a "$(fv answered)" -le $((20 * $(fv seconds)))
	check "limited answers slip TC=1 ($(fv tc))" test "$(fv tc)" -ge 1
	check "counters: rl_dropped $(stat_of rl_dropped), rl_slipped $(stat_of rl_slipped)" \
		test "$(stat_of rl_dropped)" -ge 1 -a "$(stat_of rl_slipped)" -ge 1

	# DNS Cookies (RFC 7873): a client cookie alone is limited like any
	# query, and every reply carries it back with a server cookie; the
	# flood presenting that server cookie is not limited at all.
	cc=2464c4abcf10c957
	out=$(client python3 "$RAW" flood "$SERVER" "$PORT" rl.example.com 200 "$cc")
	say "flood with a client cookie: $out"
	check "client cookie alone: limited ($(fv answered) <= 20 x $(fv seconds) s), replies with a cookie ($(fv cookies))" \
		test "$(fv answered)" -le $((20 * $(fv seconds))) -a "$(fv cookies)" = $(($(fv answered) + $(fv tc)))
	full=$(sed -n 's/.*cookie=\([0-9a-f]*\).*/\1/p' <<<"$out")
	check "the reply's cookie: our client cookie and a 16-byte version-1 server cookie ($full)" \
		test "${#full}" = 48 -a "${full:0:16}" = "$cc" -a "${full:16:2}" = 01
	out=$(client python3 "$RAW" flood "$SERVER" "$PORT" rl.example.com 200 "$full")
	say "flood with a valid server cookie: $out"
	# (no TC: nothing was limited; what did not come back was lost in a
	# busy machine's socket buffers, not dropped by the limit)
	check "a valid server cookie is exempt: $(fv answered) of 200 answered (> 20 x $(fv seconds) s), $(fv tc) TC" \
		test "$(fv answered)" -gt $((20 * $(fv seconds))) -a "$(fv tc)" = 0
	# (the exempt flood left the prefix's budget for this second untouched)
	out=$(qdig rl.example.com A +cookie || true)
	check "dig +cookie: the server's cookie is good" grep -q "COOKIE: .* (good)" <<<"$out"
	# A miss: the control plane's answer (here ring-drain's) leaves the
	# dataplane with the server cookie too.
	qdig cmiss.example.com MX +cookie > "$TMP/dig-ck.out" 2>&1 &
	dig_pid=$!
	"$DRAIN" -w 3 -n 1 -a SERVFAIL "$REGION" > /dev/null || true
	wait "$dig_pid" || true
	check "the answer to a miss carries a good server cookie" \
		grep -q "COOKIE: .* (good)" "$TMP/dig-ck.out"
	grep -q "COOKIE: .* (good)" "$TMP/dig-ck.out" || sed 's/^/# /' "$TMP/dig-ck.out"
	bad=${full:0:46}$(printf '%02x' $(( (0x${full:46:2} + 1) % 256 )))
	out=$(client python3 "$RAW" flood "$SERVER" "$PORT" rl.example.com 50 "$bad")
	check "an invalid server cookie is a client cookie alone: limited, not BADCOOKIE ($out)" \
		test "$(fv answered)" -ge 1 -a "$(fv answered)" -le $((20 * $(fv seconds)))
	sleep 1 # a second with a fresh budget
	out=$(qdig rl.example.com A +cookie=$cc'00' 2>&1 || true)
	check "a malformed COOKIE (9 bytes) gets FORMERR" grep -q "status: FORMERR" <<<"$out"
fi

if [ "$FAILS" -ne 0 ]; then
	echo "$FAILS check(s) failed"
	exit 1
fi
echo "all checks passed"
