#!/usr/bin/env bash
# Network namespace + veth pair for end-to-end tests.
#
#   netns.sh up NAME [SUBNET] [--no-host-addr]
#   netns.sh down NAME
#   netns.sh exec NAME CMD...
#
# up creates namespace NAME and a veth pair: host end "bh-NAME", namespace end
# "bn-NAME" (NAME: at most 12 characters). Addresses: 198.18.SUBNET.1/24 on
# the host end (the dataplane's service address) and 198.18.SUBNET.2/24 in
# the namespace, SUBNET 0..255 (default 0) so concurrent tests can pick
# different subnets. --no-host-addr leaves the host end without an address:
# use it when a DPDK port (net_af_packet) owns 198.18.SUBNET.1, or the host
# kernel would answer ARP, pings and UDP/53 (ICMP unreachable) as well.
# With net_af_xdp, keeping the kernel address is the usual set-up: the
# kernel answers ARP and pings, the XDP program steals UDP/53.
#
# up is idempotent (stale state of the same NAME is removed first) and prints
# shell assignments: HOST_IF NS_IF HOST_ADDR NS_ADDR HOST_MAC NS_MAC.
set -euo pipefail

die() { echo "netns.sh: $*" >&2; exit 1; }

cmd=${1:-}
name=${2:-}
[ -n "$cmd" ] && [ -n "$name" ] || die "usage: netns.sh up NAME [SUBNET] [--no-host-addr] | down NAME | exec NAME CMD..."
[ ${#name} -le 12 ] || die "NAME '$name' longer than 12 characters"
case "$name" in *[!A-Za-z0-9_-]*) die "NAME '$name': use letters, digits, - and _";; esac

host_if="bh-$name"
ns_if="bn-$name"

down() {
	ip netns del "$name" 2>/dev/null || true
	# Deleting the namespace removes its veth end and with it the pair; a
	# host end left from a half-done set-up is removed explicitly.
	ip link del "$host_if" 2>/dev/null || true
}

setup_pair() { # setup_pair SUBNET HOST_ADDR(0|1)
	ip netns add "$name" &&
	ip link add "$host_if" type veth peer name "$ns_if" &&
	ip link set "$ns_if" netns "$name" &&
	ip -n "$name" link set lo up &&
	ip -n "$name" addr add "198.18.$1.2/24" dev "$ns_if" &&
	ip -n "$name" link set "$ns_if" up || return 1
	if [ "$2" = 1 ]; then
		ip addr add "198.18.$1.1/24" dev "$host_if" || return 1
	fi
	# No IPv6 autoconfiguration chatter on the test link.
	sysctl -qw "net.ipv6.conf.$host_if.disable_ipv6=1" 2>/dev/null || true
	ip link set "$host_if" up || return 1
	# Frames leaving the namespace carry complete checksums (no offload),
	# and GRO on the namespace end gives veth the NAPI context that XDP
	# frames sent from the host end (AF_XDP TX) need.
	if command -v ethtool >/dev/null; then
		ip netns exec "$name" ethtool -K "$ns_if" tx off gro on >/dev/null 2>&1 || true
		ethtool -K "$host_if" tx off >/dev/null 2>&1 || true
	fi
	ip netns exec "$name" true
}

case "$cmd" in
up)
	subnet=0
	host_addr=1
	shift 2
	for a in "$@"; do
		case "$a" in
		--no-host-addr) host_addr=0 ;;
		*[!0-9]*|'') die "bad SUBNET '$a'" ;;
		*) subnet=$a ;;
		esac
	done
	[ "$subnet" -le 255 ] || die "SUBNET must be 0..255"
	# Namespace creation can race with other processes' ip netns calls
	# (the /run/netns mount is shared): retry a failed set-up from scratch.
	for attempt in 1 2 3; do
		down
		if setup_pair "$subnet" "$host_addr"; then
			break
		fi
		[ "$attempt" = 3 ] && die "could not set up $name"
		sleep 0.5
	done
	echo "HOST_IF=$host_if"
	echo "NS_IF=$ns_if"
	echo "HOST_ADDR=198.18.$subnet.1"
	echo "NS_ADDR=198.18.$subnet.2"
	echo "HOST_MAC=$(cat "/sys/class/net/$host_if/address")"
	echo "NS_MAC=$(ip netns exec "$name" cat "/sys/class/net/$ns_if/address")"
	;;
down)
	down
	;;
exec)
	shift 2
	exec ip netns exec "$name" "$@"
	;;
*)
	die "unknown command '$cmd'"
	;;
esac
