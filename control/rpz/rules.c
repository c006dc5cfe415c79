/*
 * One record of a policy zone into its rule (see rpz_zone_add_rr): which
 * trigger its owner name is, which action its RDATA is. Shared by the text
 * parser and, later, zone transfers, which both hand over wire records.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "boltdns/errcode.h"
#include "internal.h"

/* Split name (wire) into at most max label pointers; returns the count. */
static int labels_of(const uint8_t *name, size_t len, const uint8_t **lab, int max)
{
	int n = 0;
	for (size_t pos = 0; pos < len && name[pos] != 0; pos += 1u + name[pos]) {
		if (n == max)
			return -1;
		lab[n++] = name + pos;
	}
	return n;
}

static bool label_is(const uint8_t *lab, const char *s)
{
	size_t l = strlen(s);
	if (lab[0] != l)
		return false;
	for (size_t i = 0; i < l; i++) {
		uint8_t c = lab[1 + i];
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + 32);
		if (c != (uint8_t)s[i])
			return false;
	}
	return true;
}

/* A label as a number of at most max in base 10 or 16; -1 when not. */
static long label_num(const uint8_t *lab, int base, long max)
{
	if (lab[0] == 0 || lab[0] > 5)
		return -1;
	long v = 0;
	for (unsigned i = 0; i < lab[0]; i++) {
		int c = lab[1 + i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v * base + d;
		if (v > max)
			return -1;
	}
	return v;
}

/*
 * The address and prefix length of an rpz-ip / rpz-nsip owner: lab[0] the
 * prefix length, lab[1..n) the address's labels reversed (n excludes the
 * rpz-ip label). Returns the family or 0 with *why set.
 */
static int parse_prefix(const uint8_t **lab, int n, uint8_t *addr, unsigned *plen,
                        const char **why)
{
	*why = "bad prefix length";
	long p = n > 0 ? label_num(lab[0], 10, 128) : -1;
	if (p < 1)
		return 0;
	memset(addr, 0, 16);
	int family = 0;
	if (n == 5) {
		family = AF_INET;
		for (int i = 1; i < 5; i++) {
			long o = label_num(lab[i], 10, 255);
			if (o < 0) {
				family = 0;
				break;
			}
			addr[4 - i] = (uint8_t)o;
		}
		if (family != 0 && p > 32)
			return 0;
	}
	if (family == 0) {
		/* IPv6: 16-bit groups reversed, `zz` for the run of zeros. */
		uint16_t g[8] = { 0 };
		int ng = 0, zz = -1;
		*why = "bad IPv6 address in the trigger";
		for (int i = n - 1; i >= 1; i--) {
			if (label_is(lab[i], "zz")) {
				if (zz >= 0)
					return 0;
				zz = ng;
				continue;
			}
			long v = label_num(lab[i], 16, 0xffff);
			if (v < 0 || lab[i][0] > 4 || ng == 8)
				return 0;
			g[ng++] = (uint16_t)v;
		}
		if (zz >= 0) {
			if (ng >= 8)
				return 0;
			int tail = ng - zz;
			memmove(g + 8 - tail, g + zz, (size_t)tail * sizeof(*g));
			memset(g + zz, 0, (size_t)(8 - ng) * sizeof(*g));
		} else if (ng != 8) {
			return 0;
		}
		for (int i = 0; i < 8; i++) {
			addr[2 * i] = (uint8_t)(g[i] >> 8);
			addr[2 * i + 1] = (uint8_t)g[i];
		}
		family = AF_INET6;
	}
	/* As BIND: an address with bits set past the prefix is a mistake. */
	unsigned bits = family == AF_INET ? 32 : 128;
	for (unsigned b = (unsigned)p; b < bits; b++)
		if (addr[b / 8] & (0x80 >> (b % 8))) {
			*why = "address has bits set beyond the prefix length";
			return 0;
		}
	*plen = (unsigned)p;
	return family;
}

/* The action a CNAME target names, or RPZ_ACT_LOCAL for a real CNAME. */
static uint8_t cname_action(const uint8_t *t, size_t len)
{
	if (len == 1)
		return RPZ_ACT_NXDOMAIN;                   /* CNAME . */
	if (len == 3 && t[0] == 1 && t[1] == '*')
		return RPZ_ACT_NODATA;                     /* CNAME *. */
	if (t[len - 1] != 0 || t[0] + 2u != len)
		return RPZ_ACT_LOCAL;
	if (label_is(t, "rpz-passthru"))
		return RPZ_ACT_PASSTHRU;
	if (label_is(t, "rpz-drop"))
		return RPZ_ACT_DROP;
	if (label_is(t, "rpz-tcp-only"))
		return RPZ_ACT_TCP_ONLY;
	return RPZ_ACT_LOCAL;
}

static bool local_type(uint16_t type)
{
	switch (type) {
	case BOLT_TYPE_A:
	case BOLT_TYPE_AAAA:
	case BOLT_TYPE_TXT:
	case BOLT_TYPE_CNAME:
	case BOLT_TYPE_MX:
	case BOLT_TYPE_PTR:
	case BOLT_TYPE_SRV:
		return true;
	default:
		return false;
	}
}

/* The apex's SOA: serial and refresh (for transfers). */
static int apex_record(struct rpz_zone *z, uint16_t type, const uint8_t *rdata, size_t rdlen,
                       const char **why)
{
	if (type != BOLT_TYPE_SOA)
		return 0;  /* NS and the rest of the apex: not policy */
	size_t pos = 0;
	for (int i = 0; i < 2; i++) {
		int l = bolt_name_len(rdata + pos, rdlen - pos);
		if (l <= 0) {
			*why = "malformed SOA";
			return BOLT_ERDATA;
		}
		pos += (size_t)l;
	}
	if (rdlen - pos != 20) {
		*why = "malformed SOA";
		return BOLT_ERDATA;
	}
	z->st.serial = (uint32_t)rdata[pos] << 24 | (uint32_t)rdata[pos + 1] << 16 |
	               (uint32_t)rdata[pos + 2] << 8 | rdata[pos + 3];
	pos += 4;
	z->st.refresh = (uint32_t)rdata[pos] << 24 | (uint32_t)rdata[pos + 1] << 16 |
	                (uint32_t)rdata[pos + 2] << 8 | rdata[pos + 3];
	z->st.have_soa = true;
	return 0;
}

/* The trigger kind and key of a relative owner (labels lab[0..n)). */
static int trigger_of(struct rpz_zone *z, const uint8_t **lab, int n, uint8_t *trig,
                      uint8_t *key, size_t *klen, const char **why)
{
	const uint8_t *last = lab[n - 1];
	bool ip = label_is(last, "rpz-ip"), nsip = label_is(last, "rpz-nsip");
	if (ip || nsip) {
		uint8_t addr[16];
		unsigned plen = 0;
		int family = parse_prefix(lab, n - 1, addr, &plen, why);
		if (family == 0)
			return BOLT_ESYNTAX;
		*trig = ip ? RPZ_TRIG_IP : RPZ_TRIG_NSIP;
		*klen = rpz_addr_key(family, addr, plen, key);
		rpz_plen_note(z, *trig, family, plen);
		return 0;
	}
	if (label_is(last, "rpz-client-ip")) {
		*why = "rpz-client-ip triggers are not supported";
		return BOLT_ETYPE;
	}
	bool ns = label_is(last, "rpz-nsdname");
	int m = ns ? n - 1 : n;
	/* rpz-* labels are reserved: a name ending in one is a trigger this
	 * store does not know. */
	if (!ns && last[0] >= 4 &&
	    memcmp(last + 1, "rpz-", 4) == 0) {
		*why = "unknown rpz- trigger label";
		return BOLT_ETYPE;
	}
	if (ns && m == 0) {
		*why = "rpz-nsdname without a name";
		return BOLT_ESYNTAX;
	}
	bool wild = m > 0 && lab[0][0] == 1 && lab[0][1] == '*';
	*trig = ns ? (wild ? RPZ_TRIG_NSDNAME_WILD : RPZ_TRIG_NSDNAME)
	           : (wild ? RPZ_TRIG_QNAME_WILD : RPZ_TRIG_QNAME);
	size_t k = 0;
	for (int i = wild ? 1 : 0; i < m; i++) {
		memcpy(key + k, lab[i], 1u + lab[i][0]);
		k += 1u + lab[i][0];
	}
	key[k++] = 0;
	bolt_name_lower(key, k);
	*klen = k;
	return 0;
}

int rpz_zone_add_rr(struct rpz_zone *z, const uint8_t *owner, uint16_t type, uint32_t ttl,
                    const uint8_t *rdata, size_t rdlen, const char **why)
{
	*why = "";
	int olen = bolt_name_len(owner, BOLT_NAME_MAX);
	if (olen <= 0) {
		*why = "bad owner name";
		return BOLT_ENAME;
	}
	if (z->origin_len == 0) {
		*why = "no origin";
		return BOLT_ESYNTAX;
	}
	if (!bolt_name_in_zone(owner, z->origin)) {
		*why = "owner outside the zone";
		return BOLT_ESYNTAX;
	}
	z->st.records++;
	if ((size_t)olen == z->origin_len)
		return apex_record(z, type, rdata, rdlen, why);
	if (rdlen > UINT16_MAX) {
		*why = "RDATA too long";
		return BOLT_ERDATA;
	}

	/* The owner relative to the origin, as labels. */
	const uint8_t *lab[128];
	int all = labels_of(owner, (size_t)olen, lab, 128);
	int n = all - bolt_name_labels(z->origin);
	if (n <= 0) {
		*why = "bad owner name";
		return BOLT_ENAME;
	}

	uint8_t trig = 0;
	uint8_t key[BOLT_NAME_MAX];
	size_t klen = 0;
	int rc = trigger_of(z, lab, n, &trig, key, &klen, why);
	if (rc < 0)
		return rc;

	uint8_t action;
	if (type == BOLT_TYPE_CNAME) {
		int tl = bolt_name_len(rdata, rdlen);
		if (tl <= 0 || (size_t)tl != rdlen) {
			*why = "malformed CNAME target";
			return BOLT_ERDATA;
		}
		action = cname_action(rdata, rdlen);
	} else if (local_type(type)) {
		action = RPZ_ACT_LOCAL;
	} else {
		*why = "type not supported in a policy zone";
		return BOLT_ETYPE;
	}

	int64_t i = rpz_rule_find(z, trig, key, klen, true);
	if (i < 0) {
		*why = "out of memory";
		return -ENOMEM;
	}
	struct rpz_rule *r = &z->rules[i];
	if (r->action != RPZ_ACT_NONE) {
		/* Several records make one rule only as local data, and a CNAME
		 * stands alone (RFC 1034 3.6.2). */
		uint16_t t0;
		uint32_t x;
		const uint8_t *d;
		uint16_t l;
		if (r->action != RPZ_ACT_LOCAL || action != RPZ_ACT_LOCAL ||
		    type == BOLT_TYPE_CNAME ||
		    (rpz_rule_rr(z, (uint32_t)i, 0, &t0, &x, &d, &l) && t0 == BOLT_TYPE_CNAME)) {
			*why = "conflicts with an earlier record of the same trigger";
			return BOLT_ESYNTAX;
		}
	}
	if (action == RPZ_ACT_LOCAL) {
		rc = rpz_rule_add_rr(z, (uint32_t)i, type, ttl, rdata, (uint16_t)rdlen);
		if (rc < 0) {
			*why = rc == BOLT_ELIMIT ? "too many records for one trigger" : "out of memory";
			return rc;
		}
	} else {
		r->ttl = ttl;
	}
	r->action = action;
	return 0;
}
