/*
 * CPU isolation and quota checks of the idle policy (see cpu.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boltdns/procfs.h"
#include "cpu.h"

/* Whether cpu is in a CPU list file of sysfs ("0-3,8,10-11"); a missing
 * or empty file holds none. */
static bool cpulist_has(const char *path, unsigned cpu)
{
	char buf[1024];
	if (bolt_read_small_file(path, buf, sizeof(buf)) < 0)
		return false;
	for (char *p = buf; *p;) {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b;
		if (end == p)
			break;
		b = a;
		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		if (cpu >= a && cpu <= b)
			return true;
		p = *end == ',' ? end + 1 : end;
		if (*p == '\n')
			break;
	}
	return false;
}

bool dp_cpu_quota(void)
{
	char line[512];
	FILE *f = fopen("/proc/self/cgroup", "re");
	bool quota = false;
	if (f == NULL)
		return false;
	while (!quota && fgets(line, sizeof(line), f) != NULL) {
		/* "ID:CONTROLLERS:PATH": v1 with a cpu controller, or v2 ("0::") */
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c2 == NULL)
			continue;
		*c2 = '\0';
		char *path = c2 + 1;
		path[strcspn(path, "\n")] = '\0';
		const char *ctl = c1 + 1;
		bool v2 = *ctl == '\0';
		const char *mnt = NULL;
		if (v2) {
			mnt = "/sys/fs/cgroup";
		} else {
			char tmp[256];
			snprintf(tmp, sizeof(tmp), ",%s,", ctl);
			if (strstr(tmp, ",cpu,") == NULL)
				continue;
			mnt = "/sys/fs/cgroup/cpu";
		}
		/* the cgroup, then each parent up to the root */
		for (;;) {
			char file[1024], val[64] = "";
			snprintf(file, sizeof(file), "%s%s/%s", mnt, strcmp(path, "/") ? path : "",
			         v2 ? "cpu.max" : "cpu.cfs_quota_us");
			(void)bolt_read_small_file(file, val, sizeof(val));
			if (v2 ? (val[0] != '\0' && strncmp(val, "max", 3) != 0)
			       : (val[0] != '\0' && val[0] != '-' && atol(val) > 0)) {
				quota = true;
				break;
			}
			char *slash = strrchr(path, '/');
			if (slash == NULL || slash == path)
				break;
			*slash = '\0';
		}
	}
	fclose(f);
	return quota;
}

bool dp_cpu_isolated(unsigned cpu)
{
	return cpulist_has("/sys/devices/system/cpu/isolated", cpu) ||
	       cpulist_has("/sys/devices/system/cpu/nohz_full", cpu);
}
