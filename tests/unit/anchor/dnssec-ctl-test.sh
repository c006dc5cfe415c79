#!/usr/bin/env bash
# boltctl dnssec status / nta add|remove|list against a real boltdns-cp, and
# its start-up with [dnssec]: the real /usr/share/dns/root.key, the RFC 5011
# state file taking precedence, a missing or malformed anchor file stopping
# it with FILE:LINE, validation = no starting without one, reload of the
# configured NTAs. The region comes from ctl-serve (no dataplane needed);
# the root hints name 127.0.0.1, which do-not-query-localhost keeps from
# ever being queried: no traffic at all.
#   dnssec-ctl-test.sh BOLTDNS_CP CTL_SERVE BOLTCTL
set -uo pipefail
CP=$1 SERVE=$2 CTL=$3
ROOT_KEY=/usr/share/dns/root.key
[ -r "$ROOT_KEY" ] || { echo "SKIP: $ROOT_KEY not installed (dns-root-data)"; exit 77; }

tmp=$(mktemp -d /tmp/dnssec-ctl-test.XXXXXX)
region=/dev/shm/boltdns-dnssec-ctl-test-$$
sock=$tmp/ctl.sock
conf=$tmp/boltdns.conf
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp" "$region"
}
trap cleanup EXIT
. "$(dirname "$0")/../ctl/lib.sh"
boltctl=("$CTL" -s "$sock")
# absent PATTERN -- ARGS: the output does not match
absent() {
	local pat=$1; shift 2
	if grep -qE -- "$pat" <<<"$("$CTL" -s "$sock" "$@" 2>&1)"; then bad "boltctl $* shows '$pat'"; else ok; fi
}

printf '.  3600000 NS a.root.test.\na.root.test. 3600000 A 127.0.0.1\n' >"$tmp/hints"
write_conf() {
	cat >"$conf" <<CONF
[cache]
path = $region
size = 32M
ring-slots = 64
[control]
socket = $sock
[resolver]
root-hints = $tmp/hints
do-not-query-localhost = yes
$1
CONF
}

write_conf ""
"$SERVE" -c "$conf" -w >"$tmp/serve.log" 2>&1 &
spid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
kill "$spid"; wait "$spid" 2>/dev/null
[ -f "$region" ] || { cat "$tmp/serve.log"; echo "FAIL: no region"; exit 1; }

start_cp() {
	rm -f "$sock"
	"$CP" -c "$conf" >"$tmp/cp.log" 2>&1 &
	pid=$!
	for _ in $(seq 200); do [ -S "$sock" ] && return 0; kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	cat "$tmp/cp.log"; bad "boltdns-cp did not start"; pid=; return 1
}
stop_cp() { [ -n "$pid" ] && kill "$pid" && wait "$pid" 2>/dev/null; pid=; }
# refused PATTERN: boltdns-cp exits 1 at start-up and says PATTERN
refused() {
	local out rc
	out=$(timeout 20 "$CP" -c "$conf" 2>&1)
	rc=$?
	if [ "$rc" != 1 ]; then bad "boltdns-cp started (rc $rc) with: $(grep -A9 dnssec "$conf")";
	elif ! grep -qE -- "$1" <<<"$out"; then bad "boltdns-cp said '$out', not '$1'";
	else ok; fi
}

# 1. No [dnssec] section at all: validation on, Debian's root.key, no state yet.
write_conf ""
start_cp || exit 1
expect 0 '^validation: yes$' -- dnssec status
expect 0 "^anchors.source: $ROOT_KEY\$" -- dnssec status
expect 0 '^anchors.from_state_file: no$' -- dnssec status
expect 0 '^anchors.point.0.name: \.$' -- dnssec status
expect 0 '^anchors.point.0.key.[0-9]+.tag: 20326$' -- dnssec status
expect 0 '^anchors.point.0.key.0.state: Valid$' -- dnssec status
expect 0 '^anchors.point.0.key.0.trusted: yes$' -- dnssec status
expect 0 '^nta_count: 0$' -- dnssec status
# no made-up zeros: either not available, or the validator's own counts
expect 0 '^answers\.(available: no|secure: [0-9]+)$' -- dnssec status
expect 0 '"anchors":\{"source":"/usr/share/dns/root.key"' -- --json dnssec status
grep -q 'DNSSEC: [0-9]* trusted keys at 1 trust points from /usr/share/dns/root.key' "$tmp/cp.log" \
	&& ok || bad "no anchor line in the log: $(cat "$tmp/cp.log")"
stop_cp

