#!/usr/bin/env bash
# boltctl and /metrics against a real control socket server (ctl-serve, the
# control-socket library over a region in /dev/shm, without resolving).
#   boltctl-test.sh BOLTCTL CTL_SERVE HAVE_MHD(0|1)
set -uo pipefail
BOLTCTL=$1
SERVE=$2
HAVE_MHD=${3:-1}

tmp=$(mktemp -d /tmp/boltctl-test.XXXXXX)
region=/dev/shm/boltdns-boltctl-test-$$
sock=$tmp/run/ctl.sock
port=$((20000 + $$ % 20000))
conf=$tmp/boltdns.conf
pid=

cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -n "${fake:-}" ] && kill "$fake" 2>/dev/null
	rm -rf "$tmp" "$region"
}
trap cleanup EXIT

. "$(dirname "$0")/lib.sh"
boltctl=("$BOLTCTL")

write_conf() {
	cat >"$conf" <<CONF
[cache]
path = $region
size = 32M
ring-slots = 64

[control]
socket = $sock
socket-mode = 0660
$( [ "$HAVE_MHD" = 1 ] && echo "metrics = 127.0.0.1@$port" )

[local]
hosts = $tmp/hosts
data = conf.example. 60 A 198.18.3.3
$1
CONF
}

printf '198.18.9.1 gw.example\n' >"$tmp/hosts"
write_conf ""
"$SERVE" -c "$conf" -w >"$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
[ -S "$sock" ] || { cat "$tmp/serve.log"; echo "FAIL: ctl-serve did not start"; exit 1; }

S=(-s "$sock")
expect 0 '^version: ' -- "${S[@]}" status
[ "$HAVE_MHD" = 1 ] && expect 0 "^metrics: http://127.0.0.1:$port/metrics\$" -- "${S[@]}" status
expect 0 'dataplane.running: no' -- -c "$conf" status
expect 0 '^\{"ok":true,"result":\{"version":' -- "${S[@]}" --json status
expect 0 'total.queries: 0' -- "${S[@]}" stats
expect 0 'cp.reloads: 0' -- "${S[@]}" stats_noreset
expect 1 '^boltctl: error: unknown command' -- "${S[@]}" frobnicate
expect 1 '^\{"ok":false,"error":' -- "${S[@]}" --json frobnicate
expect 1 'usage: lookup' -- "${S[@]}" lookup
expect 1 'unknown type' -- "${S[@]}" lookup a.example. NOTATYPE
expect 1 'not in cache' -- "${S[@]}" lookup nothing.example.
expect 2 'cannot connect' -- -s "$tmp/nonexistent.sock" status
expect 64 'usage' --
expect 64 'exclude' -- -c "$conf" -s "$sock" status
expect 0 '^flush_all$' -- "${S[@]}" help

# local data, quoting of arguments with blanks and quotes
expect 0 'gw.example.	3600	IN	A	198.18.9.1' -- "${S[@]}" lookup gw.example
expect 0 'PTR	gw.example.' -- "${S[@]}" lookup 1.9.18.198.in-addr.arpa PTR
expect 0 'conf.example.	60	IN	A	198.18.3.3' -- "${S[@]}" lookup conf.example
expect 0 'records: ' -- "${S[@]}" local_data add "x.example. 60 A 198.18.0.9"
expect 0 'records: ' -- "${S[@]}" local_data add 'txt.example. 60 TXT "two words" "and \"quoted\""'
expect 0 '"two words" "and \\"quoted\\""' -- "${S[@]}" lookup txt.example TXT
expect 0 'x.example.	60	IN	A	198.18.0.9' -- "${S[@]}" lookup x.example
expect 1 'bad A RDATA' -- "${S[@]}" local_data add "y.example. 60 A 300.1.1.1"
expect 0 ';; x.example. A do=1 static' -- "${S[@]}" dump_cache
expect 0 '"entries":' -- "${S[@]}" --json dump_cache
expect 0 'deleted: ' -- "${S[@]}" flush_all
expect 0 '198.18.0.9' -- "${S[@]}" lookup x.example
expect 0 'removed: 1' -- "${S[@]}" local_data remove x.example.
expect 1 'not in cache' -- "${S[@]}" lookup x.example
expect 0 'deleted: 0' -- "${S[@]}" flush_negative
expect 0 'deleted: ' -- "${S[@]}" flush_zone example
expect 0 'deleted: ' -- "${S[@]}" flush_type gw.example A
expect 0 'deleted: ' -- "${S[@]}" flush gw.example

