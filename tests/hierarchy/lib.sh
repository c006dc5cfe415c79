# Shared definitions of the boltdns test hierarchy; sourced by start.sh,
# stop.sh, selftest.sh and unbound.sh. Not executable on its own.

HIER_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HIER_ZONES="$HIER_DIR/zones"
HIER_HINTS="$HIER_DIR/root.hints"
HIER_DEFAULT_WORKDIR=/tmp/boltdns-hierarchy

# One line per server: NAME ADDRESS KIND ZONE...
#   KIND nsd    — a real NSD instance serving the zones from zones/
#   KIND forge  — fakeauth.py answering with forged out-of-bailiwick records
#   KIND silent — fakeauth.py reading queries and never answering
#   KIND script — scriptauth.py answering from script/NAME.rules (copied to
#                 WORKDIR/NAME/rules at start), logging every query it gets
#                 to WORKDIR/NAME/queries.log
# The first zone of each line is the one probed for readiness (NSD and the
# forging responder); fakeauth and scriptauth servers are ready once their
# pid file exists (written after both sockets are bound).
# An ADDRESS with ':' is IPv6 (added to lo as /128).
HIER_SERVERS=(
  "root-a      198.18.1.1  nsd    ."
  "root-b      198.18.1.2  nsd    ."
  "tld-boltnet 198.18.1.10 nsd    boltnet"
  "tld-boltorg 198.18.1.11 nsd    boltorg"
  "auth1       198.18.1.20 nsd    dom1.boltnet bulk.boltnet sec.boltnet nsec3.boltnet optout.boltnet bad-ds.boltnet nokey.boltnet alg10.boltorg alg14.boltorg alg15.boltorg alg16.boltorg corp.internal"
  "auth2       198.18.1.21 nsd    dom2.boltorg hosting.boltorg half.boltorg insec.boltnet insec.boltorg ins.optout.boltnet nosig.boltnet unsupp-alg.boltnet unsupp-digest.boltnet b.corp.internal"
  "auth3       198.18.1.22 nsd    dom3.boltnet dom4.boltorg cyc1.boltnet cyc2.boltorg wild.boltnet sub.insec.boltnet bogus-sig.boltnet expired.boltnet future.boltnet nsec3-iter.boltnet nsec3-iter200.boltnet 10.in-addr.arpa"
  "evil        198.18.1.66 forge  evil.boltorg"
  "silent      198.18.1.99 silent dead.boltnet"
  # Scriptable misbehaving servers (issue 12): see README.md, "Scriptable servers".
  "mis         198.18.1.70 script mis.boltnet"
  "pair-bad    198.18.1.71 script pair.boltnet"
  "pair-good   198.18.1.72 script pair.boltnet"
  "pair-lame   198.18.1.73 script pair.boltnet"
  "glue        198.18.1.74 script glue.boltnet"
  "moved       198.18.1.75 script moved.boltnet"
  "six         198.18.1.76 script six.boltorg"
  "v6only      2001:db8:18::77 script v6.boltnet"
  "old         198.18.1.78 script old.boltnet"
  "arpa        198.18.1.79 script arpa"
  "ip6rev      198.18.1.80 script 8.1.0.0.2.0.a.2.ip6.arpa"
  "qm          198.18.1.81 script qm.boltnet"
  "stale       198.18.1.82 script stale.boltnet"
  "testtld     198.18.1.83 script test"
  "logroot     198.18.1.84 script ."
  "intercept   198.18.1.85 script ."
  "deadlog     198.18.1.86 script -"
  "loopback    127.0.18.70 script loopback.boltnet"
)

