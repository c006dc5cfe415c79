# Shared set-up of the control plane's end-to-end tests (sourced).
#
# Every test runs in a network namespace of its own, so the fake hierarchy's
# 198.18.1.x addresses, port 53 and the resolver's ports never collide with
# anything else on the host (or with other tests). Everything started here
# is stopped by the EXIT trap, also on failure.
#
# Usage from a test:  . lib.sh; e2e_init NAME DP CP DPSTATS; e2e_start_all
set -uo pipefail

E2E_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
E2E_HIER="$E2E_SRC/tests/hierarchy"
E2E_PORT=5300
E2E_FAILS=0
E2E_PASSES=0

e2e_log() { echo "e2e: $*" >&2; }

e2e_skip() { echo "SKIP: $*" >&2; exit 77; }
# e2e_need TOOL...: skip the test unless every TOOL is installed
e2e_need() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || e2e_skip "$t not installed (deploy/install-deps.sh)"
  done
}

ok() { E2E_PASSES=$((E2E_PASSES + 1)); echo "ok   $*"; }
bad() { E2E_FAILS=$((E2E_FAILS + 1)); echo "FAIL $*"; }

# ns CMD...: run inside the test's namespace
ns() { ip netns exec "$E2E_NS" "$@"; }

e2e_init() {
  local name=$1
  E2E_DP=$2 E2E_CP=$3 E2E_DPSTATS=$4
  [ "$(id -u)" -eq 0 ] || e2e_skip "needs root (network namespace, port 53)"
  for t in ip dig nsd; do command -v $t >/dev/null 2>&1 || e2e_skip "$t not installed"; done
  E2E_NS="bcp-$name-$$"
  E2E_DIR=$(mktemp -d "/tmp/boltdns-e2e-cp-$name.XXXXXX")
  E2E_REGION="/dev/shm/boltdns-e2e-cp-$name-$$"
  trap e2e_cleanup EXIT
  ip netns add "$E2E_NS" || { echo "cannot create namespace"; exit 1; }
  ns ip link set lo up
}

