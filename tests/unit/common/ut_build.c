/*
 * DNS names and messages built from text for the unit tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "ut_build.h"

int ut_name(const char *text, uint8_t *out)
{
	int len = bolt_name_from_text(text, out);
	assert_true(len > 0);
	return len;
}

void ut_pkt_start(struct ut_pkt *p, const char *qname, uint16_t qtype, uint16_t flags)
{
	uint8_t n[BOLT_NAME_MAX];
	ut_name(qname, n);
	assert_int_equal(bolt_build_init(&p->b, p->buf, sizeof(p->buf), 1, BOLT_FLAG_QR | flags), 0);
	assert_int_equal(bolt_build_question(&p->b, n, (size_t)bolt_name_len(n, 255), qtype,
	                                     BOLT_CLASS_IN), 0);
}

void ut_pkt_add(struct ut_pkt *p, uint8_t sec, const char *owner, uint16_t type, uint32_t ttl,
                const char *rdata)
{
	uint8_t o[BOLT_NAME_MAX], rd[512];
	ut_name(owner, o);
	int rl;
	if (type == BOLT_TYPE_DNAME)
		rl = bolt_name_from_text(rdata, rd);
	else
		rl = bolt_rdata_from_text(type, rdata, rd, sizeof(rd));
	assert_true(rl >= 0);
	assert_int_equal(bolt_build_rr(&p->b, sec, o, type, BOLT_CLASS_IN, ttl, rd, (uint16_t)rl), 0);
}

void ut_pkt_finish(struct ut_pkt *p)
{
	p->len = bolt_build_finish(&p->b);
	assert_true(p->len > 0);
}