# DNSSEC (issue 13): how start.sh signs the NSD zones (dnssec.sh; README.md,
# "DNSSEC"). One line per signed zone: ZONE ALGORITHM KEYS DENIAL CASE
#   ALGORITHM  DNSSEC algorithm number
#   KEYS       split (KSK + ZSK, the KSK signs only the DNSKEY RRset) or csk
#              (one key signs everything)
#   DENIAL     nsec, nsec3 (no salt, 0 extra iterations), nsec3-optout, or
#              nsec3-iterN (N extra iterations)
#   CASE       ok, or what is broken on purpose: badsig:LABEL:TYPE (a byte of
#              that RRSIG flipped), nosig:LABEL:TYPE (that RRSIG removed),
#              expired, future (signature validity in the past / future),
#              badds (the parent's DS is of a key the zone does not publish),
#              nodnskey (DNSKEY RRset removed after signing), dsalg253 (the
#              parent's only DS is of an extra algorithm-253 DNSKEY),
#              dsdigest253 (the parent's only DS has digest type 253)
# A zone served by NSD but not listed is served unsigned, without DS in its
# parent (insec.boltnet, insec.boltorg, ins.optout.boltnet, sub.insec.boltnet).
# The scriptable servers' zones are never signed (no DS: insecure), except
# that boltnet. holds the made-up DS of mis.boltnet (bogus when validating).
HIER_DNSSEC=(
  ".                     13 split nsec          ok"
  "boltnet               13 split nsec          ok"
  "boltorg                8 split nsec3         ok"
  "dom1.boltnet          13 csk   nsec          ok"
  "bulk.boltnet          13 csk   nsec          ok"
  "dom3.boltnet          13 csk   nsec          ok"
  "cyc1.boltnet          13 csk   nsec          ok"
  "dom2.boltorg          13 csk   nsec          ok"
  "hosting.boltorg       13 csk   nsec          ok"
  "half.boltorg          13 csk   nsec          ok"
  "dom4.boltorg          13 csk   nsec          ok"
  "cyc2.boltorg          13 csk   nsec          ok"
  "sec.boltnet           13 csk   nsec          ok"
  "nsec3.boltnet         13 csk   nsec3         ok"
  "optout.boltnet        13 csk   nsec3-optout  ok"
  "wild.boltnet          13 csk   nsec          ok"
  "bogus-sig.boltnet     13 csk   nsec          badsig:www:A"
  "expired.boltnet       13 csk   nsec          expired"
  "future.boltnet        13 csk   nsec          future"
  "bad-ds.boltnet        13 csk   nsec          badds"
  "nokey.boltnet         13 csk   nsec          nodnskey"
  "nosig.boltnet         13 csk   nsec          nosig:www:A"
  "unsupp-alg.boltnet    13 csk   nsec          dsalg253"
  "unsupp-digest.boltnet 13 csk   nsec          dsdigest253"
  "nsec3-iter.boltnet    13 csk   nsec3-iter100 ok"
  "nsec3-iter200.boltnet 13 csk   nsec3-iter200 ok"
  "alg10.boltorg         10 csk   nsec          ok"
  "alg14.boltorg         14 csk   nsec          ok"
  "alg15.boltorg         15 csk   nsec          ok"
  "alg16.boltorg         16 csk   nsec          ok"
)

# Debian ships python3 as /usr/bin/python3; prefer it over any user shim so
# the hierarchy does not depend on someone's login environment.
if [ -x /usr/bin/python3 ]; then HIER_PYTHON=/usr/bin/python3; else HIER_PYTHON=python3; fi

hier_die() {
  echo "hierarchy: error: $*" >&2
  exit 1
}

hier_log() {
  echo "hierarchy: $*" >&2
}

# zone_file ZONE — path of the checked-in zone file of ZONE
hier_zone_file() {
  if [ "$1" = "." ]; then echo "$HIER_ZONES/root.zone"; else echo "$HIER_ZONES/$1.zone"; fi
}

# hier_pid_alive PIDFILE MARK — print the pid in PIDFILE if that process is
# alive and its command line contains MARK (our own config or pid file path),
# so a recycled pid of an unrelated process is never mistaken for ours.
hier_pid_alive() {
  local pidfile=$1 mark=$2 pid
  [ -s "$pidfile" ] || return 1
  pid=$(tr -dc '0-9' < "$pidfile")
  [ -n "$pid" ] || return 1
  hier_cmdline_has "$pid" "$mark" || return 1
  echo "$pid"
}

