/*
 * region-steal: for tests only. Write a foreign owner token into one role
 * of a region, as a second process taking it over would, so a test can
 * check that the owner it replaced stops at once.
 *
 *   region-steal REGION cp|dp PID
 *
 * The token is PID << 32 | 1 with a fresh heartbeat; PID should be a live
 * process (the test's shell), or the victim could take the role back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boltdns/region.h"

int main(int argc, char **argv)
{
	if (argc != 4 || (strcmp(argv[2], "cp") != 0 && strcmp(argv[2], "dp") != 0)) {
		fprintf(stderr, "usage: region-steal REGION cp|dp PID\n");
		return 2;
	}
	char *end;
	long pid = strtol(argv[3], &end, 10);
	if (*end != '\0' || pid <= 0 || pid > 0x7fffffff) {
		fprintf(stderr, "region-steal: bad pid %s\n", argv[3]);
		return 2;
	}
	int err;
	struct bolt_region *r = bolt_region_attach(argv[1], &err);
	if (r == NULL) {
		fprintf(stderr, "region-steal: %s: %s\n", argv[1], bolt_strerror(err));
		return 1;
	}
	unsigned role = strcmp(argv[2], "cp") == 0 ? BOLT_REGION_CP : BOLT_REGION_DP;
	struct bolt_region_owner *o = &r->hdr->owner[role];
	atomic_store(&o->heartbeat, bolt_region_clock_ms());
	uint64_t old = atomic_exchange(&o->token, (uint64_t)pid << 32 | 1u);
	printf("%s role of %s: pid %d -> %ld\n", argv[2], argv[1], (int)bolt_region_token_pid(old), pid);
	bolt_region_detach(r);
	return 0;
}
