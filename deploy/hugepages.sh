#!/usr/bin/env bash
# Reserve hugepages and mount hugetlbfs for boltdns-dp.
#
#   hugepages.sh setup     reserve, mount, check (idempotent; run at boot by
#                          boltdns-hugepages.service, before boltdns-dp)
#   hugepages.sh status    show what is reserved, free and mounted
#
# Settings (environment, or /etc/default/boltdns through the unit):
#   BOLTDNS_HUGEPAGE_SIZE   2M (default) or 1G
#   BOLTDNS_HUGEPAGES_MB    memory to reserve, in MiB, spread over the NUMA
#                           nodes (default 2048: the 1G region of the default
#                           configuration plus DPDK's own mempools)
#   BOLTDNS_HUGEPAGE_MOUNT  hugetlbfs mount point (default /dev/hugepages, the
#                           one [cache] path = /dev/hugepages/boltdns expects)
#
# Why a script rather than only the vm.nr_hugepages sysctl: 2M pages can be
# reserved at any time but become scarce once memory is fragmented, so this
# runs early at boot; 1G pages can usually only be reserved on the kernel
# command line (default_hugepagesz=1G hugepagesz=1G hugepages=N), and this
# script then only checks that they are there. The per-node sysfs files are
# used so that every NUMA node (and the NIC's node in particular) gets pages.
# deploy/sysctl/90-boltdns.conf is the sysctl-only alternative for 2M pages.
set -euo pipefail

size=${BOLTDNS_HUGEPAGE_SIZE:-2M}
want_mb=${BOLTDNS_HUGEPAGES_MB:-2048}
mnt=${BOLTDNS_HUGEPAGE_MOUNT:-/dev/hugepages}

case "$size" in
	2M|2m) kb=2048 ;;
	1G|1g) kb=1048576 ;;
	*) echo "hugepages.sh: BOLTDNS_HUGEPAGE_SIZE must be 2M or 1G, not '$size'" >&2; exit 2 ;;
esac
case "$want_mb" in
	''|*[!0-9]*) echo "hugepages.sh: BOLTDNS_HUGEPAGES_MB must be a number of MiB" >&2; exit 2 ;;
esac

pages_total=$(( (want_mb * 1024 + kb - 1) / kb ))
sysdir=/sys/kernel/mm/hugepages/hugepages-${kb}kB

status() {
	if [ ! -d "$sysdir" ]; then
		echo "no ${size} hugepage support in this kernel"
		return 1
	fi
	echo "hugepages ${size}: total $(cat "$sysdir/nr_hugepages"), free $(cat "$sysdir/free_hugepages")"
	for n in /sys/devices/system/node/node[0-9]*; do
		[ -d "$n/hugepages/hugepages-${kb}kB" ] || continue
		echo "  $(basename "$n"): $(cat "$n/hugepages/hugepages-${kb}kB/nr_hugepages") pages"
	done
	if mountpoint -q "$mnt" 2>/dev/null; then
		echo "mounted: $(findmnt -n -o SOURCE,FSTYPE,OPTIONS "$mnt")"
	else
		echo "not mounted: $mnt"
	fi
}

setup() {
	if [ ! -d "$sysdir" ]; then
		echo "hugepages.sh: the kernel has no ${size} hugepages" >&2
		exit 1
	fi
	nodes=(/sys/devices/system/node/node[0-9]*)
	if [ "$kb" = 1048576 ]; then
		# 1G pages come from the kernel command line; do not try to
		# carve them out of a running system's fragmented memory.
		have=$(cat "$sysdir/nr_hugepages")
		if [ "$have" -lt "$pages_total" ]; then
			echo "hugepages.sh: $have 1G pages reserved, $pages_total wanted;" \
			     "add 'default_hugepagesz=1G hugepagesz=1G hugepages=$pages_total'" \
			     "to the kernel command line" >&2
			exit 1
		fi
	elif [ -d "${nodes[0]:-/nonexistent}" ]; then
		per=$(( (pages_total + ${#nodes[@]} - 1) / ${#nodes[@]} ))
		for n in "${nodes[@]}"; do
			f=$n/hugepages/hugepages-${kb}kB/nr_hugepages
			[ -w "$f" ] || continue
			[ "$(cat "$f")" -ge "$per" ] || echo "$per" >"$f"
		done
	else
		[ "$(cat "$sysdir/nr_hugepages")" -ge "$pages_total" ] ||
			echo "$pages_total" >"$sysdir/nr_hugepages"
	fi
	got=$(cat "$sysdir/nr_hugepages")
	if [ "$got" -lt "$pages_total" ]; then
		echo "hugepages.sh: only $got of $pages_total ${size} pages could be reserved" \
		     "(memory fragmented: reserve at boot or on the kernel command line)" >&2
		exit 1
	fi

	mkdir -p "$mnt"
	if ! mountpoint -q "$mnt"; then
		mount -t hugetlbfs -o "pagesize=${size^^},mode=0770" nodev "$mnt"
	fi
	fstype=$(findmnt -n -o FSTYPE "$mnt")
	if [ "$fstype" != hugetlbfs ]; then
		echo "hugepages.sh: $mnt is $fstype, not hugetlbfs" >&2
		exit 1
	fi
	status
}

case "${1:-setup}" in
	setup) setup ;;
	status) status ;;
	*) echo "usage: hugepages.sh setup|status" >&2; exit 2 ;;
esac
