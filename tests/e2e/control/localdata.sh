#!/usr/bin/env bash
# End-to-end: local data behaves as Unbound's transparent local zone, with
# the real dataplane (io = socket), boltdns-cp over the fake hierarchy and
# boltctl. A hosts name with only an A record is NODATA for AAAA, a [local]
# A name NODATA for MX; local CNAMEs answer every type and are followed to
# local data or resolved further in the hierarchy (that answer expires with
# the hierarchy's TTL); a loop is cut; names below are not affected; the
# answers are cached (the second query is a dataplane hit); local_data
# remove and reload take their derived answers away.
#
# Usage: localdata.sh BOLTDNS_DP BOLTDNS_CP DP_STATS BOLTCTL
. "$(dirname "$0")/lib.sh"
BOLTCTL=$4
e2e_init localdata "$1" "$2" "$3"
e2e_write_conf
printf '198.18.70.10 printer.lan.test\n' > "$E2E_DIR/hosts"
cp "$E2E_DIR/boltdns.conf" "$E2E_DIR/base.conf"
local_conf() { # the [local] section, with or without ext.lan.test
  cp "$E2E_DIR/base.conf" "$E2E_DIR/boltdns.conf"
  cat >> "$E2E_DIR/boltdns.conf" <<CONF
[local]
hosts = $E2E_DIR/hosts
data = mx.lan.test. 300 A 198.18.70.11
data = alias.lan.test. 300 CNAME printer.lan.test.
data = loop1.lan.test. 300 CNAME loop2.lan.test.
data = loop2.lan.test. 300 CNAME loop1.lan.test.
$1
CONF
}
local_conf "data = ext.lan.test. 300 CNAME short.dom1.boltnet."
e2e_start_hierarchy
e2e_start_dp
e2e_start_cp
e2e_wait_ctl

# ---- NODATA for the other types of a local name ----
expect_answers "hosts name A" NOERROR "A 198.18.70.10 " printer.lan.test A
expect_answers "hosts name AAAA is NODATA" NOERROR "" printer.lan.test AAAA
f=$(flags_of printer.lan.test AAAA)
case " $f " in *" aa "*) ok "NODATA is authoritative ($f)" ;; *) bad "NODATA flags: '$f'" ;; esac
expect_answers "hosts name AAAA with DO=1 is NODATA" NOERROR "" +dnssec printer.lan.test AAAA
expect_answers "[local] A name MX is NODATA" NOERROR "" mx.lan.test MX
a=$(ns dig @127.0.0.1 -p "$E2E_PORT" +tcp +time=6 +tries=1 +short mx.lan.test TXT; echo "rc=$?")
[ "$a" = "rc=0" ] && ok "NODATA over TCP" || bad "NODATA over TCP: '$a'"

# the second time it is a dataplane hit: the control plane sees no miss
wait_stats
m0=$(cp_stat misses)
h0=$(dp_stat hits)
expect_answers "hosts name AAAA again" NOERROR "" printer.lan.test AAAA
expect_answers "[local] A name MX again" NOERROR "" mx.lan.test MX
wait_stats
m1=$(cp_stat misses)
h1=$(dp_stat hits)
if [ "$m1" = "$m0" ] && [ "$h1" -ge $((h0 + 2)) ]; then ok "NODATA answers are cached (hits $h0 -> $h1, misses $m0 -> $m1)"
else bad "NODATA not served from the cache: hits $h0 -> $h1, misses $m0 -> $m1"; fi
out=$(ctl lookup printer.lan.test AAAA)
grep -q "static NOERROR ttl=static" <<<"$out" && ok "NODATA entry is static" || bad "lookup: $out"

# ---- local CNAMEs ----
expect_answers "CNAME to a local name, A" NOERROR "CNAME printer.lan.test. A 198.18.70.10 " alias.lan.test A
expect_answers "CNAME to a local name, AAAA (NODATA at the target)" NOERROR "CNAME printer.lan.test. " alias.lan.test AAAA
expect_answers "CNAME query gets the record" NOERROR "CNAME printer.lan.test. " alias.lan.test CNAME
expect_answers "CNAME to the hierarchy" NOERROR "CNAME short.dom1.boltnet. A 198.19.1.60 " ext.lan.test A
out=$(ctl lookup ext.lan.test A)
ttl=$(sed -n '1s/.* ttl=\([0-9]*\).*/\1/p' <<<"$out")
if grep -q " positive NOERROR ttl=" <<<"$out" && [ -n "$ttl" ] && [ "$ttl" -le 60 ]; then
  ok "CNAME to the hierarchy cached with the hierarchy's TTL ($ttl <= 60), not static"
else bad "CNAME to the hierarchy in the cache: $out"; fi
expect_answers "CNAME to the hierarchy, NODATA there" NOERROR "CNAME short.dom1.boltnet. " ext.lan.test MX
expect_answers "CNAME loop: the chain, cut" NOERROR "CNAME loop2.lan.test. CNAME loop1.lan.test. " loop1.lan.test A

# ---- transparent: names below a local name are resolved as usual ----
expect_answers "below a local name" NXDOMAIN "" sub.printer.lan.test A
expect_answers "a name of the hierarchy" NOERROR "A 198.19.1.80 " www.dom1.boltnet A
# a CNAME added at run time to a name the cache holds already
ctl local_data add "web.lan.test. 300 CNAME www.dom1.boltnet." >/dev/null || bad "local_data add CNAME"
expect_answers "CNAME to a cached name of the hierarchy" NOERROR "CNAME www.dom1.boltnet. A 198.19.1.80 " web.lan.test A

# ---- added at run time ----
ctl local_data add "new.lan.test. 60 TXT \"hello\"" >/dev/null || bad "local_data add"
expect_answers "added TXT" NOERROR 'TXT "hello" ' new.lan.test TXT
expect_answers "added name, A is NODATA" NOERROR "" new.lan.test A
ctl local_data add "new.lan.test. 60 A 198.18.70.12" >/dev/null || bad "local_data add A"
expect_answers "A added to a name that was NODATA for A" NOERROR "A 198.18.70.12 " new.lan.test A

# ---- remove takes the derived answers with it ----
ctl local_data remove printer.lan.test >/dev/null || bad "local_data remove"
if ctl lookup printer.lan.test AAAA >/dev/null 2>&1; then bad "NODATA entry still cached after remove"
else ok "remove deleted the NODATA entry"; fi
if ctl lookup alias.lan.test A >/dev/null 2>&1; then bad "chain through the removed name still cached"
else ok "remove deleted the chain through it"; fi
expect_answers "removed name is resolved as usual" NXDOMAIN "" printer.lan.test AAAA
expect_answers "CNAME to a removed name is resolved further" NXDOMAIN "CNAME printer.lan.test. " alias.lan.test A
ctl local_data remove mx.lan.test A >/dev/null || bad "local_data remove mx"
expect_answers "MX of a removed name" NXDOMAIN "" mx.lan.test MX

# ---- reload: the configuration without ext.lan.test ----
local_conf ""
ctl reload >/dev/null || bad "reload"
if ctl lookup ext.lan.test A >/dev/null 2>&1; then bad "chain of a name gone from the configuration still cached"
else ok "reload deleted the chain of a name no longer configured"; fi
expect_answers "name gone from the configuration" NXDOMAIN "" ext.lan.test A
expect_answers "hosts name back after reload" NOERROR "" printer.lan.test AAAA

e2e_finish
