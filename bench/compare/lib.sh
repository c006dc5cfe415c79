# Shared helpers of bench/compare/run.sh: the veth pair and client namespace,
# the CPU cgroup the server under test runs in (cgroup v1 or v2), process
# bookkeeping. Sourced, not executed.

BB_NS=${BB_NS:-boltbench}
BB_SUBNET=${BB_SUBNET:-200}     # addresses 198.18.$BB_SUBNET.0/24, as tests/tools/netns.sh
BB_VS=bh-$BB_NS                 # server end, in the current namespace
BB_VC=bn-$BB_NS                 # client end, inside $BB_NS
BB_SERVER_IP=198.18.$BB_SUBNET.1   # every server under test answers here
BB_CLIENT_IP=198.18.$BB_SUBNET.2   # dnsperf/resperf (kernel sockets) in $BB_NS
BB_LOADGEN_IP=198.18.$BB_SUBNET.3  # boltdns-loadgen: not configured on $BB_VC, owned by DPDK
BB_REFLECT_IP=198.18.$BB_SUBNET.4  # boltdns-reflector: not configured on $BB_VS
BB_CG=${BB_CG:-boltbench}

bb_log() { echo "compare: $*" >&2; }
bb_die() { echo "compare: error: $*" >&2; exit 1; }

# ---- network -------------------------------------------------------------

# The veth pair and namespace come from tests/tools/netns.sh (the project's
# helper) when it is there, else the same set-up is done here.
bb_net_up() {
  local helper=$BB_ROOT/tests/tools/netns.sh
  if [ -f "$helper" ]; then
    eval "$(bash "$helper" up "$BB_NS" "$BB_SUBNET")"
    [ "$HOST_IF" = "$BB_VS" ] && [ "$NS_IF" = "$BB_VC" ] && [ "$HOST_ADDR" = "$BB_SERVER_IP" ] ||
      bb_die "tests/tools/netns.sh named things differently than expected ($HOST_IF $NS_IF $HOST_ADDR)"
  else
    ip netns del "$BB_NS" 2>/dev/null || true
    ip link del "$BB_VS" 2>/dev/null || true
    ip netns add "$BB_NS"
    ip link add "$BB_VS" type veth peer name "$BB_VC"
    ip link set "$BB_VC" netns "$BB_NS"
    ip -n "$BB_NS" link set lo up
    ip -n "$BB_NS" addr add "$BB_CLIENT_IP/24" dev "$BB_VC"
    ip -n "$BB_NS" link set "$BB_VC" up
    ip addr add "$BB_SERVER_IP/24" dev "$BB_VS"
    sysctl -qw "net.ipv6.conf.$BB_VS.disable_ipv6=1" 2>/dev/null || true
    ip link set "$BB_VS" up
    # Kernel-built frames on a veth carry no finished checksum (offloaded to
    # a NIC that does not exist): DPDK ports would see them as bad. GRO on
    # the namespace end gives veth the NAPI context AF_XDP TX needs.
    if command -v ethtool >/dev/null 2>&1; then
      ip netns exec "$BB_NS" ethtool -K "$BB_VC" tx off gro on >/dev/null 2>&1 || true
      ethtool -K "$BB_VS" tx off >/dev/null 2>&1 || true
    fi
  fi
  # BB_RPS=1: answers reaching the client end are processed (GRO aside) on
  # the client CPU. Without it the client namespace's receive path (its IP
  # stack, dnsperf's socket, the load generator's packet socket) runs in the
  # softirq the server's own transmit raises, on the server CPU, charged to
  # the server. bench/README.md, "Where the cycles go".
  if [ "${BB_RPS:-0}" = 1 ]; then
    printf '%x\n' $((1 << BB_CLIENT_CPU)) |
      ip netns exec "$BB_NS" tee "/sys/class/net/$BB_VC/queues/rx-0/rps_cpus" >/dev/null
  fi
  BB_VS_MAC=$(cat "/sys/class/net/$BB_VS/address")
  BB_VC_MAC=$(ip netns exec "$BB_NS" cat "/sys/class/net/$BB_VC/address")
  # The load generator's and reflector's addresses are not the kernel's, so
  # nobody would answer ARP for them before the DPDK program runs: pin them.
  ip neigh replace "$BB_LOADGEN_IP" lladdr "$BB_VC_MAC" dev "$BB_VS" nud permanent
  ip netns exec "$BB_NS" ip neigh replace "$BB_SERVER_IP" lladdr "$BB_VS_MAC" dev "$BB_VC" nud permanent
  ip netns exec "$BB_NS" ip neigh replace "$BB_REFLECT_IP" lladdr "$BB_VS_MAC" dev "$BB_VC" nud permanent
  export BB_VS_MAC BB_VC_MAC
}

