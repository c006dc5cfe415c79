#!/usr/bin/env bash
# Install every Debian 12 package boltdns needs to build, test and benchmark.
# Run as root. Safe to run again.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PKGS=(
  # build
  meson ninja-build pkg-config gcc g++ clang llvm lld libclang-rt-14-dev
  dpdk-dev libdpdk-dev libbpf-dev libxdp-dev libxxhash-dev libinih-dev
  libuv1-dev libmicrohttpd-dev libcmocka-dev libbenchmark-dev libssl-dev libnghttp2-dev
  # dnstap: Frame Streams and protobuf-c (protoc-c generates the schema's C at build time)
  libfstrm-dev libprotobuf-c-dev protobuf-c-compiler
  # run and test
  iproute2 procps dnsutils dnsperf nsd unbound dns-root-data curl python3
  openssl  # the edge tests make their TLS certificate with the CLI
  fstrm-bin  # fstrm_capture: the dnstap collector of the dnstap tests
  bird2 python3-prometheus-client systemd-container
  knot  # knotd: a primary serving IXFR and sending NOTIFY (cp-e2e-rpz-knot)
  strace  # the order of the dataplane's system calls (cp-e2e-misskick)
  # DNSSEC: zone signing for the signed fake hierarchy, kdig for DO/CD checks
  bind9-utils ldnsutils knot-dnsutils
  # benchmarks and their peers
  gnuplot-nox knot-resolver pdns-recursor dnsdist
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# Debian starts these daemons on install; boltdns's tests run their own instances.
for s in nsd knot unbound kresd@1 pdns-recursor dnsdist bird; do
  systemctl disable --now "$s" >/dev/null 2>&1 || true
done
