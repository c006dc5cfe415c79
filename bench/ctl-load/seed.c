/*
 * ctl-load-seed: fill the shared cache of a region with many ordinary
 * (positive, expiring) answers, fast, without the control plane: one attach,
 * then one insert per entry. dataplane/tools/cache-put does one entry per
 * process, and local data becomes static entries that every full reload of
 * the control plane deletes and re-inserts, so neither fills a cache of
 * 100 000+ entries that stays put while the control socket is exercised.
 *
 *   ctl-load-seed REGION COUNT ZONE [TTL]
 *
 * Inserts nNNNNNN.ZONE A 10.x.y.z for NNNNNN = 0 .. COUNT-1 (the address is
 * 10.0.0.0 + NNNNNN + 1), each for DO=0 and DO=1: 2 x COUNT entries, with
 * TTL seconds (default 86400). Prints the number of entries inserted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boltdns/answer.h"
#include "boltdns/region.h"
#include "boltdns/wire.h"

static int usage(void)
{
	fprintf(stderr, "usage: ctl-load-seed REGION COUNT ZONE [TTL]\n");
	return 2;
}

/* A number argument in [min, max], or -1. */
static long number(const char *s, long min, long max)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	return v;
}

/* The response "NAME A ADDR" with TTL, built into msg; its length or < 0. */
static int build(uint8_t *msg, size_t cap, const uint8_t *name, size_t name_len, uint32_t addr,
                 uint32_t ttl, struct bolt_build *b)
{
	uint8_t rdata[4] = { (uint8_t)(addr >> 24), (uint8_t)(addr >> 16), (uint8_t)(addr >> 8),
	                     (uint8_t)addr };
	int ret = bolt_build_init(b, msg, cap, 0, BOLT_FLAG_QR | BOLT_FLAG_RD | BOLT_FLAG_RA);
	if (ret == 0)
		ret = bolt_build_question(b, name, name_len, BOLT_TYPE_A, BOLT_CLASS_IN);
	if (ret == 0)
		ret = bolt_build_rr(b, BOLT_SEC_ANSWER, name, BOLT_TYPE_A, BOLT_CLASS_IN, ttl, rdata,
		                    sizeof(rdata));
	return ret < 0 ? ret : bolt_build_finish(b);
}

int main(int argc, char **argv)
{
	if (argc < 4 || argc > 5)
		return usage();
	long count = number(argv[2], 1, 10000000);
	long ttl = argc == 5 ? number(argv[4], 1, 604800) : 86400;
	if (count < 0 || ttl < 0)
		return usage();
	if (strlen(argv[3]) > 200) {
		fprintf(stderr, "ctl-load-seed: zone '%s' too long\n", argv[3]);
		return 2;
	}

	int err;
	struct bolt_region *r = bolt_region_attach(argv[1], &err);
	if (!r) {
		fprintf(stderr, "ctl-load-seed: %s: %s\n", argv[1], bolt_strerror(err));
		return 1;
	}
	static uint8_t msg[BOLT_MSG_MAX];
	uint8_t name[BOLT_NAME_MAX];
	char text[256];
	long done = 0;
	int ret = 0;
	for (long i = 0; i < count && ret >= 0; i++) {
		snprintf(text, sizeof(text), "n%06ld.%s", i, argv[3]);
		int len = bolt_name_from_text(text, name);
		if (len < 0) {
			fprintf(stderr, "ctl-load-seed: bad name '%s': %s\n", text, bolt_strerror(len));
			ret = len;
			break;
		}
		struct bolt_build b;
		ret = build(msg, sizeof(msg), name, (size_t)len, 0x0a000000u + (uint32_t)i + 1,
		            (uint32_t)ttl, &b);
		if (ret < 0) {
			fprintf(stderr, "ctl-load-seed: building '%s': %s\n", text, bolt_strerror(ret));
			break;
		}
		size_t mlen = (size_t)ret;
		uint32_t now = bolt_now();
		for (int do_bit = 0; do_bit <= 1 && ret >= 0; do_bit++) {
			ret = bolt_answer_insert(r->cache, msg, mlen, b.ttl_off, b.nttl, do_bit != 0,
			                         now, (uint32_t)ttl, BOLT_CACHE_POSITIVE);
			if (ret < 0)
				fprintf(stderr, "ctl-load-seed: insert '%s': %s\n", text,
				        bolt_strerror(ret));
			else
				done++;
		}
	}
	bolt_region_detach(r);
	printf("%ld\n", done);
	return ret < 0 ? 1 : 0;
}
