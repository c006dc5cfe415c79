#!/usr/bin/env bash
# Anycast health check for BIRD: announce the service address while boltdns
# answers, withdraw it when it does not.
#
#   boltdns-health.sh            check forever (boltdns-health.service)
#   boltdns-health.sh --once     one check: exit 0 healthy, 1 not (no BIRD change)
#
# Healthy means: `boltctl status` succeeds (the control plane answers) and
# reports dataplane.running: yes (the dataplane's heartbeat is fresh), and,
# when HEALTH_QUERY is set, dig gets an answer for it from HEALTH_SERVER
# (e.g. a [local] data record: data = health.boltdns. 60 TXT "ok").
#
# Hysteresis: FALL consecutive failures withdraw, RISE consecutive successes
# announce, so one slow check does not flap the route.
#
# Environment (or /etc/default/boltdns through the unit):
#   BOLTCTL        boltctl command (default: boltctl)
#   BOLTDNS_CONF   configuration for boltctl -c (default /etc/boltdns/boltdns.conf)
#   BIRDC          birdc command (default: birdc)
#   PROTOCOLS      BIRD protocols to toggle (default "boltdns_anycast boltdns_anycast6")
#   INTERVAL       seconds between checks (default 1)
#   FALL / RISE    thresholds (default 3 / 3)
#   REASSERT       while healthy, enable again every REASSERT checks (default 30)
#   HEALTH_QUERY   optional "NAME TYPE" to query, e.g. "health.boltdns TXT"
#   HEALTH_SERVER  address to query (default 127.0.0.1)
#   HEALTH_PORT    its port (default 53)
#   REQUIRE_DATAPLANE  1 (default): status must say dataplane.running: yes
set -uo pipefail

BOLTCTL=${BOLTCTL:-boltctl}
BOLTDNS_CONF=${BOLTDNS_CONF:-/etc/boltdns/boltdns.conf}
BIRDC=${BIRDC:-birdc}
PROTOCOLS=${PROTOCOLS:-boltdns_anycast boltdns_anycast6}
INTERVAL=${INTERVAL:-1}
FALL=${FALL:-3}
RISE=${RISE:-3}
REASSERT=${REASSERT:-30}
HEALTH_QUERY=${HEALTH_QUERY:-}
HEALTH_SERVER=${HEALTH_SERVER:-127.0.0.1}
HEALTH_PORT=${HEALTH_PORT:-53}
REQUIRE_DATAPLANE=${REQUIRE_DATAPLANE:-1}

log() { echo "boltdns-health: $*"; }

# One check: 0 healthy.
check() {
	local out
	# -t 2: a hung control plane counts as a failure, quickly.
	if ! out=$($BOLTCTL -c "$BOLTDNS_CONF" -t 2 status 2>&1); then
		why="boltctl status failed: ${out##*$'\n'}"
		return 1
	fi
	if [ "$REQUIRE_DATAPLANE" = 1 ] && ! grep -qx 'dataplane.running: yes' <<<"$out"; then
		why="dataplane not running"
		return 1
	fi
	if [ -n "$HEALTH_QUERY" ]; then
		# shellcheck disable=SC2086 # NAME TYPE are two words on purpose
		if ! dig +time=1 +tries=1 +short -p "$HEALTH_PORT" @"$HEALTH_SERVER" $HEALTH_QUERY | grep -q .; then
			why="no answer to $HEALTH_QUERY from $HEALTH_SERVER"
			return 1
		fi
	fi
	return 0
}

set_bird() { # enable | disable
	local p rc=0
	for p in $PROTOCOLS; do
		$BIRDC "$1" "$p" >/dev/null || rc=1
	done
	return $rc
}

if [ "${1:-}" = --once ]; then
	why=
	if check; then echo healthy; exit 0; fi
	echo "unhealthy: $why"
	exit 1
fi

state=down
ok_run=0
fail_run=0
# Start withdrawn: announce only after RISE good checks.
set_bird disable || log "birdc disable failed"
trap 'set_bird disable; exit 0' TERM INT
while :; do
	why=
	if check; then
		ok_run=$((ok_run + 1)); fail_run=0
		if [ "$state" = down ] && [ "$ok_run" -ge "$RISE" ]; then
			if set_bird enable; then
				state=up
				log "healthy: announcing"
			fi
		elif [ "$state" = up ] && [ $((ok_run % REASSERT)) = 0 ]; then
			# A restarted BIRD starts with the protocols disabled
			# (bird.conf): say it again now and then (idempotent).
			set_bird enable || log "birdc enable failed"
		fi
	else
		fail_run=$((fail_run + 1)); ok_run=0
		if [ "$state" = up ] && [ "$fail_run" -ge "$FALL" ]; then
			set_bird disable || log "birdc disable failed"
			state=down
			log "withdrawn: $why"
		fi
	fi
	sleep "$INTERVAL" &
	wait $!
done
