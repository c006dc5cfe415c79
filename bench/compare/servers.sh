# The servers bench/compare/run.sh compares: how to start each one, cold,
# inside the benchmark cgroup, answering on $BB_SERVER_IP:53. Sourced.
#
# bb_server_start NAME WORKDIR — start NAME; 0 when it answers, else 1 with
# a reason in $BB_SKIP_REASON. Every process lands in the cgroup, so
# bb_cg_stop_all stops it.

BB_SERVERS_ALL="boltdns-xdp boltdns-socket unbound kresd pdns-recursor dnsdist"

bb_fill() {   # bb_fill TEMPLATE OUT KEY=VALUE...
  local in=$1 out=$2 kv k v expr=()
  shift 2
  for kv in "$@"; do
    k=${kv%%=*}
    v=${kv#*=}
    v=${v//|/\\|}
    expr+=(-e "s|@$k@|$v|g")
  done
  sed "${expr[@]}" "$in" > "$out"
}

bb_need() {   # bb_need BINARY — set BB_SKIP_REASON when missing
  if ! command -v "$1" >/dev/null 2>&1 && [ ! -x "$1" ]; then
    BB_SKIP_REASON="$1 not installed/built"
    return 1
  fi
}

# bb_up_or_skip NAME LOG — wait until the server answers (bb_wait_dns), or
# its processes are gone, or 15 s passed.
bb_up_or_skip() {
  if bb_wait_dns "$BB_SERVER_IP" 53 15; then
    return 0
  fi
  BB_SKIP_REASON="$1 did not answer within 15 s (log $2: $(tail -n 3 "$2" 2>/dev/null | tr '\n' ' ' | cut -c1-300))"
  bb_cg_stop_all
  return 1
}

bb_server_start() {
  local name=$1 work=$2
  BB_SKIP_REASON=""
  rm -rf "$work"
  mkdir -p "$work"
  case "$name" in
  unbound)
    bb_need unbound || return 1
    bb_fill "$BB_PEERS/unbound.conf.in" "$work/unbound.conf" ADDR="$BB_SERVER_IP" PORT=53 \
      ANCHOR="${BB_ANCHOR:-/tmp/boltdns-hierarchy/root.key}" \
      WORKDIR="$work" HINTS="$BB_HINTS"
    bb_cg_spawn "$work/out.log" unbound -d -c "$work/unbound.conf" >/dev/null
    bb_up_or_skip unbound "$work/unbound.log"
    ;;
  kresd)
    bb_need kresd || return 1
    bb_fill "$BB_PEERS/kresd.conf.in" "$work/kresd.conf" ADDR="$BB_SERVER_IP" PORT=53 WORKDIR="$work"
    bb_cg_spawn "$work/out.log" kresd -n -q -c "$work/kresd.conf" "$work" >/dev/null
    bb_up_or_skip kresd "$work/out.log"
    ;;
  pdns-recursor)
    bb_need pdns_recursor || return 1
    bb_fill "$BB_PEERS/recursor.conf.in" "$work/recursor.conf" ADDR="$BB_SERVER_IP" PORT=53 \
      WORKDIR="$work" HINTS="$BB_HINTS"
    bb_cg_spawn "$work/out.log" pdns_recursor --config-dir="$work" >/dev/null
    bb_up_or_skip pdns-recursor "$work/out.log"
    ;;
  dnsdist)
    bb_need dnsdist || return 1
    bb_need unbound || return 1
    # the backend: the same Unbound as above, on loopback, in the same cgroup
    mkdir -p "$work/unbound"
    bb_fill "$BB_PEERS/unbound.conf.in" "$work/unbound/unbound.conf" ADDR=127.0.0.1 PORT=5391 \
      ANCHOR="${BB_ANCHOR:-/tmp/boltdns-hierarchy/root.key}" \
      WORKDIR="$work/unbound" HINTS="$BB_HINTS"
    bb_cg_spawn "$work/unbound/out.log" unbound -d -c "$work/unbound/unbound.conf" >/dev/null
    bb_fill "$BB_PEERS/dnsdist.conf.in" "$work/dnsdist.conf" ADDR="$BB_SERVER_IP" PORT=53 \
      BACKEND=127.0.0.1:5391
    bb_cg_spawn "$work/out.log" dnsdist --supervised --disable-syslog -C "$work/dnsdist.conf" >/dev/null
    bb_up_or_skip dnsdist "$work/out.log"
    ;;
  boltdns-xdp|boltdns-socket)
    local dp=$BB_BUILD/dataplane/boltdns-dp cp=$BB_BUILD/control/boltdns-cp tmpl
    bb_need "$dp" || return 1
    bb_need "$cp" || return 1
    if [ "$name" = boltdns-xdp ]; then tmpl=boltdns-xdp.conf.in; else tmpl=boltdns-socket.conf.in; fi
    rm -f /dev/shm/boltbench-region
    bb_fill "$BB_PEERS/$tmpl" "$work/boltdns.conf" ADDR="$BB_SERVER_IP" WORKDIR="$work" \
      HINTS="$BB_HINTS" ANCHOR="${BB_ANCHOR:-/tmp/boltdns-hierarchy/root.key}" EAL="$BB_BOLT_EAL" XDP="$BB_BOLT_XDP" IDLE_SLEEP="${BB_IDLE_SLEEP:-200}"
    bb_cg_spawn "$work/dp.log" "$dp" -c "$work/boltdns.conf" >/dev/null
    # the control plane attaches to the region the dataplane creates
    local i
    for i in $(seq 50); do [ -e /dev/shm/boltbench-region ] && break; sleep 0.1; done
    bb_cg_spawn "$work/cp.log" "$cp" -c "$work/boltdns.conf" >/dev/null
    if [ "$name" = boltdns-xdp ]; then
      # The dataplane lcore busy-polls the server CPU: an event loop sharing
      # that CPU with it waits a scheduler slice for every wake-up, and
      # misses take seconds. Every DPDK deployment gives lcores their own
      # cores, so the control plane goes to the other CPU; it stays in the
      # group, so the quota and the CPU accounting still cover both.
      local cppid="" p
      for i in $(seq 50); do
        for p in $(bb_cg_pids); do
          if tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -qF -- "$cp -c $work/boltdns.conf"; then
            cppid=$p
          fi
        done
        [ -z "$cppid" ] || break
        sleep 0.05
      done
      # BB_CP_CPU: another CPU for it (default the client CPU); the server
      # CPU itself leaves it next to the lcore
      if [ "${BB_CP_CPU:-$BB_CLIENT_CPU}" = "$BB_SERVER_CPU" ]; then
        echo "compare: boltdns-cp stays on CPU $BB_SERVER_CPU (BB_CP_CPU)" >> "$work/cp.log"
      elif [ -z "$cppid" ] || ! bb_cg_move_cpu "$cppid" "${BB_CP_CPU:-$BB_CLIENT_CPU}"; then
        echo "compare: boltdns-cp stays on CPU $BB_SERVER_CPU" >> "$work/cp.log"
      fi
    fi
    bb_up_or_skip "$name" "$work/dp.log"
    ;;
  *)
    BB_SKIP_REASON="unknown server $name"
    return 1
    ;;
  esac
}
