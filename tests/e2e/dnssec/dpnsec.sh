#!/usr/bin/env bash
# A random-subdomain flood of a signed zone answered by the dataplane from
# the validated NSEC ranges the control plane publishes (issue 14 item 6,
# boltdns/negrange.h): boltdns-dp (io = socket) and boltdns-cp validating
# over the signed fake hierarchy, zone-nxdomain-rate = 100.
#  - a flood of random names under bulk.boltnet (NSEC, 2003 names): every
#    answer NXDOMAIN, most of them by the dataplane (negrange_answered), a
#    range published (negrange_published) after one second's worth of the
#    rate (the control plane answers at most a few hundred), hardly any
#    upstream query;
#  - a new random name afterwards: NXDOMAIN, AD, the proof for DO=1, from
#    the dataplane (its counter moves by one), validated by delv from the
#    hierarchy's trust anchor;
#  - the same names asked of a validating Unbound (aggressive-nsec: yes):
#    the same rcode, AD and authority records (owner, type, data; TTLs
#    aside);
#  - no over-broad denial: names of the zone that exist still resolve
#    (NOERROR, AD), a name below an existing one (closest encloser not
#    the apex) is left to the control plane, and so is a name of a forward
#    zone ([zone]) the public zone does not have (in a published range);
#  - an NSEC3 zone's flood (nsec3.boltnet): its synthesised NXDOMAINs count
#    towards the zone's rate and the dataplane throttle takes over;
#  - the counter in boltctl stats and /metrics; boltctl flush_zone withdraws
#    the ranges, and so does local data added under the zone (the control
#    plane answers it before RFC 8198; the dataplane does not know it).
#
# Usage: dpnsec.sh BOLTDNS_DP BOLTDNS_CP DP_STATS [BOLTCTL]   (root; 77 = skipped)
. "$(dirname "$0")/../control/lib.sh"
. "$(dirname "$0")/lib.sh"

e2e_need dnssec-signzone dnssec-keygen ldns-signzone
command -v dnsperf >/dev/null || { echo "SKIP: dnsperf not installed"; exit 77; }
BOLTCTL=${4:-}
# h0150corp.bulk.boltnet: a forward zone the public (signed) zone does not have,
# answered by its own servers (here none answers: SERVFAIL), never denied by
# a published range of bulk.boltnet
E2E_EXTRA_RESOLVER="zone-nxdomain-rate = 100
[control]
metrics = 127.0.0.1@9153
[zone]
name = h0150corp.bulk.boltnet
type = forward
servers = 127.0.0.1@9"
e2e_init dnssec-dpnsec "$1" "$2" "$3"
e2e_start_all
echo "(started in ${SECONDS} s)"

rnd() { od -An -N4 -tx4 /dev/urandom | tr -d ' \n'; }
ctl_stat() {
  local v=""
  [ -n "$BOLTCTL" ] && v=$("$BOLTCTL" -s "$E2E_DIR/control.sock" stats_noreset 2>/dev/null |
                           awk -v k="cp.$1:" '$1 == k { print $2 }')
  if [ -z "$v" ]; then wait_stats; v=$(cp_stat "$1"); fi
  echo "${v:-0}"
}
dpn() { v=$(dp_stat negrange_answered); echo "${v:-0}"; }
# auth NAME QUERY [PORT]: the authority records, TTL dropped, owner
# lower-cased, sorted, one line
auth() {
  DNSSEC_PORT=${3:-$E2E_PORT} dnssec_dig "$1" A "$2" </dev/null |
    awk '/^;; AUTHORITY SECTION:/ { s = 1; next } /^;; / || /^$/ { s = 0 } s && !/^;/ { $2 = ""; $1 = tolower($1); print }' |
    sort | tr '\n' '|'
}

echo "== the first NXDOMAIN of the zone: its ranges learnt"
dnssec_check_case first "a$(rnd).bulk.boltnet" A do NXDOMAIN ad - auth -
dnssec_check_case first h0001.bulk.boltnet A do NOERROR ad - ans 198.19.128.1