e2e_cleanup() {
  local rc=$?
  set +e
  for p in "${E2E_CP_PID:-}" "${E2E_DP_PID:-}"; do
    [ -n "$p" ] && kill -9 "$p" 2>/dev/null
  done
  [ -n "${E2E_UNBOUND:-}" ] && ns bash "$E2E_HIER/unbound.sh" stop "$E2E_UNBOUND" "$E2E_DIR" >/dev/null 2>&1
  ns bash "$E2E_HIER/stop.sh" "$E2E_DIR/hier" >/dev/null 2>&1
  # Whatever still runs in the namespace (nsd, fakeauth) dies with it.
  for p in $(ip netns pids "$E2E_NS" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
  ip netns delete "$E2E_NS" 2>/dev/null
  rm -f "$E2E_REGION"
  if { [ "$rc" -ne 0 ] || [ -n "${E2E_SAVE_ALL:-}" ]; } && [ -d "$E2E_DIR" ]; then
    echo "--- boltdns-cp log (tail)"; tail -40 "$E2E_DIR/cp.log" 2>/dev/null
    echo "--- boltdns-dp log (tail)"; tail -20 "$E2E_DIR/dp.log" 2>/dev/null
    # E2E_SAVE=DIR keeps a failed test's directory and logs (DIR/NAME.XXXXXX)
    # for a look (E2E_SAVE_ALL=1: a passed one's too; E2E_VERBOSITY=4: with
    # boltdns-cp's debug log)
    [ -n "${E2E_SAVE:-}" ] && mkdir -p "$E2E_SAVE" && cp -r "$E2E_DIR" "$E2E_SAVE/" 2>/dev/null
  fi
  rm -rf "$E2E_DIR"
  exit $rc
}

# The hierarchy is signed and its root key (WORKDIR/root.key) is the trust
# anchor; its RFC 5011 state goes to the test's directory (the default,
# /var/lib/boltdns/root.key, would outlive the test and its keys).
# mis.boltnet's parent holds a DS matching no key of it (see
# tests/hierarchy/README.md), so it is bogus to a validating resolver: a
# negative trust anchor keeps the tests of its misbehaving server about that
# server (E2E_DNSSEC_NTA= drops it, as tests/e2e/dnssec/boltdns.sh does).
e2e_write_conf() {
  cat > "$E2E_DIR/boltdns.conf" <<CONF
[dataplane]
io = socket
listen = 127.0.0.1@$E2E_PORT
[cache]
path = $E2E_REGION
size = 96M
ring-slots = 256
wipe = yes
[control]
socket = $E2E_DIR/control.sock
tcp-listen = 127.0.0.1@$E2E_PORT
verbosity = ${E2E_VERBOSITY:-2}
[resolver]
root-hints = $E2E_HIER/root.hints
timeout = 500
${E2E_EXTRA_RESOLVER:-}
[dnssec]
trust-anchor-file = $E2E_DIR/hier/root.key
trust-anchor-state = $E2E_DIR/ta-state.key
${E2E_DNSSEC_NTA-negative-trust-anchors = mis.boltnet}
${E2E_EXTRA_DNSSEC:-}
CONF
}

e2e_start_hierarchy() {
  ns bash "$E2E_HIER/start.sh" "$E2E_DIR/hier" >"$E2E_DIR/hier.log" 2>&1 ||
    { cat "$E2E_DIR/hier.log"; echo "hierarchy did not start"; exit 1; }
}

e2e_start_dp() {
  ip netns exec "$E2E_NS" "$E2E_DP" -c "$E2E_DIR/boltdns.conf" >>"$E2E_DIR/dp.log" 2>&1 &
  E2E_DP_PID=$!
  for _ in $(seq 1 50); do
    [ -e "$E2E_REGION" ] && break
    sleep 0.1
  done
  [ -e "$E2E_REGION" ] || { echo "dataplane did not create the region"; exit 1; }
}

# e2e_wait_attached STATS_FILE [TENTHS]: wait until the control plane writing
# STATS_FILE says it is attached (default 5 s); fails if it never does.
e2e_wait_attached() {
  for _ in $(seq 1 "${2:-50}"); do
    grep -q '^attached 1' "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# e2e_start_worker INDEX: resolver worker INDEX of a `workers = N`
# configuration, its stats in cp<INDEX>.stats and its log in cp<INDEX>.log;
# sets W_PID[INDEX].
e2e_start_worker() {
  e2e_dnssec_conf
  ip netns exec "$E2E_NS" "$E2E_CP" -c "$E2E_DIR/boltdns.conf" -w "$1" \
    -s "$E2E_DIR/cp$1.stats" >>"$E2E_DIR/cp$1.log" 2>&1 &
  W_PID[$1]=$!
}

# e2e_start_two_workers: workers 0 and 1, each attached (or the test ends),
# E2E_CP_PID set to worker 0, and worker 1's ring set in its own hands
# (worker 0 may have adopted it for a moment).
e2e_start_two_workers() {
  e2e_start_worker 0
  e2e_wait_attached "$E2E_DIR/cp0.stats" || { cat "$E2E_DIR/cp0.log"; echo "worker 0 did not attach"; exit 1; }
  e2e_start_worker 1
  e2e_wait_attached "$E2E_DIR/cp1.stats" 50 || { cat "$E2E_DIR/cp1.log"; echo "worker 1 did not attach"; exit 1; }
  E2E_CP_PID=${W_PID[0]}
  for _ in $(seq 30); do [ "$(dp_stat cp1_owner_pid)" = "${W_PID[1]}" ] && break; sleep 0.1; done
}

# e2e_dnssec_conf: the trust anchor of a test's configuration. A test that
# writes its own (xdp.sh, acl.sh) without [dnssec] gets the same section as
# e2e_write_conf's: without it boltdns-cp would validate the signed fake
# hierarchy against the real root's key (/usr/share/dns/root.key) and find
# everything bogus. A test over a fake root of its own (fakeroot.py) has no
# WORKDIR/root.key and nothing signed: validation = no.
e2e_dnssec_conf() {
  local conf="$E2E_DIR/boltdns.conf" anchor="$E2E_DIR/hier/root.key"
  if ! grep -q '^\[dnssec\]' "$conf"; then
    printf '[dnssec]\ntrust-anchor-file = %s\ntrust-anchor-state = %s\n%s\n' "$anchor" \
      "$E2E_DIR/ta-state.key" "${E2E_DNSSEC_NTA-negative-trust-anchors = mis.boltnet}" >> "$conf"
  fi
  if grep -qxF "trust-anchor-file = $anchor" "$conf" && [ ! -e "$anchor" ]; then
    sed -i "s|^trust-anchor-file = $anchor\$|validation = no|" "$conf"
  fi
}

e2e_start_cp() {
  e2e_dnssec_conf
  ip netns exec "$E2E_NS" "$E2E_CP" -c "$E2E_DIR/boltdns.conf" -s "$E2E_DIR/cp.stats" >>"$E2E_DIR/cp.log" 2>&1 &
  E2E_CP_PID=$!
  e2e_wait_attached "$E2E_DIR/cp.stats" || { echo "control plane did not attach"; exit 1; }
}

e2e_start_all() {
  e2e_write_conf
  e2e_start_hierarchy
  e2e_start_dp
  e2e_start_cp
}

# q ARGS...: dig through boltdns over UDP (TC is not retried over TCP)
q() { ns dig @127.0.0.1 -p "$E2E_PORT" +time=6 +tries=1 +ignore "$@"; }

# rcode_and_answer ARGS...: "RCODE;sorted +short lines" of a query to boltdns
rcode_of() { q "$@" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'; }
short_of() { q +short "$@" | sort | tr '\n' ' '; }
# answers_of QUERY...: "TYPE DATA " of each answer record
answers_of() { q +noall +answer "$@" | awk '{ print $4, $5 }' | tr '\n' ' '; }
# flags_of QUERY...: the header's flags ("qr aa rd ra")
flags_of() { q "$@" | sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p'; }
# expect_answers DESCRIPTION WANT_RCODE WANT_ANSWERS QUERY... (answers_of)
expect_answers() {
  local d=$1 wr=$2 wa=$3; shift 3
  local r a
  r=$(rcode_of "$@"); a=$(answers_of "$@")
  if [ "$r" = "$wr" ] && [ "$a" = "$wa" ]; then ok "$d: $r '$a'"; else bad "$d: got $r '$a', want $wr '$wa'"; fi
}
# expect_short DESCRIPTION WANT_RCODE WANT_SHORT QUERY... (short_of)
expect_short() {
  local d=$1 wr=$2 ws=$3; shift 3
  local r s
  r=$(rcode_of "$@"); s=$(short_of "$@")
  if [ "$r" = "$wr" ] && [ "$s" = "$ws" ]; then ok "$d: $r $s"; else bad "$d: got $r '$s', want $wr '$ws'"; fi
}
# ctl ARGS...: boltctl ($BOLTCTL) on the test's control socket
ctl() { "$BOLTCTL" -s "$E2E_DIR/control.sock" "$@"; }
# e2e_wait_ctl: until the control socket is there (5 s at most)
e2e_wait_ctl() {
  for _ in $(seq 1 50); do [ -S "$E2E_DIR/control.sock" ] && break; sleep 0.1; done
}
# The folder of tests/e2e/dnsmsg.py (DNS messages for Python clients), for
# PYTHONPATH of a heredoc's python3.
E2E_PYLIB=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# auth SERVER ARGS...: dig +norec against an authoritative server
auth_short() { local s=$1; shift; ns dig @"$s" +norec +time=3 +tries=1 +short "$@" | sort | tr '\n' ' '; }

# stat NAME: one counter of boltdns-cp (its stats file is rewritten every second)
cp_stat() { awk -v k="$1" '$1 == k { print $2 }' "$E2E_DIR/cp.stats"; }
dp_stat() { "$E2E_DPSTATS" "$E2E_REGION" | awk -v k="$1" '$1 == k { print $2 }'; }

# wait_stats: let boltdns-cp rewrite its stats file (once a second)
wait_stats() { sleep 1.2; }

e2e_finish() {
  # A sanitizer build reports memory and UB errors in the logs.
  if grep -qE 'Sanitizer|runtime error:' "$E2E_DIR/cp.log" "$E2E_DIR/dp.log" 2>/dev/null; then
    grep -E -A5 'Sanitizer|runtime error:' "$E2E_DIR/cp.log" "$E2E_DIR/dp.log" | head -40
    bad "sanitizer reports in the logs"
  fi
  echo "$E2E_PASSES passed, $E2E_FAILS failed"
  [ "$E2E_FAILS" -eq 0 ]
}
