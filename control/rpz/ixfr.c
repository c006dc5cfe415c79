/*
 * Reading an AXFR or IXFR answer stream (RFC 5936, RFC 1995 4) and applying
 * it to a zone's records (see ixfr.h).
 *
 * An IXFR answer is one of:
 *   SOA(new)                                   up to date, or ask AXFR
 *   SOA(new) SOA(from) dels SOA(v1) adds ... SOA(new) adds SOA(new)
 *                                              incremental
 *   SOA(new) records... SOA(new)               AXFR-style: the whole zone
 * The second record tells them apart: a SOA of the client's serial starts
 * the difference sequences; anything else is a whole zone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boltdns/errcode.h"
#include "boltdns/wire_ctx.h"
#include "ixfr.h"

enum { ST_START, ST_FIRST, ST_FULL, ST_DEL, ST_ADD, ST_DONE };
enum { OP_DEL = 1, OP_ADD = 2 };

/* Changes one answer may hold: bounds the memory a primary can make us
 * use (64 MiB of change records). */
#define IXFR_OPS_MAX (64u << 20)
/* The records of a whole zone (AXFR, AXFR-style IXFR) are the zone itself,
 * which a text file may hold as large: bounded apart, far above the
 * largest policy feeds (1 GiB of records, ~20 M triggers). */
#define IXFR_ZONE_MAX ((size_t)1 << 30)

void rpz_ixfr_init(struct rpz_ixfr *x, bool axfr, uint32_t from)
{
	memset(x, 0, sizeof(*x));
	x->axfr = axfr;
	x->from = from;
}

void rpz_ixfr_free(struct rpz_ixfr *x)
{
	free(x->ops);
	x->ops = NULL;
	x->nops = x->capops = 0;
}

/* The serial of SOA RDATA, or false when it is malformed. */
static bool soa_serial(const uint8_t *rd, uint16_t rdlen, uint32_t *serial)
{
	size_t p = 0;
	for (int n = 0; n < 2; n++) {
		int l = bolt_name_len(rd + p, rdlen - p);
		if (l <= 0)
			return false;
		p += (size_t)l;
	}
	if (p + 20 != rdlen)
		return false;
	*serial = bolt_wire_get_u32(rd + p);
	return true;
}

static int op_add(struct rpz_ixfr *x, uint8_t op, const uint8_t *owner, size_t olen,
                  uint16_t type, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	size_t need = 1 + 1 + olen + 2 + 4 + 2 + rdlen;
	if (x->nops + need > (x->state == ST_FULL ? IXFR_ZONE_MAX : IXFR_OPS_MAX))
		return BOLT_ELIMIT;
	if (x->nops + need > x->capops) {
		size_t c = x->capops ? x->capops * 2 : 4096;
		while (c < x->nops + need)
			c *= 2;
		uint8_t *p = realloc(x->ops, c);
		if (p == NULL)
			return -ENOMEM;
		x->ops = p;
		x->capops = c;
	}
	uint8_t *p = x->ops + x->nops;
	p[0] = op;
	p[1] = (uint8_t)olen;
	memcpy(p + 2, owner, olen);
	p += 2 + olen;
	bolt_wire_put_u16(p, type);
	bolt_wire_put_u32(p + 2, ttl);
	bolt_wire_put_u16(p + 6, rdlen);
	if (rdlen > 0)
		memcpy(p + 8, rdata, rdlen);
	x->nops += need;
	if (op == OP_DEL)
		x->dels++;
	else
		x->adds++;
	return 0;
}

static int keep_soa(struct rpz_ixfr *x, const uint8_t *owner, size_t olen, uint32_t ttl,
                    const uint8_t *rdata, uint16_t rdlen)
{
	if (rdlen > sizeof(x->soa))
		return BOLT_ERDATA;
	memcpy(x->soa_owner, owner, olen);
	memcpy(x->soa, rdata, rdlen);
	x->soa_len = rdlen;
	x->soa_ttl = ttl;
	return 0;
}

static int done(struct rpz_ixfr *x, uint8_t kind)
{
	x->kind = kind;
	x->state = ST_DONE;
	return 1;
}

