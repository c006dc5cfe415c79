/*
 * Canonical form and order of DNS names and RRsets (RFC 4034 section 6, RFC
 * 6840 section 5.1): what an RRSIG signs and how NSEC chains are ordered.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static inline uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* Offsets of the labels of name (at most 128); returns their number. */
static int label_offsets(const uint8_t *name, uint8_t off[128])
{
	int n = 0;
	size_t p = 0;
	while (p < BOLT_NAME_MAX && name[p] != 0 && name[p] <= BOLT_LABEL_MAX && n < 128) {
		off[n++] = (uint8_t)p;
		p += (size_t)name[p] + 1;
	}
	return n;
}

int bolt_val_name_cmp(const uint8_t *a, const uint8_t *b)
{
	uint8_t oa[128], ob[128];
	int na = label_offsets(a, oa);
	int nb = label_offsets(b, ob);
	/* Rightmost labels first; each label as a lower-cased octet string,
	 * a shorter one sorting first when it is a prefix of the other. */
	for (int i = na - 1, j = nb - 1; i >= 0 && j >= 0; i--, j--) {
		const uint8_t *la = a + oa[i], *lb = b + ob[j];
		uint8_t l = la[0] < lb[0] ? la[0] : lb[0];
		for (uint8_t k = 1; k <= l; k++) {
			uint8_t ca = lower(la[k]), cb = lower(lb[k]);
			if (ca != cb)
				return ca < cb ? -1 : 1;
		}
		if (la[0] != lb[0])
			return la[0] < lb[0] ? -1 : 1;
	}
	return na == nb ? 0 : (na < nb ? -1 : 1);
}

const uint8_t *val_name_suffix(const uint8_t *name, int keep)
{
	int n = bolt_name_labels(name);
	size_t p = 0;
	for (int i = 0; i < n - keep; i++)
		p += (size_t)name[p] + 1;
	return name + p;
}

int val_common_labels(const uint8_t *a, const uint8_t *b)
{
	uint8_t oa[128], ob[128];
	int na = label_offsets(a, oa);
	int nb = label_offsets(b, ob);
	int common = 0;
	for (int i = na - 1, j = nb - 1; i >= 0 && j >= 0; i--, j--) {
		const uint8_t *la = a + oa[i], *lb = b + ob[j];
		if (la[0] != lb[0])
			break;
		uint8_t k = 1;
		while (k <= la[0] && lower(la[k]) == lower(lb[k]))
			k++;
		if (k <= la[0])
			break;
		common++;
	}
	return common;
}

int val_wildcard_of(const uint8_t *name, uint8_t *out)
{
	int l = bolt_name_len(name, BOLT_NAME_MAX);
	if (l < 0 || l + 2 > BOLT_NAME_MAX)
		return BOLT_ENAME;
	out[0] = 1;
	out[1] = '*';
	memcpy(out + 2, name, (size_t)l);
	return l + 2;
}

int val_nsec_parse(const struct bolt_rr *nsec, const uint8_t **next,
                   const uint8_t **bitmap, size_t *bitmap_len)
{
	int l = val_name_in(nsec->rdata, nsec->rdlen);
	if (l < 0)
		return BOLT_ERDATA;
	*next = nsec->rdata;
	*bitmap = nsec->rdata + l;
	*bitmap_len = nsec->rdlen - (size_t)l;
	return 0;
}

/* Lower-case the name at rd[*pos] (within rd[0..len)) and step past it. */
static int lower_name(uint8_t *rd, size_t len, size_t *pos)
{
	if (*pos > len)
		return BOLT_ERDATA;
	int l = val_name_in(rd + *pos, len - *pos);
	if (l < 0)
		return BOLT_ERDATA;
	bolt_name_lower(rd + *pos, (size_t)l);
	*pos += (size_t)l;
	return 0;
}

/* Step past n character-strings. */
static int skip_strings(const uint8_t *rd, size_t len, size_t *pos, int n)
{
	for (int i = 0; i < n; i++) {
		if (*pos >= len || *pos + 1 + rd[*pos] > len)
			return BOLT_ERDATA;
		*pos += 1 + (size_t)rd[*pos];
	}
	return 0;
}

/* Lower-case the names inside rd (already copied) for the types of RFC 4034
 * 6.2 item 3 as RFC 6840 5.1 amends it: HINFO has no names and NSEC's next
 * name keeps its case. */
