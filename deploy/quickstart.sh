#!/usr/bin/env bash
# boltdns quick start on a machine with no spare NIC (Debian 12, as root):
# installs the packages, builds, reserves hugepages, makes a veth pair with one
# end in a network namespace "bq-client", starts boltdns-dp on net_af_xdp with
# our XDP program, boltdns-cp and boltdns-edge (DoT) next to it, then from the
# namespace shows a query resolved, the same query answered from the cache,
# the same name over DNS over TLS (kdig +tls), and a short dnsperf run.
# Everything is stopped at the end (--keep leaves it running).
#
#   bash deploy/quickstart.sh [--offline] [--keep] [--io socket]
#
# Upstream is the internet's root (Debian's IANA root hints). With --offline,
# or by itself when no root server answers, the project's fake hierarchy of
# NSD servers (tests/hierarchy/) is started on 198.18.1.x and used instead.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

offline=0 keep=0 io=dpdk
while [ $# -gt 0 ]; do
	case "$1" in
	--offline) offline=1 ;;
	--keep) keep=1 ;;
	--io) shift; io=${1:-} ;;
	-h|--help) sed -n '2,13p' "$0"; exit 0 ;;
	*) echo "quickstart: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
case "$io" in dpdk|socket) ;; *) echo "quickstart: --io dpdk|socket" >&2; exit 2 ;; esac
[ "$(id -u)" -eq 0 ] || { echo "quickstart: run as root (hugepages, namespaces, DPDK)" >&2; exit 1; }

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "installing packages"
bash deploy/install-deps.sh

say "building"
# The optimised variant a deployment runs: release, compiled for this CPU,
# link-time optimisation (the hit path inlines across the libraries).
opt=(--buildtype=release -Dcpu=native -Db_lto=true)
if [ -d build ]; then
	meson configure build "${opt[@]}" >/dev/null
else
	meson setup build "${opt[@]}" >/dev/null
fi
meson compile -C build >/dev/null
DP=$top/build/dataplane/boltdns-dp
CP=$top/build/control/boltdns-cp
CTL=$top/build/control/ctl/boltctl
EDGE=$top/build/edge/boltdns-edge
XDP_OBJ=$top/build/dataplane/xdp/boltdns_xdp.o

work=/run/boltdns-quickstart
mkdir -p "$work"
NS=bq-client
pids=()
cleanup() {
	set +e
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ "$hier_started" = 1 ] && bash tests/hierarchy/stop.sh >/dev/null 2>&1
	bash tests/tools/netns.sh down "$NS" >/dev/null 2>&1
}
hier_started=0

trap cleanup EXIT

say "hugepages and the veth pair"
echo 512 > /proc/sys/vm/nr_hugepages || true
eval "$(bash tests/tools/netns.sh up "$NS" 0)"
echo "client namespace $NS: $NS_IF $NS_ADDR  <->  $HOST_IF $HOST_ADDR (boltdns)"

# Does ADDR give the root's own NS set? The test boltdns-cp applies to a
# priming answer (RFC 8109, control/iter/prime.c): NOERROR, the AA flag, NS
# records owned by the root. A network that intercepts port 53 answers too,
# but not like this (no AA, NXDOMAIN for everything): "dig exited 0" is not
# enough. Prints why not on stdout.
root_primes() {
	local out st
	out=$(dig +time=2 +tries=1 +norec @"$1" . NS 2>/dev/null) || { echo "no answer"; return 1; }
	st=$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$out")
	[ "$st" = NOERROR ] || { echo "rcode ${st:-none}"; return 1; }
	grep -qE '^;; flags:[^;]* aa[ ;]' <<<"$out" || { echo "no AA flag"; return 1; }
	awk '!/^;/ && $1 == "." && $4 == "NS"' <<<"$out" | grep -q . ||
		{ echo "no NS records of the root"; return 1; }
}

hints=/usr/share/dns/root.hints
if [ "$offline" = 0 ]; then
	# One root server giving the root's NS set is enough to resolve from the internet.
	if ! why1=$(root_primes 198.41.0.4) && ! why2=$(root_primes 199.9.14.201); then
		echo "the internet's root is not reachable (198.41.0.4: $why1; 199.9.14.201: $why2)"
		case "$why1$why2" in *"no AA"*|*NXDOMAIN*|*REFUSED*)
			echo "(something answers on port 53 in the root's place: the network intercepts DNS)" ;;
		esac
		echo "using the fake hierarchy (--offline)"
		offline=1
	fi
fi
if [ "$offline" = 1 ]; then
	say "starting the fake DNS hierarchy (NSD on 198.18.1.x, tests/hierarchy/)"
	# A hierarchy that already runs (tests, benchmarks) is reused and left running.
	dig +time=1 +tries=1 +norec @198.18.1.1 . SOA >/dev/null 2>&1 || hier_started=1
	hints=$(bash tests/hierarchy/start.sh)
	# the fake root is signed at start: its key is the trust anchor
	dnssec_conf="[dnssec]