int rpz_ixfr_feed(struct rpz_ixfr *x, const uint8_t *owner, uint16_t type, uint32_t ttl,
                  const uint8_t *rdata, uint16_t rdlen, const char **why)
{
	*why = "";
	if (x->state == ST_DONE)
		return 1;
	int ol = bolt_name_len(owner, BOLT_NAME_MAX);
	if (ol <= 0) {
		*why = "bad owner name";
		return BOLT_ENAME;
	}
	bool soa = type == BOLT_TYPE_SOA;
	uint32_t serial = 0;
	if (soa && !soa_serial(rdata, rdlen, &serial)) {
		*why = "malformed SOA";
		return BOLT_ERDATA;
	}
	x->records++;
	int rc = 0;
	switch (x->state) {
	case ST_START:
		if (!soa) {
			*why = "the answer does not start with the SOA";
			return BOLT_EMALF;
		}
		x->to = serial;
		if ((rc = keep_soa(x, owner, (size_t)ol, ttl, rdata, rdlen)) < 0)
			break;
		x->state = x->axfr ? ST_FULL : ST_FIRST;
		return 0;
	case ST_FIRST:
		if (soa && serial == x->from && serial != x->to) {
			/* The first difference sequence starts: its old SOA. */
			x->state = ST_DEL;
			return 0;
		}
		if (soa) {
			/* An AXFR-style answer of an empty zone. */
			if (serial != x->to) {
				*why = "the zone's last SOA differs from its first";
				return BOLT_EMALF;
			}
			return done(x, RPZ_IXFR_FULL);
		}
		x->state = ST_FULL;
		rc = op_add(x, OP_ADD, owner, (size_t)ol, type, ttl, rdata, rdlen);
		break;
	case ST_FULL:
		if (soa) {
			if (serial != x->to) {
				*why = "the zone's last SOA differs from its first";
				return BOLT_EMALF;
			}
			return done(x, RPZ_IXFR_FULL);
		}
		rc = op_add(x, OP_ADD, owner, (size_t)ol, type, ttl, rdata, rdlen);
		break;
	case ST_DEL:
		if (soa) {
			/* The sequence's new SOA: additions follow. */
			x->cur_to = serial;
			x->versions++;
			x->state = ST_ADD;
			return 0;
		}
		rc = op_add(x, OP_DEL, owner, (size_t)ol, type, ttl, rdata, rdlen);
		break;
	case ST_ADD:
		if (soa) {
			if (x->cur_to == x->to && serial == x->to)
				return done(x, RPZ_IXFR_INCREMENTAL);
			if (serial != x->cur_to) {
				*why = "a difference sequence does not start where the last one ended";
				return BOLT_EMALF;
			}
			x->state = ST_DEL;
			return 0;
		}
		rc = op_add(x, OP_ADD, owner, (size_t)ol, type, ttl, rdata, rdlen);
		break;
	default:
		return 1;
	}
	if (rc < 0)
		*why = rc == -ENOMEM ? "out of memory" : rc == BOLT_ELIMIT ? "too many changes"
		                                                            : "malformed SOA";
	return rc;
}

int rpz_ixfr_message_end(struct rpz_ixfr *x)
{
	/* Only the first SOA so far, and the message is over: the whole answer
	 * was that SOA (RFC 1995 4: "up to date", or a server that cannot
	 * send the differences). */
	if (x->state != ST_FIRST || x->records != 1)
		return x->state == ST_DONE;
	return done(x, rpz_serial_newer(x->to, x->from) ? RPZ_IXFR_NEED_AXFR : RPZ_IXFR_UPTODATE);
}

int rpz_ixfr_apply(const struct rpz_ixfr *x, const struct rpz_rrset *base,
                   struct rpz_rrset **out, const char **why)
{
	*out = NULL;
	*why = "";
	bool full = x->kind == RPZ_IXFR_FULL;
	if (x->state != ST_DONE || (!full && x->kind != RPZ_IXFR_INCREMENTAL) ||
	    (!full && base == NULL)) {
		*why = "the transfer is not complete";
		return BOLT_EMALF;
	}
	struct rpz_rrset *s = full ? rpz_rrset_new() : rpz_rrset_clone(base);
	int rc = s == NULL ? -ENOMEM : 0;
	size_t p = 0;
	while (rc == 0 && p < x->nops) {
		const uint8_t *o = x->ops + p;
		uint8_t op = o[0], ol = o[1];
		const uint8_t *owner = o + 2;
		const uint8_t *f = owner + ol;
		uint16_t type = bolt_wire_get_u16(f);
		uint32_t ttl = bolt_wire_get_u32(f + 2);
		uint16_t rdlen = bolt_wire_get_u16(f + 6);
		const uint8_t *rdata = f + 8;
		p += 2u + ol + 8u + rdlen;
		/* The SOAs inside a stream are its markers; the new one is
		 * set below. */
		if (type == BOLT_TYPE_SOA)
			continue;
		if (op == OP_DEL) {
			rc = rpz_rrset_del(s, owner, type, rdata, rdlen);
			if (rc == BOLT_ENOENT)
				*why = "a deletion names a record the zone does not hold";
		} else {
			rc = rpz_rrset_add(s, owner, type, ttl, rdata, rdlen);
		}
	}
	if (rc == 0)
		rc = rpz_rrset_add(s, x->soa_owner, BOLT_TYPE_SOA, x->soa_ttl, x->soa, x->soa_len);
	if (rc < 0) {
		if (rc == -ENOMEM)
			*why = "out of memory";
		else if ((*why)[0] == '\0')
			*why = "bad record";
		rpz_rrset_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

struct rpz_zone *rpz_ixfr_changed(const struct rpz_ixfr *x, const uint8_t *origin)
{
	static const uint8_t passthru[] = { 12, 'r', 'p', 'z', '-', 'p', 'a', 's', 's', 't', 'h',
	                                    'r', 'u', 0 };
	if (x->state != ST_DONE || x->kind != RPZ_IXFR_INCREMENTAL)
		return NULL;
	struct rpz_zone *d = rpz_zone_new(origin);
	size_t p = 0;
	while (d != NULL && p < x->nops) {
		const uint8_t *o = x->ops + p;
		const uint8_t *owner = o + 2;
		const uint8_t *f = owner + o[1];
		p += 2u + o[1] + 8u + bolt_wire_get_u16(f + 6);
		/* An owner seen twice conflicts with itself: its trigger is
		 * there already. Owners that are no trigger are skipped. */
		const char *why;
		if (rpz_zone_add_rr(d, owner, BOLT_TYPE_CNAME, 0, passthru, sizeof(passthru), &why) ==
		    -ENOMEM) {
			rpz_zone_free(d);
			d = NULL;
		}
	}
	return d;
}