static int canon_names(uint16_t type, uint8_t *rd, size_t len)
{
	size_t pos = 0;
	int rc = 0;
	switch (type) {
	case 2: case 3: case 4: case 5: case 7: case 8: case 9: case 12:
	case 39: /* NS MD MF CNAME MB MG MR PTR DNAME: one name */
		rc = lower_name(rd, len, &pos);
		break;
	case 30: /* NXT: a name, then a bitmap */
		return lower_name(rd, len, &pos);
	case 14: case 17: /* MINFO RP: two names */
		rc = lower_name(rd, len, &pos);
		if (rc == 0)
			rc = lower_name(rd, len, &pos);
		break;
	case 6: /* SOA: two names, five 32-bit numbers */
		rc = lower_name(rd, len, &pos);
		if (rc == 0)
			rc = lower_name(rd, len, &pos);
		pos += 20;
		break;
	case 15: case 18: case 21: case 36: /* MX AFSDB RT KX: preference, name */
		pos = 2;
		rc = lower_name(rd, len, &pos);
		break;
	case 26: /* PX: preference, two names */
		pos = 2;
		rc = lower_name(rd, len, &pos);
		if (rc == 0)
			rc = lower_name(rd, len, &pos);
		break;
	case 33: /* SRV: priority, weight, port, target */
		pos = 6;
		rc = lower_name(rd, len, &pos);
		break;
	case 35: /* NAPTR: order, preference, flags, services, regexp, replacement */
		pos = 4;
		rc = skip_strings(rd, len, &pos, 3);
		if (rc == 0)
			rc = lower_name(rd, len, &pos);
		break;
	case 24: case 46: /* SIG RRSIG: 18 bytes, signer, signature */
		pos = 18;
		return lower_name(rd, len, &pos);
	case 38: { /* A6: prefix length, address suffix, prefix name */
		if (len < 1 || rd[0] > 128)
			return BOLT_ERDATA;
		uint8_t plen = rd[0];
		pos = 1 + (size_t)(128 - plen + 7) / 8;
		if (plen == 0)
			break;
		rc = lower_name(rd, len, &pos);
		break;
	}
	default:
		return 0;
	}
	if (rc != 0)
		return rc;
	/* These types end with their last name (or SOA's numbers): anything
	 * more or less is malformed. */
	return pos == len ? 0 : BOLT_ERDATA;
}

int bolt_val_canon_rdata(uint16_t type, const uint8_t *rdata, uint16_t rdlen,
                         uint8_t *out, size_t cap)
{
	if (cap < rdlen)
		return BOLT_ESPACE;
	if (rdlen > 0)
		memcpy(out, rdata, rdlen);
	int rc = canon_names(type, out, rdlen);
	return rc < 0 ? rc : (int)rdlen;
}

/* One RR's canonical RDATA inside the shared buffer. */
struct crd {
	const uint8_t *p;
	uint16_t len;
};

static int crd_cmp(const void *x, const void *y)
{
	const struct crd *a = x, *b = y;
	size_t l = a->len < b->len ? a->len : b->len;
	int c = l ? memcmp(a->p, b->p, l) : 0;
	if (c != 0)
		return c;
	return a->len == b->len ? 0 : (a->len < b->len ? -1 : 1);
}

int val_canon_rrset(const struct bolt_val_rrset *set, const uint8_t *sig_prefix,
                    size_t prefix_len, const uint8_t *owner, uint32_t orig_ttl,
                    uint8_t **out, size_t *out_len)
{
	if (set->count == 0 || set->count > BOLT_VAL_MAX_RRS)
		return BOLT_ERDATA;
	int olen = bolt_name_len(owner, BOLT_NAME_MAX);
	if (olen < 0)
		return BOLT_ERDATA;
	size_t rdtotal = 0;
	for (size_t i = 0; i < set->count; i++)
		rdtotal += set->rrs[i]->rdlen;

	struct crd *rd = malloc(set->count * sizeof(*rd));
	uint8_t *rdbuf = malloc(rdtotal ? rdtotal : 1);
	size_t total = prefix_len + set->count * ((size_t)olen + 10) + rdtotal;
	uint8_t *buf = malloc(total);
	if (!rd || !rdbuf || !buf) {
		free(rd);
		free(rdbuf);
		free(buf);
		return -ENOMEM;
	}
	size_t off = 0;
	for (size_t i = 0; i < set->count; i++) {
		const struct bolt_rr *rr = set->rrs[i];
		int l = bolt_val_canon_rdata(rr->type, rr->rdata, rr->rdlen, rdbuf + off,
		                             rdtotal - off);
		if (l < 0) {
			free(rd);
			free(rdbuf);
			free(buf);
			return BOLT_ERDATA;
		}
		rd[i].p = rdbuf + off;
		rd[i].len = (uint16_t)l;
		off += (size_t)l;
	}
	/* RRs in canonical order (RFC 4034 6.3), duplicates once. */
	qsort(rd, set->count, sizeof(*rd), crd_cmp);

	uint8_t lowner[BOLT_NAME_MAX];
	memcpy(lowner, owner, (size_t)olen);
	bolt_name_lower(lowner, (size_t)olen);
	uint16_t type = set->rrs[0]->type, rclass = set->rrs[0]->rclass;

	size_t p = 0;
	memcpy(buf, sig_prefix, prefix_len);
	p += prefix_len;
	for (size_t i = 0; i < set->count; i++) {
		if (i > 0 && crd_cmp(&rd[i - 1], &rd[i]) == 0)
			continue;
		memcpy(buf + p, lowner, (size_t)olen);
		p += (size_t)olen;
		uint8_t fix[10] = {
			(uint8_t)(type >> 8), (uint8_t)type, (uint8_t)(rclass >> 8), (uint8_t)rclass,
			(uint8_t)(orig_ttl >> 24), (uint8_t)(orig_ttl >> 16),
			(uint8_t)(orig_ttl >> 8), (uint8_t)orig_ttl,
			(uint8_t)(rd[i].len >> 8), (uint8_t)rd[i].len,
		};
		memcpy(buf + p, fix, sizeof(fix));
		p += sizeof(fix);
		if (rd[i].len)
			memcpy(buf + p, rd[i].p, rd[i].len);
		p += rd[i].len;
	}
	free(rd);
	free(rdbuf);
	*out = buf;
	*out_len = p;
	return 0;
}
