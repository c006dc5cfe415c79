/*
 * libFuzzer target: bolt_rdata_from_text and bolt_rr_to_text. The first
 * byte picks the type, the rest is the text. Accepted RDATA printed as an
 * RR and read back must give the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "boltdns/wire.h"

#define CHECK(x) do { if (!(x)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t types[] = {
	BOLT_TYPE_A, BOLT_TYPE_NS, BOLT_TYPE_CNAME, BOLT_TYPE_SOA, BOLT_TYPE_PTR,
	BOLT_TYPE_MX, BOLT_TYPE_TXT, BOLT_TYPE_AAAA, BOLT_TYPE_SRV, BOLT_TYPE_DS, 65280,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 8192)
		return 0;
	uint16_t type = types[data[0] % BOLT_ARRAY_SIZE(types)];
	static char text[8192];
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';

	static uint8_t rd[BOLT_MSG_MAX], back[BOLT_MSG_MAX];
	/* A small destination too: the result is ESPACE or fits. */
	int small = bolt_rdata_from_text(type, text, rd, 8);
	int len = bolt_rdata_from_text(type, text, rd, sizeof(rd));
	if (len < 0) {
		CHECK(len == BOLT_ESYNTAX || len == BOLT_ETYPE || len == BOLT_ESPACE ||
		      len == BOLT_ELABEL || len == BOLT_ENAME);
		return 0;
	}
	CHECK(small == len || (small == BOLT_ESPACE && len > 8));

	struct bolt_rr rr;
	memset(&rr, 0, sizeof(rr));
	rr.type = type;
	rr.rclass = BOLT_CLASS_IN;
	rr.ttl = 60;
	rr.rdata = rd;
	rr.rdlen = (uint16_t)len;
	/* Generic form: 2 hex digits per byte plus a header. */
	static char out[2 * BOLT_MSG_MAX + 4 * BOLT_MSG_MAX + 64];
	int tl = bolt_rr_to_text(&rr, out, sizeof(out));
	CHECK(tl > 0);
	const char *p = out;
	for (int i = 0; i < 4; i++) {
		p = strchr(p, '\t');
		CHECK(p != NULL);
		p++;
	}
	int len2 = bolt_rdata_from_text(type, p, back, sizeof(back));
	CHECK(len2 == len);
	CHECK(memcmp(back, rd, (size_t)len) == 0);
	return 0;
}