echo "== a flood of random names under bulk.boltnet"
awk -v s="$$" 'BEGIN { srand(s); for (i = 0; i < 9000; i++) printf "%x%x-f.bulk.boltnet A\n", i, int(rand() * 2^30) }' \
  > "$E2E_DIR/flood.txt"
u0=$(ctl_stat upstream_queries) d0=$(dpn) a0=$(ctl_stat aggressive_nxdomain)
ns dnsperf -s 127.0.0.1 -p "$E2E_PORT" -d "$E2E_DIR/flood.txt" -n 1 -Q 3000 -q 2000 -t 2 -l 4 \
  > "$E2E_DIR/flood-perf.txt" 2>&1 || true
u1=$(ctl_stat upstream_queries) d1=$(dpn) a1=$(ctl_stat aggressive_nxdomain)
sent=$(awk '/Queries sent:/ { print $3 }' "$E2E_DIR/flood-perf.txt")
nx=$(awk '/NXDOMAIN/ { for (i = 1; i <= NF; i++) if ($i == "NXDOMAIN") print $(i + 1) }' "$E2E_DIR/flood-perf.txt" | head -1)
pub=$(ctl_stat negrange_published)
echo "flood: ${sent:-0} sent, NXDOMAIN ${nx:-0}, dataplane answered $((d1 - d0)), ranges published $pub, upstream $((u1 - u0))"
[ "${sent:-0}" -gt 0 ] && [ "${nx:-0}" -ge $((sent * 99 / 100)) ] && ok "flood: ${nx} of ${sent} NXDOMAIN" ||
  { bad "flood: ${nx:-0} of ${sent:-0} NXDOMAIN"; grep -A3 "Response codes" "$E2E_DIR/flood-perf.txt"; }
[ $((d1 - d0)) -ge $(( ${sent:-0} * 2 / 3 )) ] && ok "the dataplane answered $((d1 - d0)) of ${sent} itself" ||
  bad "the dataplane answered $((d1 - d0)) of ${sent:-0} (want >= 2/3)"
[ "$pub" -ge 1 ] && ok "negrange_published $pub" || bad "negrange_published $pub"
# the range is published after one second's worth of synthesised NXDOMAINs
# (100 at zone-nxdomain-rate = 100), not ten (1 000: the flood's first
# third of a second crossed the rings then); what the rings held meanwhile
# is answered by the control plane too
[ $((a1 - a0)) -le 400 ] && ok "the control plane synthesised $((a1 - a0)) before the range was published" ||
  bad "the control plane synthesised $((a1 - a0)) of the flood's names (want <= 400: published after one second's worth at the rate)"
[ $((u1 - u0)) -le 20 ] && ok "upstream queries during the flood: $((u1 - u0))" || bad "upstream queries during the flood: $((u1 - u0))"
# every flood name answered once: by the dataplane or synthesised by the
# control plane (publishing a range is no answer and is not counted)
# (a query lost on a loaded machine is answered by neither)
sum=$((a1 - a0 + d1 - d0))
{ [ "$sum" -eq "${sent:-0}" ] || { [ "${nx:-0}" -lt "${sent:-0}" ] && [ "$sum" -ge "${nx:-0}" ] && [ "$sum" -lt "$sent" ]; }; } &&
  ok "aggressive_nxdomain +$((a1 - a0)) and negrange_answered +$((d1 - d0)) add up to $sent" ||
  bad "aggressive_nxdomain +$((a1 - a0)) and negrange_answered +$((d1 - d0)) for $sent flood names"

echo "== a new name afterwards: the dataplane's NXDOMAIN, with its proof"
d0=$(dpn)
n1="d$(rnd).bulk.boltnet" n2="b$(rnd)-x.bulk.boltnet"
dnssec_check_case dp "$n1" A do NXDOMAIN ad - auth -
dnssec_check_case dp "$n2" A plain NXDOMAIN ad - none -
[ $(($(dpn) - d0)) -eq 2 ] && ok "both from the dataplane (negrange_answered +2)" ||
  bad "negrange_answered +$(($(dpn) - d0)) (want 2)"
