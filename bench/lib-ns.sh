# Shared set-up of the benchmarks that run in a private network namespace with
# the fake hierarchy of tests/hierarchy/ (bench/miss-cost.sh, bench/flood/run.sh,
# bench/aggr/run.sh, bench/idle/run.sh, ...).
# Sourced, not run. The sourcing script sets NS (namespace), WORK (work
# directory, wiped), ADDR (the server's address on the namespace's lo), ROOT
# (the source tree) and BENCH_NS_REGION (a region file to remove on exit),
# defines die(), then calls bench_ns_start.

# Servers are started with "ip netns exec" itself in the background (it
# execs the server, so $! is the server's pid), never through in_ns: a
# backgrounded function is a subshell, and $! would be that subshell.
in_ns() { ip netns exec "$NS" "$@"; }

# Servers inherit the descriptors of whoever runs the benchmark, the bench
# lock's among them: one left running would hold the lock for everybody.
# Everything in STARTED is killed on any exit (TERM, then KILL after 3 s).
STARTED=()
kill_all() {
  local p i
  for p in "$@"; do kill "$p" 2>/dev/null || true; done
  for i in $(seq 30); do
    for p in "$@"; do kill -0 "$p" 2>/dev/null && break; p=""; done
    [ -z "${p:-}" ] && break
    sleep 0.1
  done
  for p in "$@"; do kill -9 "$p" 2>/dev/null || true; done
  for p in "$@"; do wait "$p" 2>/dev/null || true; done
}

bench_ns_cleanup() {
  kill_all "${STARTED[@]}"
  if ip netns list | grep -qw "$NS"; then
    in_ns bash "$ROOT/tests/hierarchy/stop.sh" "$WORK/hier" >/dev/null 2>&1 || true
    # Nothing of this private namespace may outlive the run.
    for p in $(ip netns pids "$NS" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
    ip netns del "$NS" 2>/dev/null || true
  fi
  rm -f "$BENCH_NS_REGION"
}

# A fresh namespace with lo up, ADDR on it and the hierarchy running; the
# EXIT trap tears it all down.
bench_ns_start() {
  trap bench_ns_cleanup EXIT
  trap 'exit 130' INT TERM HUP
  rm -rf "$WORK"
  mkdir -p "$WORK"
  ip netns del "$NS" 2>/dev/null || true
  ip netns add "$NS"
  in_ns ip link set lo up
  in_ns ip addr add "$ADDR/32" dev lo
  in_ns bash "$ROOT/tests/hierarchy/start.sh" "$WORK/hier" >/dev/null 2>"$WORK/hier.log" ||
    die "the fake hierarchy did not start (see $WORK/hier.log)"
}

# bench_ns_wait_dns NAME: until the server at $ADDR answers NAME A (15 s);
# non-zero when it never did.
bench_ns_wait_dns() {
  local i
  for i in $(seq 150); do
    in_ns dig +time=1 +tries=1 +short @"$ADDR" "$1" A >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

# bench_ns_boltdns BUILD DIR [CP_ARGS...]: boltdns-dp then (once its region
# $BENCH_NS_REGION exists, up to 5 s) boltdns-cp of BUILD in the namespace,
# both with DIR/boltdns.conf, logs DIR/dp.log and DIR/cp.log, CP_ARGS added to
# boltdns-cp's command line. Their pids: BOLT_DP_PID, BOLT_CP_PID (and in
# STARTED).
bench_ns_boltdns() {
  local build=$1 dir=$2 i
  shift 2
  local dp=$build/dataplane/boltdns-dp cp=$build/control/boltdns-cp
  [ -x "$dp" ] && [ -x "$cp" ] || die "no boltdns-dp/boltdns-cp in $build"
  rm -f "$BENCH_NS_REGION"
  ip netns exec "$NS" "$dp" -c "$dir/boltdns.conf" > "$dir/dp.log" 2>&1 &
  BOLT_DP_PID=$!
  STARTED+=($!)
  for i in $(seq 50); do [ -e "$BENCH_NS_REGION" ] && break; sleep 0.1; done
  ip netns exec "$NS" "$cp" -c "$dir/boltdns.conf" "$@" > "$dir/cp.log" 2>&1 &
  BOLT_CP_PID=$!
  STARTED+=($!)
}
