#!/usr/bin/env bash
# End-to-end: Response Policy Zones from files, with the real dataplane
# (io = socket), boltdns-cp over the fake hierarchy and boltctl. Every
# action (NXDOMAIN, NODATA, PASSTHRU, DROP, TCP-only, local data A/AAAA/TXT
# and CNAME) and every applied trigger (QNAME exact and wildcard, response
# IP v4 and v6, with local data), two zones in order (first match wins,
# `policy =` override), EDE 15 and 17, the log line and the counters; the
# second query of each is a dataplane hit; malformed records are skipped and
# counted; an edited zone file takes effect within seconds without a reload,
# the answers it changes flushed; `boltctl reload` the same. Then the same
# zones through Unbound (rpz: with the respip module): same answers.
#
# Usage: rpz.sh BOLTDNS_DP BOLTDNS_CP DP_STATS BOLTCTL
. "$(dirname "$0")/lib.sh"
BOLTCTL=$4
e2e_init rpz "$1" "$2" "$3"
e2e_write_conf

# The policy zone (rpz.test) without its broken records, for Unbound too.
cat > "$E2E_DIR/rpz1.clean" <<'ZONE'
$TTL 60
@ SOA ns.rpz.test. admin.rpz.test. ( 1 3600 600 86400 60 )
  NS ns.rpz.test.
www.dom1.boltnet       CNAME .
*.wild.dom2.boltorg    CNAME .
ok.wild.dom2.boltorg   CNAME rpz-passthru.
mail.dom1.boltnet      CNAME *.
multi.dom1.boltnet     CNAME rpz-drop.
short.dom1.boltnet     CNAME rpz-tcp-only.
garden.dom1.boltnet    A 192.0.2.80
garden.dom1.boltnet    TXT "blocked by policy"
v6only.dom1.boltnet    A 192.0.2.81
alias.dom1.boltnet     CNAME www.dom3.boltnet.
32.80.2.19.198.rpz-ip  CNAME .
32.3.3.19.198.rpz-ip   A 192.0.2.99
128.80.zz.3.db8.2001.rpz-ip CNAME *.
ZONE
{
  cat "$E2E_DIR/rpz1.clean"
  echo 'bad1.dom1.boltnet A 300.1.1.1'
  echo '33.0.0.0.10.rpz-ip CNAME .'
  echo 'bad3.dom1.boltnet HINFO "x" "y"'
} > "$E2E_DIR/rpz1.zone"
cat > "$E2E_DIR/rpz2.zone" <<'ZONE'
$TTL 60
@ SOA ns.two.test. admin.two.test. 1 3600 600 86400 60
  NS ns.two.test.
txt.dom2.boltorg       CNAME .
www.dom1.boltnet       A 192.0.2.1
ZONE
cat >> "$E2E_DIR/boltdns.conf" <<CONF
[rpz]
name = rpz.test
file = $E2E_DIR/rpz1.zone
ede = blocked
log = yes
[rpz]
name = two.test
file = $E2E_DIR/rpz2.zone
policy = nodata
ede = filtered
CONF
e2e_start_hierarchy
e2e_start_dp
e2e_start_cp
e2e_wait_ctl

expect() { # DESCRIPTION WANT_RCODE WANT_ANSWERS QUERY...
  local d=$1 wr=$2 wa=$3; shift 3
  local r a out
  out=$(q "$@")
  r=$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$out")
  a=$(sed -n '/^;; ANSWER SECTION:/,/^$/p' <<<"$out" | grep -v '^;;\|^$' |
      awk '{ $1 = $2 = $3 = ""; sub(/^ +/, ""); print }' | sort | tr '\n' ' ')
  if [ "$r" = "$wr" ] && [ "$a" = "$wa" ]; then ok "$d: $r '$a'"; else bad "$d: got $r '$a', want $wr '$wa'"; fi
}
ede_of() { q "$@" | sed -n 's/.*EDE: \([0-9]*\).*/\1/p'; }

[ "$(cp_stat rpz_skipped)" = 3 ] && ok "3 malformed records skipped" ||
  bad "rpz_skipped = '$(cp_stat rpz_skipped)', want 3"
grep -q "rpz1.zone:17: " "$E2E_DIR/cp.log" && ok "skipped record logged with FILE:LINE" ||
  bad "no FILE:LINE log line for the skipped record"

