/*
 * Small reads of /proc and /sys (see boltdns/procfs.h).
 */
#include <stdio.h>
#include <string.h>

#include "boltdns/procfs.h"

long bolt_read_small_file(const char *path, char *buf, size_t cap)
{
	buf[0] = '\0';
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return -1;
	size_t n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (long)n;
}

char bolt_proc_state(int32_t pid)
{
	char path[64], buf[256];
	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (bolt_read_small_file(path, buf, sizeof(buf)) < 0)
		return 0;
	/* "pid (comm) S ...": the state follows the last ')' (comm may hold
	 * spaces and parentheses) */
	const char *rp = strrchr(buf, ')');
	return rp != NULL && rp[1] == ' ' && rp[2] != '\0' ? rp[2] : 0;
}
