#!/usr/bin/env bash
# End-to-end: a policy zone kept up to date by IXFR on NOTIFY, from a
# scriptable primary (tests/hierarchy/xfrprimary.py: NSD 4.6 serves no
# IXFR) with TSIG HMAC-SHA256. The zone's SOA refresh is an hour, so only a
# NOTIFY can explain a change seen within seconds:
#   - a change + NOTIFY (UDP, through the dataplane): in effect < 2 s, by IXFR
#     (the primary's log, rpz_ixfr), the cached answer it changes flushed;
#     a deletion by IXFR too;
#   - NOTIFY from another address, with a wrong key, unsigned: REFUSED /
#     NOTAUTH, counted, nothing transferred;
#   - NOTIFY over TCP/53 (the control plane);
#   - a cut IXFR and an IXFR with a bad signature: the last good policy
#     stays (rpz_xfr_failures);
#   - IXFR refused, answered AXFR-style, or with more changes than the
#     client holds: the zone transferred whole (rpz_axfr_fallbacks);
#   - NOTIFYs in a row: one transfer; a serial not newer: none;
#   - a flood of 1000 NOTIFYs (UDP) and 200 (TCP) with a serial far ahead:
#     at most one transfer per notify-min-interval, the rest coalesced (counted),
#     and a real change after it still in effect < 2 s.
#
# Usage: rpz-ixfr.sh BOLTDNS_DP BOLTDNS_CP DP_STATS
. "$(dirname "$0")/lib.sh"
e2e_init rpzi "$1" "$2" "$3"
e2e_write_conf
PRIM_PORT=5392
KEY="rpzkey:hmac-sha256:$(head -c 32 /dev/urandom | base64)"
BADKEY="rpzkey:hmac-sha256:$(head -c 32 /dev/urandom | base64)"
PD="$E2E_DIR/prim"
PRIM="$E2E_HIER/xfrprimary.py"
mkdir -p "$PD"
SERIAL=1
RULES="www.dom1.boltnet 60 CNAME ."
zone_write() { # bump the serial, write the rules
  SERIAL=$((SERIAL + 1))
  { echo "@ 60 SOA ns admin $SERIAL 3600 1 86400 60"
    echo "@ 60 NS ns.rpz.test."
    echo "$RULES"; } > "$PD/zone.tmp"
  mv "$PD/zone.tmp" "$PD/zone"
}
SERIAL=0; zone_write
# A dual-stack TCP listener as well: it sees the IPv4 primary as ::ffff:127.0.0.1.
DS_PORT=5393
sed -i "s/^tcp-listen = 127.0.0.1@$E2E_PORT\$/tcp-listen = 127.0.0.1@$E2E_PORT, [::]@$DS_PORT/" "$E2E_DIR/boltdns.conf"
grep -q "^tcp-listen = .*\[::\]@$DS_PORT" "$E2E_DIR/boltdns.conf" || { echo "no dual-stack tcp-listen"; exit 1; }
cat >> "$E2E_DIR/boltdns.conf" <<CONF
[rpz]
name = rpz.test
primary = 127.0.0.1@$PRIM_PORT
tsig-key = $KEY
CONF
e2e_start_hierarchy
ns python3 "$PRIM" serve --addr 127.0.0.1 --port $PRIM_PORT --zone rpz.test --dir "$PD" \
  --key "$KEY" --log "$PD/log" --pidfile "$PD/pid" >"$PD/out" 2>&1 &
for _ in $(seq 1 50); do [ -s "$PD/pid" ] && break; sleep 0.1; done
[ -s "$PD/pid" ] || { cat "$PD/out"; echo "primary did not start"; exit 1; }
e2e_start_dp
e2e_start_cp

# notify ARGS...: a NOTIFY of the current serial to boltdns; prints its rcode
notify() { ns python3 "$PRIM" notify --server 127.0.0.1 --port "$E2E_PORT" --zone rpz.test \
  --serial "$SERIAL" "$@"; }
ixfrs() { grep -c " IXFR .* ixfr " "$PD/log"; }
xfrs() { grep -c " [AI]XFR " "$PD/log"; }
wait_rcode() { # RCODE NAME TENTHS
  for _ in $(seq 1 "$3"); do
    [ "$(rcode_of "$2" A)" = "$1" ] && return 0
    sleep 0.1
  done
  return 1
}
# change_seen RCODE NAME WHAT ARGS...: NOTIFY (ARGS), the change in effect < 2 s
change_seen() {
  local rc=$1 name=$2 what=$3; shift 3
  local t0; t0=$(date +%s%N)
  local ans; ans=$(notify "$@")
  [ "$ans" = NOERROR ] || bad "$what: the NOTIFY answered '$ans'"
  if wait_rcode "$rc" "$name" 20; then
    ok "$what: in effect after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
  else bad "$what: not in effect 2 s after the NOTIFY: $name $(rcode_of "$name" A)"; fi
}
# change_not_seen NAME WHAT: the name still resolves NOERROR 1 s later
change_not_seen() {
  sleep 1
  [ "$(rcode_of "$1" A)" = NOERROR ] && ok "$2: the policy in use stays" ||
    bad "$2: $1 is $(rcode_of "$1" A)"
}

