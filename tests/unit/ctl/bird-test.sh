#!/usr/bin/env bash
# The BIRD example and the health check together, with a real BIRD: the
# service route is in BIRD's table while the control socket answers and
# leaves it when it stops. BGP neighbours are moved to loopback so nothing
# leaves the host. Skipped when BIRD 2 is not installed (package bird2).
#   bird-test.sh BIRD_CONF HEALTH_SCRIPT BOLTCTL CTL_SERVE
set -uo pipefail
CONF=$1
HEALTH=$2
BOLTCTL=$3
SERVE=$4
command -v bird >/dev/null && command -v birdc >/dev/null || { echo "bird2 not installed: skipped"; exit 77; }

tmp=$(mktemp -d /tmp/boltdns-bird-test.XXXXXX)
region=/dev/shm/boltdns-bird-test-$$
bpid= spid= hpid=
cleanup() {
	for p in $hpid $spid $bpid; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp" "$region"
}
trap cleanup EXIT
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

sed -e 's/neighbor 198\.18\.0\.1 /neighbor 127.0.0.2 /' -e 's/neighbor 2001:db8::1 /neighbor ::1 /' \
	-e 's/^log syslog all;/log stderr all;/' "$CONF" >"$tmp/bird.conf"
grep -q 'neighbor 198.18' "$tmp/bird.conf" && { echo "FAIL: neighbours not moved"; exit 1; }
bird -p -c "$tmp/bird.conf" || { echo "FAIL: bird.conf does not parse"; exit 1; }
bird -f -c "$tmp/bird.conf" -s "$tmp/bird.ctl" -P "$tmp/bird.pid" >"$tmp/bird.log" 2>&1 &
bpid=$!
for _ in $(seq 100); do [ -S "$tmp/bird.ctl" ] && break; sleep 0.05; done
[ -S "$tmp/bird.ctl" ] || { cat "$tmp/bird.log"; echo "FAIL: bird did not start"; exit 1; }
routes() { birdc -s "$tmp/bird.ctl" show route 2>/dev/null; }
wait_route() { # present|absent
	for _ in $(seq 100); do
		if grep -q '198.18.0.53/32' <<<"$(routes)"; then [ "$1" = present ] && return 0
		else [ "$1" = absent ] && return 0; fi
		sleep 0.1
	done
	return 1
}
wait_route absent || bad "route announced before any check"

cat >"$tmp/boltdns.conf" <<CONF
[cache]
path = $region
size = 32M
ring-slots = 64
[control]
socket = $tmp/ctl.sock
CONF
"$SERVE" -c "$tmp/boltdns.conf" -w >"$tmp/serve.log" 2>&1 &
spid=$!

BOLTCTL=$BOLTCTL BOLTDNS_CONF=$tmp/boltdns.conf BIRDC="birdc -s $tmp/bird.ctl" \
	REQUIRE_DATAPLANE=0 INTERVAL=0.2 RISE=2 FALL=2 "$HEALTH" >"$tmp/health.log" 2>&1 &
hpid=$!
wait_route present || bad "route not announced while healthy: $(routes)"
grep -q '2001:db8::53/128' <<<"$(routes)" || bad "IPv6 route not announced"

kill "$spid"; wait "$spid" 2>/dev/null; spid=
wait_route absent || bad "route not withdrawn after the control plane stopped"

kill "$hpid"; wait "$hpid" 2>/dev/null; hpid=
if [ "$fails" = 0 ]; then
	echo "bird + health check: all passed"
else
	cat "$tmp/health.log" "$tmp/bird.log"
fi
[ "$fails" = 0 ]