out=$(ns dig @127.0.0.1 -p "$E2E_PORT" +dnssec +norec "q$(rnd).bulk.boltnet" A 2>&1)
grep -q "status: REFUSED\|status: SERVFAIL" <<<"$out" && ok "RD=0: left to the control plane (not answered from the ranges)" ||
  echo "note: RD=0 got $(grep -o 'status: [A-Z]*' <<<"$out")"

echo "== delv validates a dataplane-synthesised NXDOMAIN"
if command -v delv >/dev/null; then
  anchor="$E2E_DIR/delv.anchor"
  awk '$3 == "DNSKEY" && $4 == 257 { k = $7; for (i = 8; i <= NF; i++) k = k $i; printf "trust-anchors {\n  . static-key %s %s %s \"%s\";\n};\n", $4, $5, $6, k }' \
    "$E2E_DIR/hier/root.key" > "$anchor"
  d0=$(dpn)
  name="c$(rnd).bulk.boltnet"
  out=$(ns delv @127.0.0.1 -p "$E2E_PORT" -a "$anchor" +root=. "$name" A 2>&1)
  if grep -q "fully validated" <<<"$out" && grep -qi "nxdomain" <<<"$out"; then
    ok "delv: $name NXDOMAIN fully validated"
  else
    bad "delv: $name"; sed 's/^/     | /' <<<"$out"
  fi
  [ $(($(dpn) - d0)) -ge 1 ] && ok "delv's question answered by the dataplane" || bad "delv's question did not reach the ranges"
else
  echo "note: delv not installed"
fi

echo "== no over-broad denial"
d0=$(dpn)
dnssec_check_case exists h0150.bulk.boltnet A do NOERROR ad - ans 198.19.128.150
dnssec_check_case exists ns1.bulk.boltnet A plain NOERROR ad - none 198.18.1.20
dnssec_check_case below "x$(rnd).h0007.bulk.boltnet" A do NXDOMAIN ad - auth -
[ "$(dpn)" = "$d0" ] && ok "none of them answered from the ranges" || bad "negrange_answered moved: $d0 -> $(dpn)"
# a flood of the range h0150 .. h0151, which holds the forward zone
awk -v s="$$" 'BEGIN { srand(s); for (i = 0; i < 3000; i++) printf "h0150%x%x.bulk.boltnet A\n", i, int(rand() * 2^20) }' \
  > "$E2E_DIR/flood-fwd.txt"
ns dnsperf -s 127.0.0.1 -p "$E2E_PORT" -d "$E2E_DIR/flood-fwd.txt" -n 1 -Q 3000 -q 2000 -t 2 -l 1 \
  > "$E2E_DIR/flood-fwd-perf.txt" 2>&1 || true
d0=$(dpn)
r=$(rcode_of "www.h0150corp.bulk.boltnet" A)
[ "$r" != NXDOMAIN ] && [ "$(dpn)" = "$d0" ] &&
  ok "www.h0150corp.bulk.boltnet (forward zone, in a flooded range): $r, left to the control plane" ||
  bad "www.h0150corp.bulk.boltnet (forward zone): $r, negrange_answered $d0 -> $(dpn) (denied by a range)"
if [ -n "$BOLTCTL" ]; then
  # a negative trust anchor added at run time in the range h0160 .. h0161:
  # its names are not validated, so never denied from a published range
  # (secure, AD) even when a flood of that range comes after it
  "$BOLTCTL" -s "$E2E_DIR/control.sock" nta add h0160nta.bulk.boltnet >/dev/null || bad "nta add"
  awk -v s="$$" 'BEGIN { srand(s); for (i = 0; i < 3000; i++) printf "h0160%x%x.bulk.boltnet A\n", i, int(rand() * 2^20) }' \
    > "$E2E_DIR/flood-nta.txt"
  ns dnsperf -s 127.0.0.1 -p "$E2E_PORT" -d "$E2E_DIR/flood-nta.txt" -n 1 -Q 3000 -q 2000 -t 2 -l 1 \
    > "$E2E_DIR/flood-nta-perf.txt" 2>&1 || true
  d0=$(dpn)
  out=$(ns dig @127.0.0.1 -p "$E2E_PORT" +dnssec "www.h0160nta.bulk.boltnet" A 2>&1)
  ! grep -qE "^;; flags:[a-z ]* ad[ ;]" <<<"$out" && [ "$(dpn)" = "$d0" ] &&
    ok "www.h0160nta.bulk.boltnet (NTA added at run time, in a flooded range): $(grep -o 'status: [A-Z]*' <<<"$out"), no AD, left to the control plane" ||
    bad "www.h0160nta.bulk.boltnet (NTA): $(grep -E '^;; flags|status' <<<"$out" | tr '\n' ' '), negrange_answered $d0 -> $(dpn)"
  "$BOLTCTL" -s "$E2E_DIR/control.sock" nta remove h0160nta.bulk.boltnet >/dev/null || true