wait_rcode NXDOMAIN www.dom1.boltnet 50 && ok "first transfer (AXFR): the policy is in use" ||
  bad "www.dom1.boltnet after the first transfer: $(rcode_of www.dom1.boltnet A)"
[ "$(rcode_of mail.dom1.boltnet A)" = NOERROR ] && ok "a name without policy resolves (and is cached)" ||
  bad "mail.dom1.boltnet: $(rcode_of mail.dom1.boltnet A)"

# ---- a change on the primary + NOTIFY over UDP (through the dataplane) ----
RULES="$RULES
mail.dom1.boltnet 60 CNAME ."
zone_write
change_seen NXDOMAIN mail.dom1.boltnet "NOTIFY (UDP, signed), IXFR" --key "$KEY"
[ "$(ixfrs)" -ge 1 ] && ok "the transfer was an IXFR ($(grep ' IXFR ' "$PD/log" | tail -1 | cut -d' ' -f3-))" ||
  bad "no IXFR in the primary's log: $(tail -3 "$PD/log")"
[ "$(rcode_of www.dom1.boltnet A)" = NXDOMAIN ] && ok "the rules before the IXFR stay" ||
  bad "www.dom1.boltnet after the IXFR: $(rcode_of www.dom1.boltnet A)"
grep -q "rpz: 1 triggers changed, 1 cache entries deleted" "$E2E_DIR/cp.log" &&
  ok "only what the IXFR changed was flushed (1 trigger, 1 entry)" ||
  bad "flush after the IXFR: $(grep 'triggers changed' "$E2E_DIR/cp.log" | tail -2)"

# ---- NOTIFYs that must be refused ----
RULES="$RULES
multi.dom1.boltnet 60 CNAME ."
zone_write
[ "$(rcode_of multi.dom1.boltnet A)" = NOERROR ] || bad "multi.dom1.boltnet before: $(rcode_of multi.dom1.boltnet A)"
n0=$(xfrs)
a=$(notify --key "$KEY" --src 127.0.0.2)
[ "$a" = REFUSED ] && ok "NOTIFY from another address: REFUSED" || bad "NOTIFY from 127.0.0.2: '$a'"
a=$(notify --key "$BADKEY")
[ "$a" = NOTAUTH ] && ok "NOTIFY with a wrong key: NOTAUTH" || bad "NOTIFY with a wrong key: '$a'"
a=$(notify)
[ "$a" = REFUSED ] && ok "NOTIFY unsigned (the zone has a key): REFUSED" || bad "NOTIFY unsigned: '$a'"
change_not_seen multi.dom1.boltnet "refused NOTIFYs"
[ "$(xfrs)" -eq "$n0" ] && ok "no transfer after the refused NOTIFYs" ||
  bad "transfers after refused NOTIFYs: $(tail -2 "$PD/log")"

# ---- NOTIFY over TCP (the control plane's TCP/53) ----
change_seen NXDOMAIN multi.dom1.boltnet "NOTIFY over TCP" --key "$KEY" --tcp

# ---- NOTIFY over TCP to a dual-stack listener (the primary as ::ffff:127.0.0.1) ----
RULES="$RULES
big.dom1.boltnet 60 CNAME ."
zone_write
change_seen NXDOMAIN big.dom1.boltnet "NOTIFY over TCP to [::]" --key "$KEY" --tcp --port "$DS_PORT"

# ---- a deletion by IXFR ----
RULES="www.dom1.boltnet 60 CNAME .
multi.dom1.boltnet 60 CNAME ."
zone_write
change_seen NOERROR mail.dom1.boltnet "a rule deleted by IXFR" --key "$KEY"

# ---- NOTIFYs in a row: one transfer; the serial held: none ----
n0=$(xfrs)
a=$(notify --key "$KEY" --count 10 | sort -u | tr '\n' ' ')
sleep 1
[ "$a" = "NOERROR " ] && [ "$(xfrs)" -eq "$n0" ] &&
  ok "10 NOTIFYs of the serial held: accepted, no transfer" ||
  bad "10 NOTIFYs of the serial held: '$a', $(( $(xfrs) - n0 )) transfers"
RULES="$RULES
mail.dom1.boltnet 60 CNAME ."
zone_write
n0=$(xfrs)
notify --key "$KEY" --count 10 >/dev/null
wait_rcode NXDOMAIN mail.dom1.boltnet 20 || bad "the change after 10 NOTIFYs not in effect"
sleep 0.5
n=$(( $(xfrs) - n0 ))
[ "$n" -ge 1 ] && [ "$n" -le 2 ] && ok "10 NOTIFYs of a new serial: $n transfer(s)" ||
  bad "10 NOTIFYs of a new serial: $n transfers"

