#!/usr/bin/env bash
# Self-test of the fake DNS hierarchy: start it, check every case on every
# server with `dig +norec`, check the recursive answers of Debian's unbound
# over it, stop everything. Runs in a network namespace of its own, so it
# never collides with a hierarchy someone else runs on the host.
#
# Usage: selftest.sh            (root; exit 77 = skipped)
# Environment: HIER_SELFTEST_VERBOSE=1 prints every passing check too.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dnssec.sh"

UNBOUND_PORT=5300
NS_PREFIX=bolthier-
WORKDIR_PREFIX=/tmp/boltdns-hier-selftest.

skip() { echo "SKIP: $*"; exit 77; }

# ---------------------------------------------------------------- outer part
# Creates the namespace, re-runs this script inside it, and cleans up even if
# the inner run crashes or is killed (meson timeout).
if [ -z "${HIER_SELFTEST_INNER:-}" ]; then
  [ "$(id -u)" -eq 0 ] || skip "needs root (network namespace, addresses on lo, port 53)"
  for tool in nsd unbound unbound-checkconf dig ip nsd-checkzone dnssec-keygen dnssec-signzone dnssec-dsfromkey ldns-signzone; do
    command -v "$tool" >/dev/null 2>&1 || skip "'$tool' not installed"
  done

  cleanup_ns() {
    local ns=$1 workdir=$2
    ip netns exec "$ns" "$HIER_DIR/unbound.sh" stop "$UNBOUND_PORT" "$workdir/unbound" 2>/dev/null
    ip netns exec "$ns" "$HIER_DIR/stop.sh" "$workdir" 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    rm -rf "$workdir"
  }

  # Leftovers of runs that crashed or were killed: their owner pid is dead.
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
    case "$ns" in "$NS_PREFIX"[0-9]*) ;; *) continue ;; esac
    owner=${ns#"$NS_PREFIX"}
    # A zombie (no reaper in some containers) or a recycled pid has no
    # selftest.sh in its command line.
    hier_cmdline_has "$owner" selftest.sh && continue
    echo "cleaning up stale namespace $ns"
    cleanup_ns "$ns" "$WORKDIR_PREFIX$owner"
  done

  ns="$NS_PREFIX$$"
  workdir="$WORKDIR_PREFIX$$"
  rm -rf "$workdir"
  mkdir -p "$workdir"
  if ! ip netns add "$ns" 2>/dev/null; then
    skip "cannot create a network namespace"
  fi
  trap 'cleanup_ns "$ns" "$workdir"' EXIT
  trap 'exit 143' TERM INT
  HIER_SELFTEST_INNER=1 ip netns exec "$ns" "$0" "$workdir"
  exit $?
fi

# ---------------------------------------------------------------- inner part
WORKDIR=$1
UNBOUND_DIR="$WORKDIR/unbound"
pass=0
fail=0

# Turn dig output into one line per fact:
#   status RCODE | flags F... | size N | timeout
#   ans|auth|add NAME CLASS TYPE RDATA...   (TTL removed)
#   ansttl|authttl|addttl NAME TYPE TTL
normalize() {
  awk '
    /^;; ->>HEADER<<-/ { for (i = 1; i <= NF; i++) if ($i == "status:") { s = $(i + 1); sub(",", "", s); print "status " s } }
    /^;; flags:/       { f = $0; sub(/^;; flags: */, "", f); sub(/;.*/, "", f); print "flags " f }
    /^;; MSG SIZE/     { print "size " $NF }
    /timed out|no servers could be reached/ { print "timeout" }
    /^;; ANSWER SECTION:/     { sec = "ans"; next }
    /^;; AUTHORITY SECTION:/  { sec = "auth"; next }
    /^;; ADDITIONAL SECTION:/ { sec = "add"; next }
    /^;; / || /^$/     { sec = ""; next }
    /^;/               { next }
    sec != "" && NF >= 4 {
      line = sec " " $1; for (i = 3; i <= NF; i++) line = line " " $i; print line
      print sec "ttl " $1 " " $4 " " $2
    }'
}

# check DESC ASSERTION... -- DIG-ARGS...
# Assertions:
#   status=RCODE  flag=F  noflag=F  timeout
#   ans=TEXT auth=TEXT add=TEXT       a line of that section starts with TEXT
#   noans=TEXT noauth=TEXT noadd=TEXT no such line
#   nans=N nauth=N nadd=N             number of records in the section
#   ttl=SEC:NAME:TYPE:N               TTL of the first such record is N
#   ttlmax=SEC:NAME:TYPE:N            ... is between 1 and N (cached answers)
#   minsize=N                         the response is at least N bytes
check() {
  local desc=$1; shift
  local -a asserts=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do asserts+=("$1"); shift; done
  shift
  local raw out a key val why="" got n sec name type lim
  raw=$(dig "$@" 2>&1)
  out=$(normalize <<<"$raw")
  for a in "${asserts[@]}"; do
    key=${a%%=*}
    val=${a#*=}
    case "$key" in
      status)  grep -qxF "status $val" <<<"$out" || why="status is not $val" ;;
      flag)    [[ " $(sed -n 's/^flags //p' <<<"$out") " == *" $val "* ]] || why="flag $val missing" ;;
      noflag)  [[ " $(sed -n 's/^flags //p' <<<"$out") " != *" $val "* ]] || why="flag $val set" ;;
      timeout) grep -qx timeout <<<"$out" && ! grep -q '^status' <<<"$out" || why="got an answer" ;;
      ans|auth|add)
               grep -qF -- "$key $val" <<<"$(grep "^$key " <<<"$out")" || why="no '$val' in $key section" ;;
      noans|noauth|noadd)
               sec=${key#no}
               ! grep -qF -- "$sec $val" <<<"$(grep "^$sec " <<<"$out")" || why="'$val' in $sec section" ;;
      nans|nauth|nadd)
               sec=${key#n}
               n=$(grep -c "^$sec " <<<"$out")
               [ "$n" -eq "$val" ] || why="$n records in $sec section, not $val" ;;
      ttl|ttlmax)
               IFS=: read -r sec name type lim <<<"$val"
               got=$(awk -v s="${sec}ttl" -v n="$name" -v t="$type" '$1 == s && $2 == n && $3 == t { print $4; exit }' <<<"$out")
               if [ -z "$got" ]; then why="no $type $name in $sec section"
               elif [ "$key" = ttl ] && [ "$got" -ne "$lim" ]; then why="TTL $got, not $lim"
               elif [ "$key" = ttlmax ] && { [ "$got" -gt "$lim" ] || [ "$got" -lt 1 ]; }; then why="TTL $got not in 1..$lim"
               fi ;;
      minsize) got=$(sed -n 's/^size //p' <<<"$out")
               [ -n "$got" ] && [ "$got" -ge "$val" ] || why="size '${got}' < $val" ;;
      *)       why="unknown assertion $a" ;;
    esac
    [ -n "$why" ] && break
  done
  if [ -z "$why" ]; then
    pass=$((pass + 1))
    [ -n "${HIER_SELFTEST_VERBOSE:-}" ] && echo "ok   $desc"
  else
    fail=$((fail + 1))
    echo "FAIL $desc: $why"
    echo "     dig $*"
    sed 's/^/     | /' <<<"$raw"
  fi
  return 0
}