# hier_cmdline_has PID MARK — succeed if the command line of PID contains
# MARK. Pure bash: a grep child would carry MARK in its own command line.
hier_cmdline_has() {
  local -a args
  mapfile -d '' args 2>/dev/null < "/proc/$1/cmdline" || return 1
  [ ${#args[@]} -gt 0 ] || return 1
  [[ " ${args[*]} " == *"$2"* ]]
}

# hier_find_pids MARK — pids of live processes whose command line contains
# MARK (an absolute path under the work directory). Used to adopt servers
# whose pid file was lost, e.g. after a crash or a wiped work directory.
# One grep reads every command line; each hit is re-checked in bash because
# the grep itself carried MARK in its own command line.
hier_find_pids() {
  local mark=$1 f pid
  for f in $(grep -alF -- "$mark" /proc/[0-9]*/cmdline 2>/dev/null); do
    pid=${f#/proc/}
    pid=${pid%/cmdline}
    [ "$pid" = "$$" ] && continue
    hier_cmdline_has "$pid" "$mark" && echo "$pid"
  done
  return 0
}

# hier_lo_has ADDR — succeed if ADDR/32 is configured on lo. The output is
# captured first: `ip | grep -q` under pipefail fails when grep exits early.
hier_lo_has() {
  local out
  if [[ "$1" == *:* ]]; then
    out=$(ip -6 -o addr show dev lo)
    [[ "$out" == *" $1/128 "* ]]
  else
    out=$(ip -4 -o addr show dev lo)
    [[ "$out" == *" $1/32 "* ]]
  fi
}

# hier_lo_add ADDR / hier_lo_del ADDR — add or remove ADDR on lo (/32 or
# /128; IPv6 without duplicate address detection, usable at once).
hier_lo_add() {
  if [[ "$1" == *:* ]]; then ip -6 addr add "$1/128" dev lo nodad; else ip addr add "$1/32" dev lo; fi
}
hier_lo_del() {
  if [[ "$1" == *:* ]]; then ip -6 addr del "$1/128" dev lo; else ip addr del "$1/32" dev lo; fi
}

# hier_query_log WORKDIR NAME — the query log of scriptauth server NAME:
#   EPOCH TRANSPORT QNAME QTYPE edns|noedns ACTION
hier_query_log() {
  echo "$1/$2/queries.log"
}

# hier_kill_pids PID... — TERM them all, wait up to 5 s for all, then KILL
# what is left. Signalled together because NSD takes about a second to exit.
hier_kill_pids() {
  local pid i left
  [ $# -gt 0 ] || return 0
  kill -TERM "$@" 2>/dev/null || true
  for i in $(seq 50); do
    left=0
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && left=1; done
    [ $left -eq 0 ] && return 0
    sleep 0.1
  done
  kill -KILL "$@" 2>/dev/null || true
}

# hier_main_pid PID... — of processes found by hier_find_pids, the one whose
# parent is not among them (NSD's main process, not its server children).
hier_main_pid() {
  local pid ppid stat
  for pid in "$@"; do
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    stat=${stat##*) }          # the fields after "(comm) "
    read -r _ ppid _ <<<"$stat"
    [[ " $* " == *" $ppid "* ]] || { echo "$pid"; return 0; }
  done
  return 1
}

# hier_mark NAME KIND WORKDIR — the string identifying this server's process
hier_mark() {
  local name=$1 kind=$2 workdir=$3
  if [ "$kind" = nsd ]; then echo "$workdir/$name/nsd.conf"; else echo "$workdir/$name/pid"; fi
}

# hier_probe ADDR ZONE — succeed if ADDR answers SOA ZONE authoritatively.
hier_probe() {
  local out
  out=$(dig +norec +time=1 +tries=1 @"$1" "$2" SOA 2>/dev/null) || return 1
  grep -q 'status: NOERROR' <<<"$out" && grep -q 'flags:.* aa' <<<"$out"
}
