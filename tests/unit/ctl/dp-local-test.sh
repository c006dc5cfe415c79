#!/usr/bin/env bash
# Local data and statistics end to end: the real dataplane (boltdns-dp,
# io = socket on loopback) answers from the cache, the control socket
# (ctl-serve, the control-socket library without resolution) fills it with
# local data through boltctl, and dig is the client.
#   dp-local-test.sh BOLTDNS_DP CTL_SERVE BOLTCTL HEALTH_SCRIPT
set -uo pipefail
DP=$1
SERVE=$2
BOLTCTL=$3
HEALTH=$4
command -v dig >/dev/null || { echo "dig not installed: skipped"; exit 77; }

tmp=$(mktemp -d /tmp/boltdns-dp-local.XXXXXX)
region=/dev/shm/boltdns-dp-local-$$
port=$((30000 + $$ % 20000))
sock=$tmp/ctl.sock
dpid= spid=
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp" "$region"
}
trap cleanup EXIT
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
q() { dig +tries=1 +time=2 -p "$port" @127.0.0.1 "$@"; }

printf '198.18.10.1 gw.dp.test\n2001:db8::a gw6.dp.test\n' >"$tmp/hosts"
cat >"$tmp/boltdns.conf" <<CONF
[dataplane]
io = socket
listen = 127.0.0.1@$port
workers = 1
[cache]
path = $region
size = 32M
ring-slots = 64
[control]
socket = $sock
[local]
hosts = $tmp/hosts
data = conf.dp.test. 60 A 198.18.10.2
CONF

"$DP" -c "$tmp/boltdns.conf" >"$tmp/dp.log" 2>&1 &
dpid=$!
for _ in $(seq 100); do [ -e "$region" ] && break; sleep 0.05; done
sleep 0.2
"$SERVE" -c "$tmp/boltdns.conf" >"$tmp/serve.log" 2>&1 &
spid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
[ -S "$sock" ] || { cat "$tmp/dp.log" "$tmp/serve.log"; echo "FAIL: no control socket"; exit 1; }

out=$("$BOLTCTL" -s "$sock" status)
grep -qx 'dataplane.running: yes' <<<"$out" || bad "status: $out"
grep -qx 'dataplane.lcores: 1' <<<"$out" || bad "lcores: $out"

# configuration local data, answered by the dataplane
[ "$(q +short conf.dp.test)" = 198.18.10.2 ] || bad "conf.dp.test: $(q conf.dp.test)"
[ "$(q +short gw.dp.test)" = 198.18.10.1 ] || bad "gw.dp.test"
[ "$(q +short gw6.dp.test AAAA)" = 2001:db8::a ] || bad "gw6.dp.test"
[ "$(q +short -x 198.18.10.1)" = gw.dp.test. ] || bad "PTR 198.18.10.1: $(q -x 198.18.10.1)"
[ "$(q +short -x 2001:db8::a)" = gw6.dp.test. ] || bad "PTR 2001:db8::a"
q +dnssec conf.dp.test | grep -q 'flags: qr aa' || bad "not authoritative"

# added at run time, two records in one RRset, with and without DO
"$BOLTCTL" -s "$sock" local_data add "rt.dp.test. 30 A 198.18.10.3" >/dev/null || bad "add"
"$BOLTCTL" -s "$sock" local_data add "rt.dp.test. 30 A 198.18.10.4" >/dev/null || bad "add 2"
[ "$(q +short rt.dp.test | sort | tr '\n' ' ')" = "198.18.10.3 198.18.10.4 " ] || bad "rt.dp.test: $(q rt.dp.test)"
[ "$(q +short +dnssec rt.dp.test | wc -l)" = 2 ] || bad "rt.dp.test DO=1"
"$BOLTCTL" -s "$sock" local_data add 'txt.dp.test. 30 TXT "hello world"' >/dev/null || bad "add txt"
[ "$(q +short txt.dp.test TXT)" = '"hello world"' ] || bad "TXT: $(q txt.dp.test TXT)"

# flushes keep local data; remove takes it away
"$BOLTCTL" -s "$sock" flush_all >/dev/null || bad "flush_all"
[ "$(q +short rt.dp.test | wc -l)" = 2 ] || bad "lost after flush_all"
"$BOLTCTL" -s "$sock" local_data remove rt.dp.test >/dev/null || bad "remove"
"$BOLTCTL" -s "$sock" lookup rt.dp.test >/dev/null 2>&1 && bad "still in cache after remove"

# the dataplane's counters through stats
out=$("$BOLTCTL" -s "$sock" stats_noreset)
hits=$(sed -n 's/^total.hits: //p' <<<"$out")
[ "${hits:-0}" -ge 10 ] || bad "hits: $out"
grep -q '^lcore.0.queries: ' <<<"$out" || bad "no lcore 0: $out"
grep -q '^total.qtype.AAAA: [1-9]' <<<"$out" || bad "no AAAA counted: $out"

# the anycast health check sees a running dataplane
BOLTCTL=$BOLTCTL BOLTDNS_CONF=$tmp/boltdns.conf "$HEALTH" --once >/dev/null || bad "health check"
BOLTCTL=$BOLTCTL BOLTDNS_CONF=$tmp/boltdns.conf HEALTH_QUERY="conf.dp.test A" \
	HEALTH_PORT=$port "$HEALTH" --once >/dev/null || bad "health check with a query"

# the dataplane stops: status says so, health check fails
kill "$dpid"; wait "$dpid" 2>/dev/null; dpid=
sleep 0.2
BOLTCTL=$BOLTCTL BOLTDNS_CONF=$tmp/boltdns.conf "$HEALTH" --once >/dev/null && bad "healthy without a dataplane"
BOLTCTL=$BOLTCTL BOLTDNS_CONF=$tmp/boltdns.conf REQUIRE_DATAPLANE=0 HEALTH_QUERY="conf.dp.test A" \
	HEALTH_PORT=$port "$HEALTH" --once >/dev/null && bad "healthy without answers"

if [ "$fails" = 0 ]; then
	echo "dataplane + local data: all passed"
else
	echo "--- boltdns-dp"; cat "$tmp/dp.log"; echo "--- ctl-serve"; cat "$tmp/serve.log"
fi
[ "$fails" = 0 ]