# ---- every action, and the second query is a dataplane hit ----
run_all() {
  expect "QNAME exact: NXDOMAIN" NXDOMAIN "" www.dom1.boltnet A
  expect "QNAME wildcard: NXDOMAIN" NXDOMAIN "" x.wild.dom2.boltorg A
  expect "PASSTHRU below the wildcard" NOERROR "A 198.19.2.42 " ok.wild.dom2.boltorg A
  expect "NODATA" NOERROR "" mail.dom1.boltnet A
  expect "local data A" NOERROR "A 192.0.2.80 " garden.dom1.boltnet A
  expect "local data TXT" NOERROR 'TXT "blocked by policy" ' garden.dom1.boltnet TXT
  expect "local data: other type NODATA" NOERROR "" garden.dom1.boltnet AAAA
  expect "local data replaces an existing name" NOERROR "A 192.0.2.81 " v6only.dom1.boltnet A
  expect "local CNAME (walled garden), target resolved" NOERROR "A 198.19.3.80 CNAME www.dom3.boltnet. " alias.dom1.boltnet A
  expect "response IP v4: NXDOMAIN" NXDOMAIN "" www.dom2.boltorg A
  expect "response IP behind a CNAME chain: local data" NOERROR "A 192.0.2.99 CNAME c.dom3.boltnet. " b.dom2.boltorg A
  expect "response IP v6: NODATA" NOERROR "" www.dom3.boltnet AAAA
  expect "response IP: other addresses pass" NOERROR "A 198.19.3.80 " www.dom3.boltnet A
  expect "second zone, override nodata" NOERROR "" txt.dom2.boltorg TXT
}
run_all
expect "no policy: resolved" NOERROR 'A 198.19.2.25 ' mx.dom2.boltorg A
wait_stats
m0=$(cp_stat misses); h0=$(dp_stat hits)
run_all
wait_stats
m1=$(cp_stat misses); h1=$(dp_stat hits)
if [ "$m1" = "$m0" ] && [ "$h1" -ge $((h0 + 14)) ]; then
  ok "policy answers are dataplane hits (hits $h0 -> $h1, misses $m0 -> $m1)"
else bad "policy answers not served by the dataplane: hits $h0 -> $h1, misses $m0 -> $m1"; fi

# ---- EDE ----
[ "$(ede_of www.dom1.boltnet A)" = 15 ] && ok "EDE 15 Blocked (zone 1)" || bad "EDE of zone 1: '$(ede_of www.dom1.boltnet A)'"
[ "$(ede_of txt.dom2.boltorg TXT)" = 17 ] && ok "EDE 17 Filtered (zone 2)" || bad "EDE of zone 2: '$(ede_of txt.dom2.boltorg TXT)'"
[ -z "$(ede_of ok.wild.dom2.boltorg A)" ] && ok "no EDE on PASSTHRU" || bad "EDE on PASSTHRU"

# ---- DROP: no answer, from the control plane and from the cache ----
for i in 1 2; do
  out=$(ns dig @127.0.0.1 -p "$E2E_PORT" +time=1 +tries=1 multi.dom1.boltnet A 2>&1)
  grep -q "timed out\|no servers could be reached" <<<"$out" && ok "DROP: no answer ($i)" || bad "DROP answered: $out"
done
grep -q " drop NOERROR ttl=[0-9]* policy=rpz-qname" <<<"$(ctl lookup multi.dom1.boltnet A)" && ok "DROP entry in the cache" ||
  bad "lookup DROP: $(ctl lookup multi.dom1.boltnet A 2>&1)"

# ---- TCP-only: TC over UDP, the answer over TCP ----
for i in 1 2; do
  f=$(q short.dom1.boltnet A | sed -n 's/.*flags: \([a-z ]*\);.*/\1/p')
  case " $f " in *" tc "*) ok "TCP-only: TC=1 over UDP ($i)" ;; *) bad "TCP-only over UDP flags '$f'" ;; esac
done
a=$(ns dig @127.0.0.1 -p "$E2E_PORT" +tcp +time=6 +tries=1 +short short.dom1.boltnet A)
[ "$a" = 198.19.1.60 ] && ok "TCP-only: answered over TCP" || bad "TCP-only over TCP: '$a'"

# ---- counters and log ----
wait_stats
for c in rpz_qname_hits rpz_ip_hits rpz_nxdomain rpz_nodata rpz_passthru rpz_drop rpz_tcp_only rpz_local_data; do
  v=$(cp_stat $c)
  [ -n "$v" ] && [ "$v" -gt 0 ] && ok "counter $c = $v" || bad "counter $c = '$v'"
done
[ "$(cp_stat rpz_rules)" = 14 ] && ok "14 rules loaded" || bad "rpz_rules = '$(cp_stat rpz_rules)'"
grep -q "cp.rpz_nxdomain" <<<"$(ctl stats)" && ok "boltctl stats has the rpz counters" || bad "boltctl stats: no rpz counters"
grep -q "rpz: zone rpz.test: www.dom1.boltnet. A from 127.0.0.1: nxdomain (qname trigger www.dom1.boltnet.)" "$E2E_DIR/cp.log" &&
  ok "log line of a hit" || bad "no log line: $(grep 'rpz: zone' "$E2E_DIR/cp.log" | head -3)"

