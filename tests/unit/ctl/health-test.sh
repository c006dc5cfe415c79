#!/usr/bin/env bash
# deploy/bird/boltdns-health.sh against a real control socket (ctl-serve)
# with a stand-in for birdc that records what it is asked to do.
#   health-test.sh HEALTH_SCRIPT BOLTCTL CTL_SERVE
set -uo pipefail
HEALTH=$1
BOLTCTL=$2
SERVE=$3

tmp=$(mktemp -d /tmp/boltdns-health-test.XXXXXX)
region=/dev/shm/boltdns-health-test-$$
sock=$tmp/ctl.sock
pid= hpid=
cleanup() {
	[ -n "$hpid" ] && kill "$hpid" 2>/dev/null
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp" "$region"
}
trap cleanup EXIT
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

cat >"$tmp/boltdns.conf" <<CONF
[cache]
path = $region
size = 32M
ring-slots = 64
[control]
socket = $sock
CONF
printf '#!/bin/sh\necho "$@" >>%s/birdc.log\n' "$tmp" >"$tmp/birdc"
chmod +x "$tmp/birdc"
touch "$tmp/birdc.log"

wait_for() { # PATTERN: until birdc.log's last line matches
	for _ in $(seq 100); do
		tail -n 1 "$tmp/birdc.log" | grep -q -- "$1" && return 0
		sleep 0.1
	done
	return 1
}

export BOLTCTL BOLTDNS_CONF=$tmp/boltdns.conf BIRDC=$tmp/birdc INTERVAL=0.1 RISE=2 FALL=2 \
	PROTOCOLS="boltdns_anycast boltdns_anycast6"

# no server: unhealthy
out=$(REQUIRE_DATAPLANE=0 "$HEALTH" --once) && bad "healthy without a server: $out"
grep -q 'boltctl status failed' <<<"$out" || bad "reason: $out"

"$SERVE" -c "$tmp/boltdns.conf" -w >"$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done

out=$(REQUIRE_DATAPLANE=0 "$HEALTH" --once) || bad "unhealthy with a server: $out"
# ctl-serve runs no dataplane: the default check sees that
out=$("$HEALTH" --once) && bad "healthy without a dataplane"
grep -q 'dataplane not running' <<<"$out" || bad "reason: $out"

REQUIRE_DATAPLANE=0 "$HEALTH" >"$tmp/health.log" 2>&1 &
hpid=$!
wait_for 'enable boltdns_anycast6' || bad "never announced: $(cat "$tmp/birdc.log")"
head -n 2 "$tmp/birdc.log" | grep -q 'disable boltdns_anycast' || bad "did not start withdrawn"

kill "$pid"; wait "$pid" 2>/dev/null; pid=
wait_for 'disable boltdns_anycast6' || bad "not withdrawn after the server stopped"
grep -q 'withdrawn: boltctl status failed' "$tmp/health.log" || bad "log: $(cat "$tmp/health.log")"

kill "$hpid"; wait "$hpid" 2>/dev/null; hpid=
tail -n 1 "$tmp/birdc.log" | grep -q 'disable boltdns_anycast6' || bad "not withdrawn on exit"

[ "$fails" = 0 ] && echo "health check: all passed"
[ "$fails" = 0 ]
