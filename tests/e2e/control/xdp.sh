#!/usr/bin/env bash
# End-to-end on the product's own path: boltdns-dp on a DPDK net_af_xdp port
# (boltdns's XDP program) on a veth pair, boltdns-cp resolving over the fake
# hierarchy, clients in a namespace of their own asking through the veth.
# Misses resolved from the root down, answered through the answer ring and
# the af_xdp port; the second query a hit of the dataplane; CNAME chain,
# NXDOMAIN, the oversized TXT (TC over UDP, whole over TCP: the XDP program
# leaves TCP to the kernel); a burst of 80 concurrent misses all answered.
#
# Usage: xdp.sh BOLTDNS_DP BOLTDNS_CP DP_STATS XDP_OBJECT
. "$(dirname "$0")/lib.sh"
XDP_OBJ=${4:-}
e2e_init xdp "$1" "$2" "$3"
[ -f "$XDP_OBJ" ] || e2e_skip "no XDP object (libbpf or clang missing)"
command -v dnsperf >/dev/null 2>&1 || e2e_skip "dnsperf not installed"

# The client namespace's veth peer lives in the test's namespace, where the
# hierarchy, boltdns-dp and boltdns-cp run.
CLIENT="bcpx$$"
CLIENT=${CLIENT:0:12}
xdp_cleanup() {
  local rc=$?
  ip netns del "$CLIENT" 2>/dev/null
  (exit $rc)
  e2e_cleanup
}
trap xdp_cleanup EXIT
HOST_IF="xh$$" NS_IF="xn$$"
HOST_IF=${HOST_IF:0:15} NS_IF=${NS_IF:0:15}
HOST_ADDR=198.18.60.1 NS_ADDR=198.18.60.2
ip netns add "$CLIENT" &&
  ip link add "$HOST_IF" type veth peer name "$NS_IF" &&
  ip link set "$HOST_IF" netns "$E2E_NS" &&
  ip link set "$NS_IF" netns "$CLIENT" &&
  ns ip addr add "$HOST_ADDR/24" dev "$HOST_IF" &&
  ns ip link set "$HOST_IF" up &&
  ip -n "$CLIENT" link set lo up &&
  ip -n "$CLIENT" addr add "$NS_ADDR/24" dev "$NS_IF" &&
  ip -n "$CLIENT" link set "$NS_IF" up ||
  { echo "cannot create the veth pair"; exit 1; }

cat > "$E2E_DIR/boltdns.conf" <<CONF
[dataplane]
io = dpdk
eal = -l 0 --no-huge -m 256 --no-pci --file-prefix=bcpx-$$ --log-level=lib.eal:error --vdev=net_af_xdp0,iface=$HOST_IF
address = $HOST_ADDR
xdp-prog = $XDP_OBJ
idle-sleep = 100
[cache]
path = $E2E_REGION
size = 96M
ring-slots = 256
wipe = yes
[control]
socket = $E2E_DIR/control.sock
tcp-listen = $HOST_ADDR@53
verbosity = 2
[resolver]
root-hints = $E2E_HIER/root.hints
timeout = 500
CONF
e2e_start_hierarchy
e2e_start_dp
e2e_start_cp
# The port is up when the dataplane's lcore polls.
for _ in $(seq 1 100); do
  [ "$(dp_stat dp_lcores)" -ge 1 ] 2>/dev/null && break
  sleep 0.1
done

c() { ip netns exec "$CLIENT" "$@"; }
cq() { c dig @"$HOST_ADDR" +time=4 +tries=1 +ignore "$@"; }
cshort() { cq +short "$@" | sort | tr '\n' ' '; }

expect() { # DESCRIPTION WANT QUERY...
  local d=$1 want=$2; shift 2
  local got; got=$(cshort "$@")
  if [ "$got" = "$want" ]; then ok "$d: $got"; else bad "$d: got '$got', want '$want'"; fi
}

hits0=$(dp_stat hits)
expect "miss resolved through af_xdp" "198.19.1.80 " www.dom1.boltnet A
expect "the same question again" "198.19.1.80 " www.dom1.boltnet A
hits1=$(dp_stat hits)
if [ "${hits1:-0}" -gt "${hits0:-0}" ]; then ok "second answer was a dataplane hit ($hits0 -> $hits1)"
else bad "hit counter did not move ($hits0 -> $hits1)"; fi

expect "CNAME chain across zones" "198.19.3.3 b.dom2.boltorg. c.dom3.boltnet. " a.dom1.boltnet A
rc=$(cq nope.dom1.boltnet A | sed -n 's/.*status: \([A-Z]*\),.*/\1/p')
[ "$rc" = NXDOMAIN ] && ok "NXDOMAIN" || bad "NXDOMAIN expected, got '$rc'"

flags=$(cq +bufsize=1232 big.dom1.boltnet TXT | sed -n 's/.*flags: \([a-z ]*\);.*/\1/p')
case " $flags " in *" tc "*) ok "oversized TXT over UDP: TC set";; *) bad "oversized TXT over UDP: flags '$flags'";; esac
n=$(c dig @"$HOST_ADDR" +tcp +time=4 +tries=1 +short big.dom1.boltnet TXT | wc -l)
[ "$n" -eq 10 ] && ok "oversized TXT over TCP: 10 records" || bad "oversized TXT over TCP: $n records"

# 80 misses at once: answers leave in bursts through freshly allocated mbufs.
for i in $(seq -w 101 180); do echo "h0$i.bulk.boltnet A"; done > "$E2E_DIR/burst.txt"
out=$(c dnsperf -s "$HOST_ADDR" -d "$E2E_DIR/burst.txt" -n 1 -c 8 -q 80 -t 5 2>&1)
done_n=$(echo "$out" | sed -n 's/.*Queries completed: *\([0-9]*\).*/\1/p')
[ "$done_n" = 80 ] && ok "80 concurrent misses answered" || bad "concurrent misses: $done_n of 80 answered"
expect "a hit after the burst" "198.19.128.150 " h0150.bulk.boltnet A

e2e_finish