bb_net_down() {
  ip netns del "$BB_NS" 2>/dev/null || true
  ip link del "$BB_VS" 2>/dev/null || true
}

# Run a command inside the client namespace, pinned to the client CPU.
bb_client() {
  ip netns exec "$BB_NS" taskset -c "$BB_CLIENT_CPU" "$@"
}

# ---- CPU cgroup ----------------------------------------------------------
# v1: separate cpu, cpuacct and cpuset hierarchies (this is what Debian 12
# containers often have); v2: one unified hierarchy with cpu and cpuset
# controllers. Either way the server under test and all its threads are in
# one group: quota (cpu.max / cfs_quota_us), usage (cpuacct.usage /
# cpu.stat usage_usec) and the server CPU (cpuset) apply to all of them.

BB_CG_PERIOD_US=${BB_CG_PERIOD_US:-10000}

bb_cg_init() {
  local v2root
  if [ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ] && [ -d /sys/fs/cgroup/cpuacct ]; then
    BB_CG_MODE=v1
    BB_CG_CPU=/sys/fs/cgroup/cpu/$BB_CG
    BB_CG_ACCT=/sys/fs/cgroup/cpuacct/$BB_CG
    BB_CG_SET=/sys/fs/cgroup/cpuset/$BB_CG
    mkdir -p "$BB_CG_CPU" "$BB_CG_ACCT"
    if [ -d /sys/fs/cgroup/cpuset ]; then
      mkdir -p "$BB_CG_SET"
      echo "$BB_SERVER_CPU" > "$BB_CG_SET/cpuset.cpus"
      cat /sys/fs/cgroup/cpuset/cpuset.mems > "$BB_CG_SET/cpuset.mems"
    else
      BB_CG_SET=
    fi
  else
    v2root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
    [ -n "$v2root" ] || bb_die "no cgroup v1 cpu controller and no cgroup v2 mount"
    grep -qw cpu "$v2root/cgroup.controllers" || bb_die "cgroup v2 at $v2root has no cpu controller"
    echo "+cpu" > "$v2root/cgroup.subtree_control" 2>/dev/null || true
    echo "+cpuset" > "$v2root/cgroup.subtree_control" 2>/dev/null || true
    BB_CG_MODE=v2
    BB_CG_CPU=$v2root/$BB_CG
    BB_CG_ACCT=$BB_CG_CPU
    BB_CG_SET=
    mkdir -p "$BB_CG_CPU"
    if [ -f "$BB_CG_CPU/cpuset.cpus" ]; then
      echo "$BB_SERVER_CPU" > "$BB_CG_CPU/cpuset.cpus"
    fi
  fi
  bb_cg_quota max
  bb_log "cgroup $BB_CG_MODE: $BB_CG_CPU (server CPU $BB_SERVER_CPU, client CPU $BB_CLIENT_CPU)"
}

# bb_cg_quota PCT|max — CPU quota of the group, percent of one core.
bb_cg_quota() {
  local q
  if [ "$1" = max ]; then
    if [ "$BB_CG_MODE" = v1 ]; then
      echo "$BB_CG_PERIOD_US" > "$BB_CG_CPU/cpu.cfs_period_us"
      echo -1 > "$BB_CG_CPU/cpu.cfs_quota_us"
    else
      echo "max $BB_CG_PERIOD_US" > "$BB_CG_CPU/cpu.max"
    fi
    return
  fi
  q=$(( BB_CG_PERIOD_US * $1 / 100 ))
  if [ "$BB_CG_MODE" = v1 ]; then
    echo "$BB_CG_PERIOD_US" > "$BB_CG_CPU/cpu.cfs_period_us"
    echo "$q" > "$BB_CG_CPU/cpu.cfs_quota_us"
  else
    echo "$q $BB_CG_PERIOD_US" > "$BB_CG_CPU/cpu.max"
  fi
}