# 2. NTAs: configured ones permanent, runtime ones expire, bad input refused.
state=$tmp/state/root.key
write_conf "[dnssec]
trust-anchor-file = $ROOT_KEY
trust-anchor-state = $state
negative-trust-anchors = Broken.Example, other.test."
start_cp || exit 1
expect 0 '^nta.0.name: broken.example.$' -- nta list
expect 0 '^nta.0.source: config$' -- nta list
expect 0 '^nta.0.expires_in: never$' -- nta list
expect 0 '^nta_count: 2$' -- nta list
expect 0 '^added: temp.example.$' -- nta add TEMP.example 120
expect 0 '^flushed: 0$' -- nta add temp.example. 300
expect 0 '^expires_in: 3600$' -- nta add default.example
expect 0 '^nta.2.name: temp.example.$' -- nta list
expect 0 '^nta.2.expires_in: (300|299)$' -- nta list
expect 0 '^nta.2.source: runtime$' -- dnssec status
expect 0 '^nta_count: 4$' -- dnssec status
expect 0 '^expires_in: never$' -- nta add broken.example 60
expect 0 '^removed: temp.example.$' -- nta remove temp.example
expect 1 'temp.example. is not a negative trust anchor' -- nta remove temp.example
expect 1 'comes from \[dnssec\] negative-trust-anchors' -- nta remove broken.example.
expect 1 "bad name 'a\.\.b'" -- nta add a..b
expect 1 'SECONDS must be 1..604800' -- nta add x.example 0
expect 1 'SECONDS must be 1..604800' -- nta add x.example 604801
expect 1 'SECONDS must be 1..604800' -- nta add x.example 10m
expect 1 'usage: nta add NAME' -- nta frobnicate
expect 1 'usage: nta add NAME' -- nta add
expect 1 'usage: nta add NAME' -- nta list extra
expect 1 'usage: dnssec status' -- dnssec
expect 1 'usage: dnssec status' -- dnssec keys
expect 0 '^nta_count: 3$' -- nta list
expect 0 'nta add NAME \[SECONDS\]' -- help
# no state is written before the first RFC 5011 change
[ ! -e "$state" ] && ok || bad "state file written at start-up"
# reload: the configured list follows the file, runtime NTAs stay
write_conf "[dnssec]
trust-anchor-file = $ROOT_KEY
trust-anchor-state = $state
negative-trust-anchors = other.test."
expect 0 '' -- reload
expect 0 '^nta_count: 2$' -- nta list
absent 'broken.example' -- nta list
expect 0 '^nta.[0-9].name: default.example.$' -- nta list
stop_cp

# 3. The RFC 5011 state file, once it exists, takes precedence.
mkdir -p "$tmp/state"
key=$(awk '$3 == "DNSKEY" && /20326/ { print $7 }' "$ROOT_KEY")
[ -n "$key" ] || bad "no 20326 in $ROOT_KEY"
now=$(date +%s)
cat >"$state" <<ST
;;boltdns-ta-state 1
;;point . ttl=172800 last_queried=$now last_success=$now next_probe=$((now + 86400)) query_failed=0
. 172800 IN DNSKEY 257 3 8 $key ;;state=Valid tag=20326 added=0 changed=0
. 172800 IN DNSKEY 257 3 8 AwEAAa96jeuknZlaeSrvyAJj6ZHv28hhOKkx3rLGXVaC6rXTsDc449/cidltpkyGwCJNnOAlFNKF2jBosZBU5eeHspaQWOmOElZsjICMQMC3aeHbGiShvZsx4wMYSjH8e7Vrhbu6irwCzVBApESjbUdpWWmEnhathWu1jo+siFUiRAAxm9qyJNg/wOZqqzL/dL/q8PkcRU5oUKEpUge71M3ej2/7CPqpdVwuMoTvoB+ZOT4YeGyxMvHmbrxlFzGOHOijtzN+u1TQNatX2XBuzZNQ1K+s2CXkPIZo7s6JgZyvaBevYtxPvYLw4z9mR7K2vaF18UYH9Z9GNUUeayffKC73PYc= ;;state=AddPend tag=38696 added=$((now - 100)) changed=$((now - 100))
ST
write_conf "[dnssec]
trust-anchor-file = $ROOT_KEY
trust-anchor-state = $state
trust-anchor-hold-down = 1000"
start_cp || exit 1
expect 0 "^anchors.source: $state\$" -- dnssec status
expect 0 '^anchors.from_state_file: yes$' -- dnssec status
expect 0 '^anchors.hold_down: 1000$' -- dnssec status
expect 0 '^anchors.point.0.trusted_keys: 1$' -- dnssec status
expect 0 '^anchors.point.0.key.1.state: AddPend$' -- dnssec status
expect 0 '^anchors.point.0.key.1.trusted: no$' -- dnssec status
expect 0 '^anchors.point.0.key.1.hold_down_left: (900|899|898)$' -- dnssec status
expect 0 "^anchors.point.0.next_probe: $((now + 86400))\$" -- dnssec status
stop_cp

# 4. What stops start-up, with the file and line at fault.
write_conf "[dnssec]
trust-anchor-file = $tmp/nonexistent.key
trust-anchor-state = $tmp/no-state.key"
refused "trust anchors: $tmp/nonexistent.key: No such file or directory"
printf '; anchors\n. IN DNSKEY 257 3 8 AwEAAaz\n' >"$tmp/bad.key"
write_conf "[dnssec]
trust-anchor-file = $tmp/bad.key
trust-anchor-state = $tmp/no-state.key"
refused "trust anchors: $tmp/bad.key:2: bad public key"
printf '; nothing\n' >"$tmp/empty.key"
write_conf "[dnssec]
trust-anchor-file = $tmp/empty.key
trust-anchor-state = $tmp/no-state.key"
refused "$tmp/empty.key:2: no DS or DNSKEY record"
printf '. DNSKEY 385 3 8 %s ;;state=Revoked added=0 changed=1\n' "$key" >"$tmp/revoked.key"
write_conf "[dnssec]
trust-anchor-state = $tmp/revoked.key"
refused "no trusted key left"
write_conf "[dnssec]
max-nsec3-iterations = 70000"
refused "boltdns.conf:[0-9]+: \[dnssec\] max-nsec3-iterations: '70000' out of range"

# 5. validation = no: no anchor file needed.
write_conf "[dnssec]
validation = no
trust-anchor-file = $tmp/nonexistent.key"
start_cp || exit 1
expect 0 '^validation: no$' -- dnssec status
absent '^anchors.source' -- dnssec status
expect 0 '^added: x.example.$' -- nta add x.example
stop_cp

echo "dnssec-ctl-test: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