# ---- a flood of NOTIFYs (a spoofed or broken primary, ever newer serials):
# at most one check per notify-min-interval (1 s), the rest coalesced ----
flood() { # COUNT ARGS...: COUNT NOTIFYs claiming a serial far ahead; checks it made
  local count=$1; shift
  local n0 c0 t0 a n ms c
  n0=$(xfrs); c0=$(cp_stat rpz_notify_coalesced); t0=$(date +%s%N)
  a=$(ns python3 "$PRIM" notify --server 127.0.0.1 --port "$E2E_PORT" --zone rpz.test \
      --serial $((SERIAL + 1000)) --key "$KEY" --count "$count" "$@" | sort | uniq -c | tr -s ' \n' ' ')
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  sleep 1.2
  n=$(( $(xfrs) - n0 ))
  c=$(( $(cp_stat rpz_notify_coalesced) - ${c0:-0} ))
  # one check per second of the flood, one at its start, one after it
  if [ "$n" -ge 1 ] && [ "$n" -le $(( ms / 1000 + 2 )) ] && [ "$c" -ge $(( count - n - 1 )) ]; then
    ok "$count NOTIFYs $* in $ms ms ($a): $n transfers, $c coalesced"
  else bad "$count NOTIFYs $* in $ms ms ($a): $n transfers, $c coalesced"; fi
}
flood 1000
flood 200 --tcp
RULES="$RULES
flood.dom1.boltnet 60 CNAME ."
zone_write
change_seen NXDOMAIN flood.dom1.boltnet "a change after the floods" --key "$KEY"

# ---- a cut IXFR, a badly signed IXFR: the last good policy stays ----
for mode in truncate:v6only badsig:alias; do
  name=${mode#*:}.dom1.boltnet mode=${mode%:*}
  echo $mode > "$PD/mode"
  RULES="$RULES
$name 60 CNAME ."
  zone_write
  notify --key "$KEY" >/dev/null
  change_not_seen $name "IXFR $mode"
  [ "$(rcode_of mail.dom1.boltnet A)" = NXDOMAIN ] || bad "IXFR $mode: the last good policy lost"
done
grep -q " IXFR .* truncate " "$PD/log" && grep -q " IXFR .* badsig " "$PD/log" &&
  ok "the primary sent both (cut, badly signed)" || bad "primary log: $(tail -3 "$PD/log")"

# ---- IXFR refused, or answered with the whole zone: AXFR ----
echo refuse > "$PD/mode"
change_seen NXDOMAIN alias.dom1.boltnet "IXFR refused: AXFR" --key "$KEY"
grep -q " AXFR .*axfr $SERIAL" "$PD/log" && ok "the primary was asked AXFR" ||
  bad "no AXFR after the refusal: $(tail -3 "$PD/log")"
echo axfr-style > "$PD/mode"
RULES="$RULES
short.dom1.boltnet 60 CNAME ."
zone_write
change_seen NXDOMAIN short.dom1.boltnet "AXFR-style IXFR answer" --key "$KEY"
# an IXFR with more changes than the client holds (~70 MiB): AXFR, not a
# transfer that fails again at every retry (a NODATA rule for a name that
# does not exist: NOERROR once in effect)
echo huge > "$PD/mode"
RULES="$RULES
huge.dom1.boltnet 60 CNAME *."
zone_write
change_seen NOERROR huge.dom1.boltnet "IXFR of too many changes: AXFR" --key "$KEY"
grep -q " IXFR .* huge " "$PD/log" && grep -q " AXFR .*axfr $SERIAL" "$PD/log" &&
  ok "the primary sent the huge IXFR, then was asked AXFR" || bad "primary log: $(tail -3 "$PD/log")"

# ---- the counters (none of these happened before the steps above) ----
wait_stats
r=$(cp_stat rpz_notify_refused) f=$(cp_stat rpz_xfr_failures) b=$(cp_stat rpz_axfr_fallbacks)
i=$(cp_stat rpz_ixfr) acc=$(cp_stat rpz_notify_accepted)
[ "${r:-0}" -ge 3 ] && ok "refused NOTIFYs counted ($r)" || bad "rpz_notify_refused = '$r'"
[ "${f:-0}" -ge 2 ] && ok "failed transfers counted ($f)" || bad "rpz_xfr_failures = '$f'"
[ "${b:-0}" -ge 2 ] && ok "AXFR fallbacks counted ($b)" || bad "rpz_axfr_fallbacks = '$b'"
[ "${i:-0}" -ge 3 ] && [ "${acc:-0}" -ge 5 ] && ok "rpz_ixfr = $i, rpz_notify_accepted = $acc" ||
  bad "rpz_ixfr = '$i', rpz_notify_accepted = '$acc'"
e2e_finish