trust-anchor-file = /tmp/boltdns-hierarchy/root.key
trust-anchor-state = $work/ta-state.key"
	secure=www.sec.boltnet. bogus=www.bogus-sig.boltnet.
	names=(www.dom1.boltnet. a.dom1.boltnet. mail.dom1.boltnet. nope.dom1.boltnet.)
	for i in $(seq -w 1 500); do echo "h0$i.bulk.boltnet. A"; done > "$work/queries.txt"
else
	# validating with Debian's root key (dns-root-data), the default
	dnssec_conf="[dnssec]
trust-anchor-state = $work/ta-state.key"
	secure=www.isc.org. bogus=dnssec-failed.org.
	names=(www.debian.org. www.wikipedia.org. mail.google.com. nxdomain-example.debian.org.)
	printf '%s A\n' "${names[@]}" > "$work/queries.txt"
fi

if [ "$io" = dpdk ]; then
	server=$HOST_ADDR port=53
	io_conf="io = dpdk
eal = -l 1 --in-memory --file-prefix=boltdns-qs --log-level=lib.eal:error --vdev=net_af_xdp0,iface=$HOST_IF
address = $HOST_ADDR
xdp-prog = $XDP_OBJ
# a small machine: give the core back to the control plane when idle
idle-sleep = 200"
else
	server=$HOST_ADDR port=53
	io_conf="io = socket
listen = $HOST_ADDR@53"
fi
cat > "$work/boltdns.conf" <<EOF
[dataplane]
$io_conf
[cache]
path = /dev/hugepages/boltdns-quickstart
size = 256M
[control]
socket = $work/control.sock
tcp-listen = $HOST_ADDR@53
[resolver]
root-hints = $hints
$dnssec_conf
[tls]
certificate = $work/edge.crt
key = $work/edge.key
dot-listen = $HOST_ADDR@853
stats-file = $work/edge.stats
EOF
echo "configuration: $work/boltdns.conf"
# DNS over TLS (boltdns-edge) with a self-signed certificate made now.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
	-subj "/CN=boltdns-quickstart" -addext "subjectAltName=IP:$HOST_ADDR" \
	-keyout "$work/edge.key" -out "$work/edge.crt" >/dev/null 2>&1

say "starting boltdns-dp ($io) and boltdns-cp"
mkdir -p /dev/hugepages
mountpoint -q /dev/hugepages || mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null || true
"$DP" -c "$work/boltdns.conf" > "$work/dp.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
	"$CTL" -s "$work/control.sock" status >/dev/null 2>&1 && break
	[ -e /dev/hugepages/boltdns-quickstart ] || [ -e /dev/shm/boltdns-quickstart ] && break
	sleep 0.1
done
"$CP" -c "$work/boltdns.conf" > "$work/cp.log" 2>&1 &
pids+=($!)
# Ready when the control socket answers and the dataplane's lcores poll.
for _ in $(seq 300); do
	"$CTL" -s "$work/control.sock" status 2>/dev/null | grep -Eq '^dataplane.lcores: [1-9]' && break
	sleep 0.1
done
# DoT next to them: hits from the shared cache, misses through boltdns-cp.
"$EDGE" -c "$work/boltdns.conf" > "$work/edge.log" 2>&1 &
pids+=($!)
if ! "$CTL" -s "$work/control.sock" status | grep -E '^(version|dataplane|cache\.(shards|bytes_total)|region\.size)'; then
	echo "boltdns did not come up; logs:"; tail -20 "$work/dp.log" "$work/cp.log"; exit 1
fi

q() { ip netns exec "$NS" dig @"$server" -p "$port" +time=3 +tries=1 "$@"; }
say "first query (a miss: resolved by boltdns-cp from the root down)"
q "${names[0]}" A
say "the same query again (a hit: answered by the dataplane from the shared cache)"
q "${names[0]}" A
say "the same name over DNS over TLS (kdig +tls to boltdns-edge, self-signed certificate)"
ip netns exec "$NS" kdig @"$server" -p 853 +tls +time=3 +retry=1 "${names[0]}" A || true
say "DNSSEC: a signed name validates (flags: ad; RRSIGs with +dnssec)"
q +dnssec "$secure" A | grep -E 'flags:|RRSIG' | head -3
say "DNSSEC: a name with a broken signature is refused (SERVFAIL, EDE 6), and given with +cd"
q "$bogus" A | grep -E 'status:|EDE' | head -2
q +cd "$bogus" A | grep -E 'status:' | head -1
say "dataplane counters"
"$CTL" -s "$work/control.sock" stats_noreset | grep -E '^(total\.)?(queries|hits|misses)|hits|misses' | head -10 || true

say "a short dnsperf run from the namespace (warm-up pass, then 10 s cache hot)"
ip netns exec "$NS" dnsperf -s "$server" -p "$port" -d "$work/queries.txt" -n 1 -c 4 >/dev/null 2>&1 || true
ip netns exec "$NS" dnsperf -s "$server" -p "$port" -d "$work/queries.txt" -l 10 -c 8 -q 200 2>&1 |
	grep -E 'Queries (sent|completed|lost)|Queries per second|Average Latency|Response codes'

if [ "$keep" = 1 ]; then
	trap - EXIT
	echo
	echo "boltdns keeps running: boltctl -s $work/control.sock status;"
	echo "stop with: kill ${pids[*]}; bash tests/tools/netns.sh down $NS"
fi