# hooks: verbosity, reload picks up new local data
expect 0 'verbosity: 3' -- "${S[@]}" verbosity 3
expect 1 '0..4' -- "${S[@]}" verbosity 7
write_conf "data = new.example. 60 AAAA 2001:db8::99"
expect 0 'local_records: ' -- "${S[@]}" reload
expect 0 '2001:db8::99' -- "${S[@]}" lookup new.example AAAA
expect 0 'cp.reloads: 1' -- "${S[@]}" stats_noreset
echo "[local]" >"$tmp/bad.conf"; echo "bogus-key = 1" >>"$tmp/bad.conf"
cp "$tmp/bad.conf" "$conf"
expect 1 'error: .*bogus' -- "${S[@]}" reload
write_conf ""

# /metrics over HTTP
if [ "$HAVE_MHD" = 1 ] && command -v curl >/dev/null; then
	sleep 1.2 # hook statistics are refreshed once a second
	m=$(curl -sf "http://127.0.0.1:$port/metrics")
	if [ $? -ne 0 ]; then
		bad "curl /metrics failed"
	else
		for pat in '^# TYPE boltdns_hits_total counter$' '^# HELP boltdns_queries_total ' \
		           '^boltdns_cache_entries [0-9]+$' '^boltdns_cp_reloads_total 1$' \
		           '^boltdns_cp_verbosity 3$' '^boltdns_build_info\{version="[^"]+"\} 1$'; do
			grep -qE "$pat" <<<"$m" && ok || bad "/metrics lacks $pat"
		done
		# every sample line is "name{labels} value"
		if grep -vE '^#' <<<"$m" | grep -vqE '^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+$'; then
			bad "malformed sample lines in /metrics"
		else ok; fi
	fi
	# a real exposition-format parser, when installed (python3-prometheus-client)
	if /usr/bin/python3 -c 'import prometheus_client' 2>/dev/null; then
		if /usr/bin/python3 -c '
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(sys.stdin.read())}
assert fams["boltdns_hits"].type == "counter", fams["boltdns_hits"].type
assert fams["boltdns_cache_entries"].type == "gauge"
assert fams["boltdns_cp_reloads"].samples[0].value == 1
' <<<"$m"; then ok; else bad "prometheus_client cannot parse /metrics"; fi
	fi
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/nothing")
	[ "$code" = 404 ] && ok || bad "/nothing gave $code"
	code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/metrics")
	[ "$code" = 405 ] && ok || bad "POST gave $code"
fi

# /metrics cannot bind (the port is taken): the control socket still works
if [ "$HAVE_MHD" = 1 ]; then
	sed -e "s|^socket = .*|socket = $tmp/second.sock|" -e "s|^path = .*|path = $region-2|" \
		"$conf" >"$tmp/second.conf"
	"$SERVE" -c "$tmp/second.conf" -w >"$tmp/second.log" 2>&1 &
	second=$!
	for _ in $(seq 100); do [ -S "$tmp/second.sock" ] && break; sleep 0.05; done
	expect 0 '^metrics: failed: ' -- -s "$tmp/second.sock" status
	grep -q 'metrics: failed' "$tmp/second.log" && ok || bad "no metrics warning logged"
	kill "$second"; wait "$second" 2>/dev/null
	rm -f "$region-2"
fi

# a server that accepts and never answers: boltctl gives up
if command -v python3 >/dev/null; then
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
time.sleep(30)
' "$tmp/mute.sock" &
	fake=$!
	for _ in $(seq 100); do [ -S "$tmp/mute.sock" ] && break; sleep 0.05; done
	expect 2 'no reply within 1 s' -- -s "$tmp/mute.sock" -t 1 status
	kill "$fake" 2>/dev/null; wait "$fake" 2>/dev/null; fake=
fi

# the server stops cleanly and removes its socket; boltctl then fails
kill -TERM "$pid"
wait "$pid"; rc=$?
pid=
[ "$rc" = 0 ] && ok || bad "ctl-serve exited $rc"
[ -e "$sock" ] && bad "socket left behind" || ok
expect 2 'cannot connect' -- "${S[@]}" status

echo "$passes passed, $fails failed"
[ "$fails" = 0 ]