fi

echo "== Unbound (validating, aggressive-nsec: yes) answers the same"
if command -v unbound >/dev/null; then
  UPORT=$((E2E_PORT + 1))
  if ns bash "$E2E_HIER/unbound.sh" start "$UPORT" "$E2E_DIR/ub" --validate "$E2E_DIR/hier/root.key" \
       >"$E2E_DIR/unbound.out" 2>&1; then
    same=0 diff=0
    for q in "$n1 do" "$n2 plain" "e$(rnd).bulk.boltnet do" "f$(rnd)-1.bulk.boltnet plain"; do
      set -- $q
      b="$(dnssec_dig "$1" A "$2" </dev/null | dnssec_facts) $(auth "$1" "$2")"
      u="$(DNSSEC_PORT=$UPORT dnssec_dig "$1" A "$2" </dev/null | dnssec_facts) $(auth "$1" "$2" "$UPORT")"
      if [ "$b" = "$u" ]; then same=$((same + 1)); else diff=$((diff + 1)); echo "     | $1 $2: boltdns $b"; echo "     |   unbound $u"; fi
    done
    [ "$diff" -eq 0 ] && ok "Unbound: $same answers alike (rcode, AD, authority records)" || bad "Unbound: $diff answers differ"
    ns bash "$E2E_HIER/unbound.sh" stop "$UPORT" "$E2E_DIR/ub" >/dev/null 2>&1
  else
    cat "$E2E_DIR/unbound.out"; bad "unbound did not start"
  fi
else
  echo "note: unbound not installed"
fi

echo "== an NSEC3 zone's flood goes to the throttle (hashed ranges are not published)"
dnssec_check_case first www.nsec3.boltnet A do NOERROR ad - ans 198.19.13.20
awk -v s="$$" 'BEGIN { srand(s); for (i = 0; i < 4000; i++) printf "n%x%x.nsec3.boltnet A\n", i, int(rand() * 2^30) }' \
  > "$E2E_DIR/flood3.txt"
t0=$(dp_stat throttled) d0=$(dpn)
ns dnsperf -s 127.0.0.1 -p "$E2E_PORT" -d "$E2E_DIR/flood3.txt" -n 1 -Q 4000 -q 2000 -t 2 -l 2 \
  > "$E2E_DIR/flood3-perf.txt" 2>&1 || true
t1=$(dp_stat throttled)
[ $((${t1:-0} - ${t0:-0})) -gt 0 ] && [ "$(dpn)" = "$d0" ] &&
  ok "nsec3.boltnet flood: the dataplane throttled $((t1 - t0)), none answered from ranges" ||
  bad "nsec3.boltnet flood: throttled ${t0:-0} -> ${t1:-0}, negrange_answered $d0 -> $(dpn)"

echo "== the counter in boltctl stats and /metrics; flush_zone withdraws the ranges"
m=$(ns bash -c 'exec 3<>/dev/tcp/127.0.0.1/9153; printf "GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n" >&3; cat <&3' 2>/dev/null || true)
grep -qE '^boltdns_negrange_answered_total\{lcore="0"\} [1-9]' <<<"$m" &&
  grep -qE '^boltdns_cp_negrange_published_total [1-9]' <<<"$m" &&
  ok "/metrics: $(grep -E '^boltdns_(negrange_answered|cp_negrange_published)_total' <<<"$m" | tr '\n' ' ')" ||
  bad "/metrics lacks the counters: $(grep negrange <<<"$m" | tr '\n' ' ')"
