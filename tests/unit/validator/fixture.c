/* Loading the signed fixtures; see fixture.h. */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fixture.h"

const char *fx_dir = "tests/unit/validator/fixtures";

const uint8_t *fx_name(const char *text)
{
	static uint8_t buf[1024][BOLT_NAME_MAX];
	static int next;
	uint8_t *out = buf[next++ % 1024];
	int rc = bolt_name_from_text(text, out);
	assert_true(rc > 0);
	return out;
}

void fx_load(struct fx_zone *z, const char *name)
{
	char path[512], line[8192];
	snprintf(path, sizeof(path), "%s/%s.zone", fx_dir, name);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	memset(z, 0, sizeof(*z));
	assert_true(bolt_name_from_text(name, z->apex) > 0);
	while (fgets(line, sizeof(line), f)) {
		char owner[300], cls[16], type[32];
		unsigned long ttl;
		int used = 0;
		if (line[0] == '\n' || line[0] == ';')
			continue;
		if (sscanf(line, "%299s %lu %15s %31s %n", owner, &ttl, cls, type, &used) < 4)
			fail_msg("bad line in %s: %s", path, line);
		assert_true(z->n < FX_MAX_RRS);
		struct bolt_rr *rr = &z->rr[z->n];
		int l = bolt_name_from_text(owner, rr->owner);
		assert_true(l > 0);
		rr->owner_len = (uint8_t)l;
		int t = bolt_type_from_text(type);
		assert_true(t > 0);
		rr->type = (uint16_t)t;
		rr->rclass = BOLT_CLASS_IN;
		rr->ttl = (uint32_t)ttl;
		line[strcspn(line, "\n")] = 0;
		int rl = bolt_rdata_from_text(rr->type, line + used, z->data[z->n],
		                              sizeof(z->data[0]));
		if (rl < 0)
			fail_msg("bad RDATA in %s: %s", path, line);
		rr->rdata = z->data[z->n];
		rr->rdlen = (uint16_t)rl;
		z->n++;
	}
	fclose(f);
	assert_true(z->n > 0);
}

void fx_select(const struct fx_zone *z, const char *owner, uint16_t type,
               uint16_t covered, struct fx_set *out)
{
	const uint8_t *o = owner ? fx_name(owner) : NULL;
	out->n = 0;
	for (size_t i = 0; i < z->n; i++) {
		const struct bolt_rr *rr = &z->rr[i];
		if (rr->type != type || (o && !bolt_name_equal(rr->owner, o)))
			continue;
		if (type == BOLT_TYPE_RRSIG && covered &&
		    ((rr->rdata[0] << 8) | rr->rdata[1]) != covered)
			continue;
		out->p[out->n++] = rr;
	}
}

void fx_rrset(const struct fx_zone *z, const char *owner, uint16_t type, struct fx_rrset *s)
{
	fx_select(z, owner, type, 0, &s->rrs);
	fx_select(z, owner, BOLT_TYPE_RRSIG, type, &s->sigs);
	s->set.rrs = s->rrs.p;
	s->set.count = s->rrs.n;
	s->set.sigs = s->sigs.p;
	s->set.nsigs = s->sigs.n;
}

void fx_copy(struct fx_copy *c, const struct bolt_rr *rr)
{
	c->rr = *rr;
	memcpy(c->data, rr->rdata, rr->rdlen);
	c->rr.rdata = c->data;
}