# ---- an edited file takes effect within seconds, no reload ----
expect "before the edit" NOERROR "A 198.19.3.80 " www.dom3.boltnet A
sed -e 's/^www.dom1.boltnet       CNAME ./www.dom1.boltnet A 192.0.2.7/' "$E2E_DIR/rpz1.zone" > "$E2E_DIR/rpz1.new"
echo 'www.dom3.boltnet CNAME .' >> "$E2E_DIR/rpz1.new"
mv "$E2E_DIR/rpz1.new" "$E2E_DIR/rpz1.zone"
t0=$(date +%s%N)
for _ in $(seq 1 40); do
  [ "$(rcode_of www.dom3.boltnet A)" = NXDOMAIN ] && break
  sleep 0.1
done
t1=$(date +%s%N)
expect "new trigger after the edit (cached answer flushed)" NXDOMAIN "" www.dom3.boltnet A
expect "changed trigger after the edit" NOERROR "A 192.0.2.7 " www.dom1.boltnet A
echo "edit in effect after $(( (t1 - t0) / 1000000 )) ms"

# ---- boltctl reload: zone 2 dropped from the configuration ----
sed -i '/^\[rpz\]$/,$d' "$E2E_DIR/boltdns.conf"
cat >> "$E2E_DIR/boltdns.conf" <<CONF
[rpz]
name = rpz.test
file = $E2E_DIR/rpz1.zone
ede = blocked
CONF
ctl reload >/dev/null || bad "reload"
expect "zone removed by reload: resolved again" NOERROR 'TXT "hello" "world" ' txt.dom2.boltorg TXT
expect "zone kept by reload" NXDOMAIN "" x.wild.dom2.boltorg A

# ---- Unbound with the same zones (respip): the same answers ----
if command -v unbound >/dev/null 2>&1; then
  sed -e 's/^www.dom1.boltnet       CNAME ./www.dom1.boltnet A 192.0.2.7/' "$E2E_DIR/rpz1.clean" > "$E2E_DIR/rpz1.ub"
  echo 'www.dom3.boltnet CNAME .' >> "$E2E_DIR/rpz1.ub"
  cat > "$E2E_DIR/unbound.rpz" <<CONF
rpz:
    name: rpz.test
    zonefile: "$E2E_DIR/rpz1.ub"
CONF
  UB_PORT=5301
  UNBOUND_RESPIP=yes UNBOUND_EXTRA_CONF="$E2E_DIR/unbound.rpz" \
    ns bash "$E2E_HIER/unbound.sh" start $UB_PORT "$E2E_DIR" --validate "$E2E_DIR/hier/root.key" \
    >"$E2E_DIR/unbound.start.log" 2>&1 || { cat "$E2E_DIR/unbound.start.log"; bad "unbound did not start"; }
  E2E_UNBOUND=$UB_PORT
  ub() { ns dig @127.0.0.1 -p $UB_PORT +time=6 +tries=1 +ignore "$@"; }
  sum1() { # "RCODE ANSWERS" of one dig's output
    local out; out=$(cat)
    echo "$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$out") $(sed -n '/^;; ANSWER SECTION:/,/^$/p' <<<"$out" |
      grep -v '^;;\|^$' | awk '{ $1 = $2 = $3 = ""; sub(/^ +/, ""); print }' | sort | tr '\n' ' ')"
  }
  same=0 total=0
  while read -r n t; do
    total=$((total + 1))
    a=$(q "$n" "$t" | sum1)
    b=$(ub "$n" "$t" | sum1)
    if [ "$a" = "$b" ]; then same=$((same + 1)); else bad "$n $t: boltdns '$a' unbound '$b'"; fi
  done <<'QUERIES'
www.dom1.boltnet A
www.dom1.boltnet AAAA
x.wild.dom2.boltorg A
a.b.wild.dom2.boltorg TXT
ok.wild.dom2.boltorg A
mail.dom1.boltnet A
mail.dom1.boltnet AAAA
garden.dom1.boltnet A
garden.dom1.boltnet TXT
garden.dom1.boltnet AAAA
v6only.dom1.boltnet A
v6only.dom1.boltnet AAAA
alias.dom1.boltnet A
www.dom2.boltorg A
www.dom2.boltorg AAAA
b.dom2.boltorg A
www.dom3.boltnet AAAA
www.dom3.boltnet A
c.dom3.boltnet A
mx.dom2.boltorg A
QUERIES
  [ "$same" -eq "$total" ] && ok "$same/$total policy answers agree with unbound"
  f=$(ub short.dom1.boltnet A | sed -n 's/.*flags: \([a-z ]*\);.*/\1/p')
  case " $f " in *" tc "*) ok "unbound: TCP-only is TC=1 too" ;; *) bad "unbound TCP-only flags '$f'" ;; esac
else
  echo "unbound not installed: comparison skipped"
fi

e2e_finish