# Authoritative query to one server, no recursion.
AUTH=(+norec +time=2 +tries=1)
# Recursive query to unbound.
REC=(-p "$UNBOUND_PORT" +time=30 +tries=1 @127.0.0.1)

echo "== static checks"
for z in "$HIER_ZONES"/*.zone; do
  zone=$(basename "$z" .zone)
  [ "$zone" = root ] && zone=.
  if nsd-checkzone "$zone" "$z" >/dev/null 2>&1; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL nsd-checkzone $zone $z"; fi
done
n=$(grep -cE '^h[0-9]{4} ' "$HIER_ZONES/bulk.boltnet.zone")
if [ "$n" -ge 2000 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL bulk.boltnet has $n names"; fi

echo "== starting the hierarchy"
t0=$(date +%s.%N)
hints=$("$HIER_DIR/start.sh" "$WORKDIR") || { echo "FAIL start.sh"; exit 1; }
t1=$(date +%s.%N)
echo "start.sh took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')s, root hints: $hints"
[ "$hints" = "$HIER_HINTS" ] || { echo "FAIL start.sh printed '$hints'"; fail=$((fail + 1)); }
# A second start must be a no-op that succeeds (and signs nothing again).
stamp=$(stat -c %Y "$WORKDIR/dnssec/stamp" 2>/dev/null)
t0=$(date +%s.%N)
if "$HIER_DIR/start.sh" "$WORKDIR" >"$WORKDIR/start2.log" 2>&1 && ! grep -q 'signed [0-9]* zones' "$WORKDIR/start2.log" &&
   [ "$(stat -c %Y "$WORKDIR/dnssec/stamp" 2>/dev/null)" = "$stamp" ]; then
  pass=$((pass + 1))
else
  echo "FAIL start.sh is not idempotent"; cat "$WORKDIR/start2.log"; fail=$((fail + 1))
fi
t1=$(date +%s.%N)
echo "second start.sh took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')s"

echo "== root servers"
for s in 198.18.1.1 198.18.1.2; do
  check "$s root SOA" status=NOERROR flag=aa "ans=. IN SOA a.root.boltnet. hostmaster.boltnet. 2026010101" -- "${AUTH[@]}" @$s . SOA
  check "$s root NS" status=NOERROR flag=aa nans=2 "ans=. IN NS a.root.boltnet." "ans=. IN NS b.root.boltnet." -- "${AUTH[@]}" @$s . NS
  check "$s referral to boltnet" status=NOERROR noflag=aa nans=0 "auth=boltnet. IN NS ns1.nic.boltnet." "add=ns1.nic.boltnet. IN A 198.18.1.10" -- "${AUTH[@]}" @$s www.dom1.boltnet A
  check "$s referral to boltorg" status=NOERROR noflag=aa "auth=boltorg. IN NS ns1.nic.boltorg." "add=ns1.nic.boltorg. IN A 198.18.1.11" -- "${AUTH[@]}" @$s www.dom2.boltorg A
  check "$s NXDOMAIN TLD" status=NXDOMAIN flag=aa "auth=. IN SOA" ttl=auth:.:SOA:3600 -- "${AUTH[@]}" @$s nosuchtld. A
done

echo "== tld-boltnet 198.18.1.10"
s=198.18.1.10
check "boltnet SOA" status=NOERROR flag=aa "ans=boltnet. IN SOA ns1.nic.boltnet." -- "${AUTH[@]}" @$s boltnet SOA
check "a.root.boltnet A" status=NOERROR flag=aa "ans=a.root.boltnet. IN A 198.18.1.1" -- "${AUTH[@]}" @$s a.root.boltnet A
check "dom1 referral with glue" noflag=aa "auth=dom1.boltnet. IN NS ns1.dom1.boltnet." "add=ns1.dom1.boltnet. IN A 198.18.1.20" -- "${AUTH[@]}" @$s www.dom1.boltnet A
check "bulk referral with glue" noflag=aa "auth=bulk.boltnet. IN NS ns1.bulk.boltnet." "add=ns1.bulk.boltnet. IN A 198.18.1.20" -- "${AUTH[@]}" @$s h0001.bulk.boltnet A
check "dom3 referral without glue" noflag=aa nauth=1 "auth=dom3.boltnet. IN NS ns.hosting.boltorg." nadd=0 -- "${AUTH[@]}" @$s www.dom3.boltnet A
check "lame referral" noflag=aa "auth=lame.boltnet. IN NS ns1.dom1.boltnet." -- "${AUTH[@]}" @$s www.lame.boltnet A
check "dead referral" noflag=aa "auth=dead.boltnet. IN NS ns.dead.boltnet." "add=ns.dead.boltnet. IN A 198.18.1.99" -- "${AUTH[@]}" @$s www.dead.boltnet A
check "cyc1 referral without glue" noflag=aa "auth=cyc1.boltnet. IN NS ns.cyc2.boltorg." nadd=0 -- "${AUTH[@]}" @$s www.cyc1.boltnet A
check "nxns referral: 24 NS, no glue" noflag=aa nauth=24 "auth=nxns.boltnet. IN NS ns.v01.boltorg." "auth=nxns.boltnet. IN NS ns.v24.boltorg." nadd=0 -- "${AUTH[@]}" @$s www.nxns.boltnet A
check "boltnet NXDOMAIN" status=NXDOMAIN flag=aa "auth=boltnet. IN SOA" -- "${AUTH[@]}" @$s nosuch.boltnet A

echo "== tld-boltorg 198.18.1.11"
s=198.18.1.11
check "boltorg SOA" status=NOERROR flag=aa "ans=boltorg. IN SOA ns1.nic.boltorg." -- "${AUTH[@]}" @$s boltorg SOA
check "dom2 referral with glue" noflag=aa "auth=dom2.boltorg. IN NS ns1.dom2.boltorg." "add=ns1.dom2.boltorg. IN A 198.18.1.21" -- "${AUTH[@]}" @$s www.dom2.boltorg A
check "hosting referral with glue" noflag=aa "auth=hosting.boltorg. IN NS ns1.hosting.boltorg." "add=ns1.hosting.boltorg. IN A 198.18.1.21" -- "${AUTH[@]}" @$s ns.hosting.boltorg A
check "dom4 referral without glue" noflag=aa "auth=dom4.boltorg. IN NS ns3.dom1.boltnet." nadd=0 -- "${AUTH[@]}" @$s www.dom4.boltorg A
check "half referral: 2 NS with glue" noflag=aa nauth=2 "add=ns1.half.boltorg. IN A 198.18.1.21" "add=ns2.half.boltorg. IN A 198.18.1.22" -- "${AUTH[@]}" @$s www.half.boltorg A
check "evil referral" noflag=aa "auth=evil.boltorg. IN NS ns.evil.boltorg." "add=ns.evil.boltorg. IN A 198.18.1.66" -- "${AUTH[@]}" @$s www.evil.boltorg A
check "cyc2 referral without glue" noflag=aa "auth=cyc2.boltorg. IN NS ns.cyc1.boltnet." nadd=0 -- "${AUTH[@]}" @$s www.cyc2.boltorg A
check "nxns NS name is NXDOMAIN" status=NXDOMAIN flag=aa -- "${AUTH[@]}" @$s ns.v01.boltorg A
check "nxns NS name is NXDOMAIN (last)" status=NXDOMAIN flag=aa -- "${AUTH[@]}" @$s ns.v24.boltorg A

echo "== auth1 198.18.1.20 (dom1.boltnet, bulk.boltnet)"
s=198.18.1.20
check "dom1 SOA" flag=aa "ans=dom1.boltnet. IN SOA ns1.dom1.boltnet. hostmaster.dom1.boltnet. 2026010101 3600 600 86400 300" ttl=ans:dom1.boltnet.:SOA:3600 -- "${AUTH[@]}" @$s dom1.boltnet SOA
check "dom1 NS" flag=aa nans=1 "ans=dom1.boltnet. IN NS ns1.dom1.boltnet." -- "${AUTH[@]}" @$s dom1.boltnet NS
check "dom1 MX" flag=aa nans=2 "ans=dom1.boltnet. IN MX 10 mail.dom1.boltnet." "ans=dom1.boltnet. IN MX 20 mx.dom2.boltorg." -- "${AUTH[@]}" @$s dom1.boltnet MX
check "dom1 TXT" flag=aa 'ans=dom1.boltnet. IN TXT "v=boltdns-test zone=dom1"' -- "${AUTH[@]}" @$s dom1.boltnet TXT
check "www A" flag=aa nans=1 "ans=www.dom1.boltnet. IN A 198.19.1.80" -- "${AUTH[@]}" @$s www.dom1.boltnet A
check "www AAAA" flag=aa "ans=www.dom1.boltnet. IN AAAA 2001:db8:1::80" -- "${AUTH[@]}" @$s www.dom1.boltnet AAAA
check "www TXT" flag=aa 'ans=www.dom1.boltnet. IN TXT "www of dom1"' -- "${AUTH[@]}" @$s www.dom1.boltnet TXT
check "multi A: 3 records" flag=aa nans=3 -- "${AUTH[@]}" @$s multi.dom1.boltnet A
check "short TTL 60" flag=aa ttl=ans:short.dom1.boltnet.:A:60 -- "${AUTH[@]}" @$s short.dom1.boltnet A
check "NODATA (min TTL 300)" status=NOERROR flag=aa nans=0 "auth=dom1.boltnet. IN SOA" ttl=auth:dom1.boltnet.:SOA:300 -- "${AUTH[@]}" @$s v6only.dom1.boltnet A
check "NXDOMAIN (min TTL 300)" status=NXDOMAIN flag=aa nans=0 "auth=dom1.boltnet. IN SOA" ttl=auth:dom1.boltnet.:SOA:300 -- "${AUTH[@]}" @$s nx.dom1.boltnet A
check "CNAME to other TLD" flag=aa nans=1 "ans=a.dom1.boltnet. IN CNAME b.dom2.boltorg." -- "${AUTH[@]}" @$s a.dom1.boltnet A
check "in-zone CNAME followed" flag=aa "ans=alias.dom1.boltnet. IN CNAME www.dom1.boltnet." "ans=www.dom1.boltnet. IN A 198.19.1.80" -- "${AUTH[@]}" @$s alias.dom1.boltnet A
check "dangling CNAME" flag=aa "ans=dangling.dom1.boltnet. IN CNAME nx.dom2.boltorg." -- "${AUTH[@]}" @$s dangling.dom1.boltnet A
check "CNAME loop" flag=aa "ans=loop1.dom1.boltnet. IN CNAME loop2.dom1.boltnet." -- "${AUTH[@]}" @$s loop1.dom1.boltnet A
check "big TXT over UDP/1232 truncated" flag=aa flag=tc nans=0 -- "${AUTH[@]}" +ignore +bufsize=1232 @$s big.dom1.boltnet TXT
check "big TXT over TCP complete" flag=aa noflag=tc nans=10 minsize=1233 -- "${AUTH[@]}" +tcp @$s big.dom1.boltnet TXT
check "lame: auth1 refuses lame.boltnet" status=REFUSED -- "${AUTH[@]}" @$s www.lame.boltnet A
check "bulk SOA" flag=aa "ans=bulk.boltnet. IN SOA ns1.bulk.boltnet." -- "${AUTH[@]}" @$s bulk.boltnet SOA
check "bulk h0001" flag=aa "ans=h0001.bulk.boltnet. IN A 198.19.128.1" -- "${AUTH[@]}" @$s h0001.bulk.boltnet A
check "bulk h1000" flag=aa "ans=h1000.bulk.boltnet. IN A 198.19.131.232" -- "${AUTH[@]}" @$s h1000.bulk.boltnet A
check "bulk h2000" flag=aa "ans=h2000.bulk.boltnet. IN A 198.19.135.208" -- "${AUTH[@]}" @$s h2000.bulk.boltnet A
check "bulk h2001 NXDOMAIN" status=NXDOMAIN flag=aa -- "${AUTH[@]}" @$s h2001.bulk.boltnet A
check "bulk n0001 NXDOMAIN" status=NXDOMAIN flag=aa -- "${AUTH[@]}" @$s n0001.bulk.boltnet A

echo "== auth2 198.18.1.21 (dom2.boltorg, hosting.boltorg, half.boltorg)"
s=198.18.1.21
check "dom2 SOA TTL 60" flag=aa ttl=ans:dom2.boltorg.:SOA:60 "ans=dom2.boltorg. IN SOA ns1.dom2.boltorg. hostmaster.dom2.boltorg. 2026010101 3600 600 86400 600" -- "${AUTH[@]}" @$s dom2.boltorg SOA
check "dom2 www A" flag=aa "ans=www.dom2.boltorg. IN A 198.19.2.80" -- "${AUTH[@]}" @$s www.dom2.boltorg A
check "dom2 www AAAA" flag=aa "ans=www.dom2.boltorg. IN AAAA 2001:db8:2::80" -- "${AUTH[@]}" @$s www.dom2.boltorg AAAA
check "dom2 MX" flag=aa "ans=dom2.boltorg. IN MX 10 mx.dom2.boltorg." -- "${AUTH[@]}" @$s dom2.boltorg MX
check "chain link b -> c.dom3.boltnet" flag=aa nans=1 "ans=b.dom2.boltorg. IN CNAME c.dom3.boltnet." -- "${AUTH[@]}" @$s b.dom2.boltorg A
check "NXDOMAIN (min TTL 60)" status=NXDOMAIN flag=aa ttl=auth:dom2.boltorg.:SOA:60 -- "${AUTH[@]}" @$s nx.dom2.boltorg A
check "wildcard A" flag=aa "ans=anything.wild.dom2.boltorg. IN A 198.19.2.42" -- "${AUTH[@]}" @$s anything.wild.dom2.boltorg A
check "two-string TXT" flag=aa 'ans=txt.dom2.boltorg. IN TXT "hello" "world"' -- "${AUTH[@]}" @$s txt.dom2.boltorg TXT
check "ns.hosting.boltorg A" flag=aa "ans=ns.hosting.boltorg. IN A 198.18.1.22" -- "${AUTH[@]}" @$s ns.hosting.boltorg A
check "half www A" flag=aa "ans=www.half.boltorg. IN A 198.19.5.80" -- "${AUTH[@]}" @$s www.half.boltorg A
check "auth2 refuses dom1" status=REFUSED -- "${AUTH[@]}" @$s www.dom1.boltnet A

echo "== auth3 198.18.1.22 (dom3.boltnet, dom4.boltorg, cyc1.boltnet, cyc2.boltorg)"
s=198.18.1.22
check "chain end c.dom3.boltnet" flag=aa "ans=c.dom3.boltnet. IN A 198.19.3.3" -- "${AUTH[@]}" @$s c.dom3.boltnet A
check "dom3 www A" flag=aa "ans=www.dom3.boltnet. IN A 198.19.3.80" -- "${AUTH[@]}" @$s www.dom3.boltnet A
check "dom3 NS" flag=aa "ans=dom3.boltnet. IN NS ns.hosting.boltorg." -- "${AUTH[@]}" @$s dom3.boltnet NS
check "dom4 www A" flag=aa "ans=www.dom4.boltorg. IN A 198.19.4.80" -- "${AUTH[@]}" @$s www.dom4.boltorg A
check "cyc1 www A (served, unreachable by recursion)" flag=aa "ans=www.cyc1.boltnet. IN A 198.19.7.1" -- "${AUTH[@]}" @$s www.cyc1.boltnet A
check "cyc2 www A (served, unreachable by recursion)" flag=aa "ans=www.cyc2.boltorg. IN A 198.19.7.2" -- "${AUTH[@]}" @$s www.cyc2.boltorg A
check "lame half of half.boltorg: REFUSED" status=REFUSED -- "${AUTH[@]}" @$s www.half.boltorg A

echo "== evil 198.18.1.66 (forging responder)"
s=198.18.1.66
for proto in +notcp +tcp; do
  check "forged records ($proto)" status=NOERROR flag=aa "ans=www.evil.boltorg. IN A 198.19.66.80" "ans=www.dom1.boltnet. IN A 198.19.66.66" "auth=dom1.boltnet. IN NS ns.evil.boltorg." "add=www.dom2.boltorg. IN A 198.19.66.66" "add=ns1.dom1.boltnet. IN A 198.19.66.53" -- "${AUTH[@]}" $proto @$s www.evil.boltorg A
done
check "evil NXDOMAIN (SOA TTL 3600, MINIMUM 300)" status=NXDOMAIN flag=aa "auth=evil.boltorg. IN SOA ns.evil.boltorg. hostmaster.evil.boltorg. 2026010101 3600 600 86400 300" ttl=auth:evil.boltorg.:SOA:3600 -- "${AUTH[@]}" @$s nx.evil.boltorg A
check "evil NODATA" status=NOERROR flag=aa nans=0 "auth=evil.boltorg. IN SOA" -- "${AUTH[@]}" @$s www.evil.boltorg AAAA
check "evil refuses other zones" status=REFUSED -- "${AUTH[@]}" @$s www.dom1.boltnet A
# Malformed queries over UDP and TCP must not take the responder down.
"$HIER_PYTHON" - "$s" <<'PY'
import os, socket, sys
addr = (sys.argv[1], 53)
hdr = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
junk = [b"", b"\x00", hdr[:6], hdr, hdr + b"\xc0\x0c\x00\x01\x00\x01",
        hdr + b"\x3fabc", hdr + b"\x03www\x00\x00", b"\xff" * 300]
junk += [os.urandom(n) for n in range(12, 80)]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for j in junk:
    u.sendto(j, addr)
for j in junk[:8]:
    t = socket.create_connection(addr, timeout=2)
    t.sendall(len(j).to_bytes(2, "big") + j)
    t.close()
PY
check "evil survives malformed queries (UDP)" status=NOERROR "ans=www.evil.boltorg. IN A 198.19.66.80" -- "${AUTH[@]}" @$s www.evil.boltorg A
check "evil survives malformed queries (TCP)" status=NOERROR "ans=www.evil.boltorg. IN A 198.19.66.80" -- "${AUTH[@]}" +tcp @$s www.evil.boltorg A

echo "== silent 198.18.1.99 (never answers)"
check "silent over UDP" timeout -- +norec +time=1 +tries=1 @198.18.1.99 www.dead.boltnet A
check "silent over TCP" timeout -- +norec +time=1 +tries=1 +tcp @198.18.1.99 www.dead.boltnet A

echo "== scriptable servers (scriptauth.py)"
check "mis www A" status=NOERROR flag=aa "ans=www.mis.boltnet. IN A 198.19.70.80" -- "${AUTH[@]}" @198.18.1.70 www.mis.boltnet A
check "mis HTTPS: NOTIMP" status=NOTIMP noflag=aa -- "${AUTH[@]}" @198.18.1.70 https.mis.boltnet HTTPS
check "mis https A still answered" status=NOERROR "ans=https.mis.boltnet. IN A 198.19.70.65" -- "${AUTH[@]}" @198.18.1.70 https.mis.boltnet A
check "mis sf: SERVFAIL" status=SERVFAIL -- "${AUTH[@]}" @198.18.1.70 sf.mis.boltnet A
check "mis ref: REFUSED" status=REFUSED -- "${AUTH[@]}" @198.18.1.70 ref.mis.boltnet A
check "mis fe: FORMERR" status=FORMERR -- "${AUTH[@]}" @198.18.1.70 fe.mis.boltnet A
check "mis v4only AAAA: the A in the answer" status=NOERROR "ans=v4only.mis.boltnet. IN A 198.19.70.4" nans=1 -- "${AUTH[@]}" @198.18.1.70 v4only.mis.boltnet AAAA
check "mis NXDOMAIN: SOA TTL 120 as is, NS too" status=NXDOMAIN flag=aa ttl=auth:mis.boltnet.:SOA:120 "auth=mis.boltnet. IN SOA ns1.mis.boltnet. hostmaster.mis.boltnet. 2026120401 3600 600 86400 600" "auth=mis.boltnet. IN NS ns1.mis.boltnet." -- "${AUTH[@]}" @198.18.1.70 nx.mis.boltnet A
check "mis NXDOMAIN without SOA" status=NXDOMAIN nauth=0 -- "${AUTH[@]}" @198.18.1.70 nosoa-nx.mis.boltnet A
check "mis NODATA without SOA" status=NOERROR nans=0 nauth=0 -- "${AUTH[@]}" @198.18.1.70 nosoa-nd.mis.boltnet A
check "mis TTL 2^31" ttl=ans:bigttl.mis.boltnet.:A:2147483648 -- "${AUTH[@]}" @198.18.1.70 bigttl.mis.boltnet A
check "mis DNAME + CNAME" "ans=dn.mis.boltnet. IN DNAME dom1.boltnet." "ans=www.dn.mis.boltnet. IN CNAME www.dom1.boltnet." -- "${AUTH[@]}" @198.18.1.70 www.dn.mis.boltnet A
check "mis DNAME without CNAME" nans=1 "ans=dn2.mis.boltnet. IN DNAME dom2.boltorg." -- "${AUTH[@]}" @198.18.1.70 www.dn2.mis.boltnet A
check "mis child-side DS 11111" "ans=mis.boltnet. IN DS 11111" -- "${AUTH[@]}" @198.18.1.70 mis.boltnet DS
check "boltnet parent-side DS 22222" flag=aa "ans=mis.boltnet. IN DS 22222" -- "${AUTH[@]}" @198.18.1.10 mis.boltnet DS
check "mis over TCP" status=NOERROR "ans=www.mis.boltnet. IN A 198.19.70.80" -- "${AUTH[@]}" +tcp @198.18.1.70 www.mis.boltnet A
check "pair-bad upward referral" noflag=aa nans=0 "auth=. IN NS a.root.boltnet." -- "${AUTH[@]}" @198.18.1.71 up.pair.boltnet A
check "pair-bad sideways referral" noflag=aa nans=0 "auth=dom1.boltnet. IN NS ns1.dom1.boltnet." -- "${AUTH[@]}" @198.18.1.71 side.pair.boltnet A
check "pair-bad odd: unexpected types" nans=3 "ans=odd.pair.boltnet. IN HINFO" -- "${AUTH[@]}" @198.18.1.71 odd.pair.boltnet A
check "pair-good up" flag=aa "ans=up.pair.boltnet. IN A 198.19.72.1" -- "${AUTH[@]}" @198.18.1.72 up.pair.boltnet A
check "pair-lame REFUSED" status=REFUSED -- "${AUTH[@]}" @198.18.1.73 www.pair.boltnet A
check "glue: parent glue TTL 2" ttl=add:ns1.glue.boltnet.:A:2 -- "${AUTH[@]}" @198.18.1.10 www.glue.boltnet A
check "moved: child says 198.18.1.86" "ans=ns1.moved.boltnet. IN A 198.18.1.86" -- "${AUTH[@]}" @198.18.1.75 ns1.moved.boltnet A
check "six: AAAA only" "ans=ns.six.boltorg. IN AAAA 2001:db8:18::77" -- "${AUTH[@]}" @198.18.1.76 ns.six.boltorg AAAA
check "six: no A" status=NOERROR nans=0 -- "${AUTH[@]}" @198.18.1.76 ns.six.boltorg A
check "v6only over IPv6" flag=aa "ans=www.v6.boltnet. IN A 198.19.77.80" -- "${AUTH[@]}" @2001:db8:18::77 www.v6.boltnet A
check "old: FORMERR to EDNS" status=FORMERR -- "${AUTH[@]}" @198.18.1.78 www.old.boltnet A
check "old: answers without EDNS" status=NOERROR "ans=www.old.boltnet. IN A 198.19.78.80" -- "${AUTH[@]}" +noedns @198.18.1.78 www.old.boltnet A
check "arpa: referral to 2a02:18::/32" noflag=aa "auth=8.1.0.0.2.0.a.2.ip6.arpa. IN NS" -- "${AUTH[@]}" @198.18.1.79 -x 2a02:18::1
check "arpa: 192.168 bait" "ans=1.1.168.192.in-addr.arpa. IN PTR leak-192-168.boltnet." -- "${AUTH[@]}" @198.18.1.79 -x 192.168.1.1
check "ip6rev: 34-label PTR" flag=aa "ans=1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.1.0.0.2.0.a.2.ip6.arpa. IN PTR host1.dom1.boltnet." -- "${AUTH[@]}" @198.18.1.80 -x 2a02:18::1
check "qm: ancestor SERVFAIL" status=SERVFAIL -- "${AUTH[@]}" @198.18.1.81 sf.qm.boltnet A
check "qm: full name answered" "ans=x.y.sf.qm.boltnet. IN A 198.19.81.2" -- "${AUTH[@]}" @198.18.1.81 x.y.sf.qm.boltnet A
check "qm: ancestor timeout" timeout -- +norec +time=1 +tries=1 @198.18.1.81 to.qm.boltnet A
check "test. www" flag=aa "ans=www.test. IN A 198.19.83.80" -- "${AUTH[@]}" @198.18.1.83 www.test A
check "root: test. delegated" "auth=test. IN NS ns1.nic.test." -- "${AUTH[@]}" @198.18.1.1 www.test A
check "root: arpa. delegated" "auth=arpa. IN NS a.ns.arpa." -- "${AUTH[@]}" @198.18.1.1 -x 192.0.2.1
check "logroot drops the first . NS" timeout -- +norec +time=1 +tries=1 @198.18.1.84 . NS
check "logroot . NS" flag=aa nans=2 "add=a.root.boltnet. IN A 198.18.1.1" -- "${AUTH[@]}" @198.18.1.84 . NS
check "intercept: . NS without AA" noflag=aa "ans=. IN NS a.root-servers.net." -- "${AUTH[@]}" @198.18.1.85 . NS
check "intercept: NXDOMAIN without AA" status=NXDOMAIN noflag=aa -- "${AUTH[@]}" @198.18.1.85 www.dom1.boltnet A
check "loopback server" flag=aa "ans=www.loopback.boltnet. IN A 198.19.127.80" -- "${AUTH[@]}" @127.0.18.70 www.loopback.boltnet A
if grep -q ' udp https.mis.boltnet. HTTPS edns notimp$' "$(hier_query_log "$WORKDIR" mis)" &&
   grep -q ' tcp www.mis.boltnet. A edns answer$' "$(hier_query_log "$WORKDIR" mis)"; then
  pass=$((pass + 1))
else
  fail=$((fail + 1)); echo "FAIL mis query log lacks the queries above"; cat "$(hier_query_log "$WORKDIR" mis)"
fi
# A rewritten rules file takes effect without a restart.
sed 's/^option noedns/# option noedns/' "$WORKDIR/old/rules" > "$WORKDIR/old/rules.new"
mv "$WORKDIR/old/rules.new" "$WORKDIR/old/rules"
check "old: rules reloaded, EDNS now answered" status=NOERROR "ans=www.old.boltnet. IN A 198.19.78.80" -- "${AUTH[@]}" @198.18.1.78 www.old.boltnet A

echo "== DNSSEC: the signed zones (dnssec.sh)"
for line in "${HIER_DNSSEC[@]}"; do
  read -r zone _ <<<"$line"
  f=$(hier_served_zone_file "$WORKDIR" "$zone")
  if nsd-checkzone "$zone" "$f" >/dev/null 2>&1 && grep -q 'RRSIG' "$f"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL signed zone $zone ($f)"; fi
done
if grep -qE '^\. IN DS [0-9]+ 13 2 [0-9A-F]{64}$' "$WORKDIR/root.key" && grep -qE '^\. IN DNSKEY 257 3 13 ' "$WORKDIR/root.key"; then
  pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL trust anchor $WORKDIR/root.key"; cat "$WORKDIR/root.key"; fi
check "root DNSKEY, signed" flag=aa "ans=. IN DNSKEY 257 3 13" "ans=. IN DNSKEY 256 3 13" "ans=. IN RRSIG DNSKEY 13 0" -- "${AUTH[@]}" +dnssec @198.18.1.1 . DNSKEY
check "root: DS of boltnet in the referral" noflag=aa "auth=boltnet. IN DS" "auth=boltnet. IN RRSIG DS" -- "${AUTH[@]}" +dnssec @198.18.1.1 www.dom1.boltnet A
check "root: arpa. insecure, NSEC" noflag=aa "auth=arpa. IN NSEC" noauth="arpa. IN DS" -- "${AUTH[@]}" +dnssec @198.18.1.1 -x 192.0.2.1
check "boltnet: DS of sec in the referral" "auth=sec.boltnet. IN DS" -- "${AUTH[@]}" +dnssec @198.18.1.10 www.sec.boltnet A
check "boltnet: no DS for insec, NSEC" "auth=insec.boltnet. IN NSEC" noauth="insec.boltnet. IN DS" -- "${AUTH[@]}" +dnssec @198.18.1.10 www.insec.boltnet A
check "boltorg: NSEC3, algorithm 8" status=NXDOMAIN "auth=boltorg. IN SOA" "auth=boltorg. IN RRSIG SOA 8 1" -- "${AUTH[@]}" +dnssec @198.18.1.11 nx.boltorg A
check "dom1 www signed" nans=2 "ans=www.dom1.boltnet. IN RRSIG A 13 3" -- "${AUTH[@]}" +dnssec @198.18.1.20 www.dom1.boltnet A
check "dom1 www without DO: no RRSIG" nans=1 noans="www.dom1.boltnet. IN RRSIG" -- "${AUTH[@]}" @198.18.1.20 www.dom1.boltnet A
check "bulk signed" "ans=h0001.bulk.boltnet. IN RRSIG A 13 3" -- "${AUTH[@]}" +dnssec @198.18.1.20 h0001.bulk.boltnet A
check "nokey: no DNSKEY served" status=NOERROR nans=0 -- "${AUTH[@]}" +dnssec @198.18.1.20 nokey.boltnet DNSKEY
check "nosig: www A without RRSIG" nans=1 -- "${AUTH[@]}" +dnssec @198.18.1.21 www.nosig.boltnet A
check "unsupp-alg: algorithm-253 DS" "ans=unsupp-alg.boltnet. IN DS" -- "${AUTH[@]}" +dnssec @198.18.1.10 unsupp-alg.boltnet DS
check "nsec3-iter200: 200 iterations" "ans=nsec3-iter200.boltnet. IN NSEC3PARAM 1 0 200 -" -- "${AUTH[@]}" @198.18.1.22 nsec3-iter200.boltnet NSEC3PARAM
check "insec.boltnet unsigned" nans=1 -- "${AUTH[@]}" +dnssec @198.18.1.21 www.insec.boltnet A

echo "== unbound over the hierarchy"
if ! "$HIER_DIR/unbound.sh" start "$UNBOUND_PORT" "$UNBOUND_DIR"; then
  echo "FAIL unbound.sh start"
  fail=$((fail + 1))
else
  # The forging server is asked first, so that no true answer is cached yet
  # when the forged records arrive.
  check "rec evil: forged records dropped" status=NOERROR nans=1 "ans=www.evil.boltorg. IN A 198.19.66.80" -- "${REC[@]}" www.evil.boltorg A
  check "rec www.dom1 not poisoned" status=NOERROR nans=1 "ans=www.dom1.boltnet. IN A 198.19.1.80" -- "${REC[@]}" www.dom1.boltnet A
  check "rec www.dom2 not poisoned" status=NOERROR nans=1 "ans=www.dom2.boltorg. IN A 198.19.2.80" -- "${REC[@]}" www.dom2.boltorg A
  check "rec ns1.dom1 not poisoned" status=NOERROR "ans=ns1.dom1.boltnet. IN A 198.18.1.20" -- "${REC[@]}" ns1.dom1.boltnet A
  check "rec evil NXDOMAIN: min(3600, 300)" status=NXDOMAIN ttlmax=auth:evil.boltorg.:SOA:300 -- "${REC[@]}" nx.evil.boltorg A
  check "rec AAAA" status=NOERROR "ans=www.dom1.boltnet. IN AAAA 2001:db8:1::80" -- "${REC[@]}" www.dom1.boltnet AAAA
  check "rec TXT" status=NOERROR 'ans=www.dom1.boltnet. IN TXT "www of dom1"' -- "${REC[@]}" www.dom1.boltnet TXT
  check "rec MX" status=NOERROR nans=2 "ans=dom1.boltnet. IN MX 10 mail.dom1.boltnet." -- "${REC[@]}" dom1.boltnet MX
  check "rec NS" status=NOERROR "ans=dom1.boltnet. IN NS ns1.dom1.boltnet." -- "${REC[@]}" dom1.boltnet NS
  check "rec SOA" status=NOERROR "ans=dom1.boltnet. IN SOA ns1.dom1.boltnet." -- "${REC[@]}" dom1.boltnet SOA
  check "rec multi" status=NOERROR nans=3 -- "${REC[@]}" multi.dom1.boltnet A
  check "rec glueless (NS in boltorg)" status=NOERROR "ans=www.dom3.boltnet. IN A 198.19.3.80" -- "${REC[@]}" www.dom3.boltnet A
  check "rec glueless (NS in boltnet)" status=NOERROR "ans=www.dom4.boltorg. IN A 198.19.4.80" -- "${REC[@]}" www.dom4.boltorg A
  check "rec CNAME chain across zones" status=NOERROR nans=3 "ans=a.dom1.boltnet. IN CNAME b.dom2.boltorg." "ans=b.dom2.boltorg. IN CNAME c.dom3.boltnet." "ans=c.dom3.boltnet. IN A 198.19.3.3" -- "${REC[@]}" a.dom1.boltnet A
  check "rec in-zone CNAME" status=NOERROR "ans=www.dom1.boltnet. IN A 198.19.1.80" -- "${REC[@]}" alias.dom1.boltnet A
  check "rec dangling CNAME" status=NXDOMAIN "ans=dangling.dom1.boltnet. IN CNAME nx.dom2.boltorg." -- "${REC[@]}" dangling.dom1.boltnet A
  check "rec CNAME loop" status=SERVFAIL -- "${REC[@]}" loop1.dom1.boltnet A
  check "rec NXDOMAIN (TTL <= 300)" status=NXDOMAIN ttlmax=auth:dom1.boltnet.:SOA:300 -- "${REC[@]}" nx.dom1.boltnet A
  check "rec NODATA (TTL <= 300)" status=NOERROR nans=0 ttlmax=auth:dom1.boltnet.:SOA:300 -- "${REC[@]}" v6only.dom1.boltnet A
  check "rec NXDOMAIN (TTL <= 60)" status=NXDOMAIN ttlmax=auth:dom2.boltorg.:SOA:60 -- "${REC[@]}" nx.dom2.boltorg A
  check "rec NXDOMAIN TLD" status=NXDOMAIN -- "${REC[@]}" nosuchtld. A
  check "rec big TXT via TCP" status=NOERROR nans=10 minsize=1233 -- "${REC[@]}" +tcp big.dom1.boltnet TXT
  check "rec big TXT over UDP/1232 truncated" flag=tc -- "${REC[@]}" +ignore +bufsize=1232 big.dom1.boltnet TXT
  check "rec wildcard" status=NOERROR "ans=foo.wild.dom2.boltorg. IN A 198.19.2.42" -- "${REC[@]}" foo.wild.dom2.boltorg A
  check "rec bulk h0001" status=NOERROR "ans=h0001.bulk.boltnet. IN A 198.19.128.1" -- "${REC[@]}" h0001.bulk.boltnet A
  check "rec bulk h2000" status=NOERROR "ans=h2000.bulk.boltnet. IN A 198.19.135.208" -- "${REC[@]}" h2000.bulk.boltnet A
  check "rec bulk h2001 NXDOMAIN" status=NXDOMAIN -- "${REC[@]}" h2001.bulk.boltnet A
  check "rec partially lame" status=NOERROR "ans=www.half.boltorg. IN A 198.19.5.80" -- "${REC[@]}" www.half.boltorg A
  check "rec lame" status=SERVFAIL -- "${REC[@]}" www.lame.boltnet A
  check "rec NXNS" status=SERVFAIL -- "${REC[@]}" www.nxns.boltnet A
  check "rec cyclic" status=SERVFAIL -- "${REC[@]}" www.cyc1.boltnet A
  check "rec cyclic (other side)" status=SERVFAIL -- "${REC[@]}" www.cyc2.boltorg A
  check "rec silent server" status=SERVFAIL -- "${REC[@]}" www.dead.boltnet A
  "$HIER_DIR/unbound.sh" stop "$UNBOUND_PORT" "$UNBOUND_DIR"
fi

# The full DNSSEC table is tests/e2e/dnssec/reference.sh; here one case each.
echo "== validating unbound (trust anchor $WORKDIR/root.key)"
if ! "$HIER_DIR/unbound.sh" start "$UNBOUND_PORT" "$UNBOUND_DIR" --validate "$WORKDIR/root.key"; then
  echo "FAIL unbound.sh start --validate"
  fail=$((fail + 1))
else
  check "val secure" status=NOERROR flag=ad "ans=www.sec.boltnet. IN A 198.19.13.10" "ans=www.sec.boltnet. IN RRSIG A" -- "${REC[@]}" +dnssec www.sec.boltnet A
  check "val secure (existing zone)" status=NOERROR flag=ad "ans=www.dom1.boltnet. IN A 198.19.1.80" -- "${REC[@]}" www.dom1.boltnet A
  check "val insecure" status=NOERROR noflag=ad "ans=www.insec.boltnet. IN A 198.19.13.40" -- "${REC[@]}" +dnssec www.insec.boltnet A
  check "val bogus" status=SERVFAIL -- "${REC[@]}" +dnssec www.bogus-sig.boltnet A
  check "val bogus, CD" status=NOERROR noflag=ad "ans=www.bogus-sig.boltnet. IN A 198.19.13.50" -- "${REC[@]}" +dnssec +cd www.bogus-sig.boltnet A
  "$HIER_DIR/unbound.sh" stop "$UNBOUND_PORT" "$UNBOUND_DIR"
fi

echo "== stopping"
"$HIER_DIR/stop.sh" "$WORKDIR" || { echo "FAIL stop.sh"; fail=$((fail + 1)); }
left=0
for line in "${HIER_SERVERS[@]}"; do
  read -r name addr kind zones <<<"$line"
  [ -n "$(hier_find_pids "$(hier_mark "$name" "$kind" "$WORKDIR")")" ] && { echo "FAIL $name still running"; left=1; }
  hier_lo_has "$addr" && { echo "FAIL $addr still on lo"; left=1; }
done
if [ $left -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi

echo "hierarchy selftest: $pass passed, $fail failed"
[ $fail -eq 0 ]
