/*
 * cache-put: insert a response into the shared cache of a region, without
 * the control plane. For tests and for seeding a cache by hand.
 *
 *   cache-put [-d] [-r RCODE] [-k KIND] [-x "OWNER TTL TYPE RDATA"]...
 *             REGION NAME TYPE TTL [RDATA]...
 *
 * Each RDATA argument is one record NAME TTL IN TYPE RDATA in the answer
 * section; -x adds further answer records of any owner and type (CNAME
 * chains). -d stores it under DO=1. -r sets the rcode (NXDOMAIN, ...),
 * -k the cache kind (positive, nxdomain, nodata, servfail, static).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "boltdns/answer.h"
#include "boltdns/region.h"
#include "boltdns/wire.h"

#define MAX_EXTRA 32

static int usage(void)
{
	fprintf(stderr, "usage: cache-put [-d] [-r RCODE] [-k KIND] [-x \"OWNER TTL TYPE RDATA\"]... "
	                "REGION NAME TYPE TTL [RDATA]...\n");
	return 2;
}

static int parse_kind(const char *s)
{
	static const char *const names[] = { "positive", "nxdomain", "nodata", "servfail",
	                                     "static" };
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

static int add_rr(struct bolt_build *b, const char *owner_txt, uint16_t type, uint32_t ttl,
                  const char *rdata_txt)
{
	uint8_t owner[BOLT_NAME_MAX], rdata[4096];
	int olen = bolt_name_from_text(owner_txt, owner);
	if (olen < 0) {
		fprintf(stderr, "cache-put: bad name '%s': %s\n", owner_txt, bolt_strerror(olen));
		return olen;
	}
	int rlen = bolt_rdata_from_text(type, rdata_txt, rdata, sizeof(rdata));
	if (rlen < 0) {
		fprintf(stderr, "cache-put: bad rdata '%s': %s\n", rdata_txt, bolt_strerror(rlen));
		return rlen;
	}
	int ret = bolt_build_rr(b, BOLT_SEC_ANSWER, owner, type, BOLT_CLASS_IN, ttl, rdata,
	                        (uint16_t)rlen);
	if (ret < 0)
		fprintf(stderr, "cache-put: cannot add record: %s\n", bolt_strerror(ret));
	return ret;
}

/* "OWNER TTL TYPE RDATA..." */
static int add_extra(struct bolt_build *b, const char *spec)
{
	char owner[300], type_txt[32];
	unsigned long ttl;
	int n = 0;
	if (sscanf(spec, "%299s %lu %31s %n", owner, &ttl, type_txt, &n) != 3 || n == 0) {
		fprintf(stderr, "cache-put: bad -x '%s'\n", spec);
		return -1;
	}
	int type = bolt_type_from_text(type_txt);
	if (type < 0) {
		fprintf(stderr, "cache-put: bad type '%s'\n", type_txt);
		return -1;
	}
	return add_rr(b, owner, (uint16_t)type, (uint32_t)ttl, spec + n);
}

int main(int argc, char **argv)
{
	const char *extra[MAX_EXTRA];
	unsigned nextra = 0;
	bool do_bit = false;
	int rcode = 0, kind = -1, opt, err;

	while ((opt = getopt(argc, argv, "dr:k:x:")) != -1) {
		switch (opt) {
		case 'd':
			do_bit = true;
			break;
		case 'r':
			rcode = bolt_rcode_from_text(optarg);
			if (rcode < 0)
				return usage();
			break;
		case 'k':
			kind = parse_kind(optarg);
			if (kind < 0)
				return usage();
			break;
		case 'x':
			if (nextra == MAX_EXTRA)
				return usage();
			extra[nextra++] = optarg;
			break;
		default:
			return usage();
		}
	}
	if (argc - optind < 4)
		return usage();
	const char *path = argv[optind], *name = argv[optind + 1];
	int type = bolt_type_from_text(argv[optind + 2]);
	uint32_t ttl = (uint32_t)strtoul(argv[optind + 3], NULL, 10);
	if (type < 0) {
		fprintf(stderr, "cache-put: bad type '%s'\n", argv[optind + 2]);
		return 2;
	}
	if (kind < 0)
		kind = rcode == BOLT_RCODE_NXDOMAIN ? BOLT_CACHE_NXDOMAIN :
		       rcode == BOLT_RCODE_SERVFAIL ? BOLT_CACHE_SERVFAIL :
		       argc - optind == 4 && nextra == 0 ? BOLT_CACHE_NODATA : BOLT_CACHE_POSITIVE;

	uint8_t qname[BOLT_NAME_MAX];
	int qlen = bolt_name_from_text(name, qname);
	if (qlen < 0) {
		fprintf(stderr, "cache-put: bad name '%s'\n", name);
		return 2;
	}
	static uint8_t msg[BOLT_MSG_MAX];
	struct bolt_build b;
	bolt_build_init(&b, msg, sizeof(msg), 0,
	                (uint16_t)(BOLT_FLAG_QR | BOLT_FLAG_RD | BOLT_FLAG_RA | (rcode & 0xf)));
	bolt_build_question(&b, qname, (size_t)qlen, (uint16_t)type, BOLT_CLASS_IN);
	for (int i = optind + 4; i < argc; i++)
		if (add_rr(&b, name, (uint16_t)type, ttl, argv[i]) < 0)
			return 1;
	for (unsigned i = 0; i < nextra; i++)
		if (add_extra(&b, extra[i]) < 0)
			return 1;
	int len = bolt_build_finish(&b);
	if (len < 0) {
		fprintf(stderr, "cache-put: building the response: %s\n", bolt_strerror(len));
		return 1;
	}

	struct bolt_region *r = bolt_region_attach(path, &err);
	if (!r) {
		fprintf(stderr, "cache-put: %s: %s\n", path, bolt_strerror(err));
		return 1;
	}
	err = bolt_answer_insert(r->cache, msg, (size_t)len, b.ttl_off, b.nttl, do_bit, bolt_now(),
	                         ttl, (uint8_t)kind);
	bolt_region_detach(r);
	if (err < 0) {
		fprintf(stderr, "cache-put: insert: %s\n", bolt_strerror(err));
		return 1;
	}
	return 0;
}