# CPU time used by the group so far, nanoseconds.
bb_cg_usage_ns() {
  if [ "$BB_CG_MODE" = v1 ]; then
    cat "$BB_CG_ACCT/cpuacct.usage"
  else
    awk '$1 == "usage_usec" { printf "%.0f\n", $2 * 1000 }' "$BB_CG_CPU/cpu.stat"
  fi
}

# Move a pid (and its future children and threads) into the group.
bb_cg_add() {
  local pid=$1 d
  for d in "$BB_CG_CPU" "$BB_CG_ACCT" $BB_CG_SET; do
    echo "$pid" > "$d/cgroup.procs"
  done
}

bb_cg_pids() {
  cat "$BB_CG_CPU/cgroup.procs" 2>/dev/null || true
}

# Start a command in the group, in the background, output to a log file;
# prints its pid. The wrapper joins the group before exec, so the server's
# first instruction is already accounted and confined.
bb_cg_spawn() {
  local log=$1; shift
  local d procs=""
  for d in "$BB_CG_CPU" "$BB_CG_ACCT" $BB_CG_SET; do procs="$procs $d/cgroup.procs"; done
  setsid bash -c 'for p in '"$procs"'; do echo $$ > "$p"; done; exec "$@"' bash "$@" \
    </dev/null >>"$log" 2>&1 &
  echo $!
}

# Move a process of the group to another CPU while it stays in the group for
# quota and accounting (cgroup v1: cpuset is its own hierarchy). Used for
# boltdns-cp next to a busy-polling boltdns-dp lcore. Returns 1 where this is
# not possible (cgroup v2, no cpuset): the process stays on the server CPU.
bb_cg_move_cpu() {
  local pid=$1 cpu=$2 d
  [ "$BB_CG_MODE" = v1 ] && [ -n "$BB_CG_SET" ] || return 1
  d=${BB_CG_SET}-cpu$cpu
  mkdir -p "$d"
  echo "$cpu" > "$d/cpuset.cpus"
  cat /sys/fs/cgroup/cpuset/cpuset.mems > "$d/cpuset.mems"
  echo "$pid" > "$d/cgroup.procs"
}

# Stop every process of the group (only ever the servers this script started).
bb_cg_stop_all() {
  local pid i
  for pid in $(bb_cg_pids); do kill -TERM "$pid" 2>/dev/null || true; done
  for i in $(seq 50); do
    [ -z "$(bb_cg_pids)" ] && return 0
    sleep 0.1
  done
  for pid in $(bb_cg_pids); do kill -KILL "$pid" 2>/dev/null || true; done
  sleep 0.2
}

bb_cg_remove() {
  bb_cg_stop_all
  local d
  for d in "$BB_CG_CPU" "$BB_CG_ACCT" $BB_CG_SET ${BB_CG_SET:+"$BB_CG_SET"-cpu*}; do
    rmdir "$d" 2>/dev/null || true
  done
}

# ---- probes --------------------------------------------------------------

# Wait until something answers DNS on ADDR[:PORT] from the client namespace.
# The probe is "invalid. SOA": every server answers it from the root's
# negative answer, so a "cold" start has primed the root and nothing else,
# the same for every server. (A CHAOS-class probe is not neutral: a resolver
# may send it upstream, and the fake roots' refusal can mark them bad.)
# Gives up early when the cgroup has no process left (the server died).
bb_wait_dns() {
  local addr=$1 port=${2:-53} secs=${3:-15} end
  end=$(( $(date +%s) + secs ))
  while [ "$(date +%s)" -lt "$end" ]; do
    if ip netns exec "$BB_NS" dig +tries=1 +time=1 -p "$port" @"$addr" invalid. SOA >/dev/null 2>&1; then
      return 0
    fi
    [ -n "$(bb_cg_pids)" ] || return 1
    sleep 0.2
  done
  return 1
}

# Packets received on lo so far: upstream traffic of the server under test
# (the fake hierarchy lives on lo), plus whatever else uses lo on this host.
bb_lo_rx() { cat /sys/class/net/lo/statistics/rx_packets; }
