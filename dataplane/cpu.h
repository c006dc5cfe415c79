/*
 * Whether a CPU is the dataplane's alone: isolated from the scheduler
 * (isolcpus / nohz_full in sysfs) and free of a CPU quota (cgroup). The
 * idle policy of the DPDK lcores (dpdk.c, idle-sleep = auto) busy-polls only
 * on such CPUs. Plain files of /sys and /proc, no DPDK.
 *
 * Thread: any; start-up only (they read files).
 */
#ifndef BOLTDNS_DP_CPU_H
#define BOLTDNS_DP_CPU_H

#include <stdbool.h>

/* Whether cpu is in /sys/devices/system/cpu/isolated or .../nohz_full. A
 * file that cannot be read lists no CPU. */
bool dp_cpu_isolated(unsigned cpu);

/* Whether a CPU quota applies to this process: cgroup v1 cpu.cfs_quota_us
 * or v2 cpu.max of its cgroup or any ancestor. What cannot be read counts
 * as no quota. */
bool dp_cpu_quota(void);

#endif