if [ -n "$BOLTCTL" ]; then
  st=$("$BOLTCTL" -s "$E2E_DIR/control.sock" stats_noreset 2>&1)
  grep -qE 'negrange_answered:? [1-9]' <<<"$st" && ok "boltctl stats: $(grep -E 'negrange_answered' <<<"$st" | head -1)" ||
    bad "boltctl stats lacks negrange_answered"
  "$BOLTCTL" -s "$E2E_DIR/control.sock" flush_zone bulk.boltnet >/dev/null
  d0=$(dpn)
  dnssec_check_case flushed "g$(rnd).bulk.boltnet" A do NXDOMAIN ad - auth -
  [ "$(dpn)" = "$d0" ] && ok "after flush_zone: not from the ranges" || bad "after flush_zone: still answered from the ranges"

  echo "== local data added under the zone withdraws the ranges (it is answered first)"
  head -4000 "$E2E_DIR/flood.txt" | sed 's/-f\./-g./' > "$E2E_DIR/flood2.txt"
  ns dnsperf -s 127.0.0.1 -p "$E2E_PORT" -d "$E2E_DIR/flood2.txt" -n 1 -Q 4000 -q 2000 -t 2 -l 2 \
    > "$E2E_DIR/flood2-perf.txt" 2>&1 || true
  d0=$(dpn)
  dnssec_check_case again "a$(rnd).bulk.boltnet" A plain NXDOMAIN ad - none -
  [ $(($(dpn) - d0)) -eq 1 ] && ok "a second flood published the range again" || bad "not published again"

  echo "== a negative trust anchor withdraws the ranges (no AD from the dataplane under it)"
  "$BOLTCTL" -s "$E2E_DIR/control.sock" nta add bulk.boltnet 300 >/dev/null || bad "nta add"
  d0=$(dpn)
  dnssec_check_case nta "d$(rnd).bulk.boltnet" A do NXDOMAIN - - - -
  [ "$(dpn)" = "$d0" ] && ok "under the NTA: not from the ranges" || bad "under the NTA: still answered from the ranges"
  "$BOLTCTL" -s "$E2E_DIR/control.sock" nta remove bulk.boltnet >/dev/null || bad "nta remove"
  head -3000 "$E2E_DIR/flood.txt" | sed 's/-f\./-h./' > "$E2E_DIR/flood3.txt"
  ns dnsperf -s 127.0.0.1 -p "$E2E_PORT" -d "$E2E_DIR/flood3.txt" -n 1 -Q 3000 -q 2000 -t 2 -l 2 \
    > "$E2E_DIR/flood3-perf.txt" 2>&1 || true
  d0=$(dpn)
  dnssec_check_case again "a$(rnd).bulk.boltnet" A plain NXDOMAIN ad - none -
  [ $(($(dpn) - d0)) -eq 1 ] && ok "after nta remove, a third flood published the range again" ||
    bad "not published again after nta remove"
  "$BOLTCTL" -s "$E2E_DIR/control.sock" local_data add "abc1.bulk.boltnet. 60 A 198.18.70.99" >/dev/null ||
    bad "local_data add"
  d0=$(dpn)
  r=$(rcode_of abc1.bulk.boltnet AAAA)
  a=$(ns dig +short @127.0.0.1 -p "$E2E_PORT" abc1.bulk.boltnet A)
  [ "$r" = NOERROR ] && [ "$a" = 198.18.70.99 ] && [ "$(dpn)" = "$d0" ] &&
    ok "abc1.bulk.boltnet: local A $a, AAAA $r (NODATA), not denied by a range" ||
    bad "abc1.bulk.boltnet: AAAA $r, A '$a', negrange_answered $d0 -> $(dpn)"
fi

echo "(${SECONDS} s)"
e2e_finish
