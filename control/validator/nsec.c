/*
 * NSEC denial of existence (RFC 4035 5.4, RFC 6840 4.1 and 4.3): NXDOMAIN,
 * NODATA (empty non-terminals, wildcard NODATA), wildcard expansion and the
 * proof that a delegation has no DS.
 *
 * Every NSEC given has been validated by the caller; here only what they
 * say is read. An NSEC at a delegation (NS without SOA) or with DNAME says
 * nothing about names below its owner and is not used for them.
 */
#include <string.h>

#include "internal.h"

bool bolt_val_bitmap_has(const uint8_t *bm, size_t len, uint16_t type)
{
	uint8_t win = (uint8_t)(type >> 8), bit = (uint8_t)type;
	size_t p = 0;
	while (p + 2 <= len) {
		uint8_t w = bm[p], l = bm[p + 1];
		if (l == 0 || l > 32 || p + 2 + l > len)
			return false;
		if (w == win)
			return (size_t)(bit / 8) < l && (bm[p + 2 + bit / 8] & (0x80 >> (bit % 8)));
		p += 2 + (size_t)l;
	}
	return false;
}

/* One NSEC with its parts; ok is false for a record that is not usable. */
struct nsec {
	const uint8_t *owner, *next, *bm;
	size_t bmlen;
};

static bool nsec_get(const struct bolt_rr *rr, const uint8_t *zone, struct nsec *n)
{
	if (rr->type != BOLT_TYPE_NSEC || !val_owner_ok(rr) ||
	    !bolt_name_in_zone(rr->owner, zone))
		return false;
	if (val_nsec_parse(rr, &n->next, &n->bm, &n->bmlen) < 0)
		return false;
	n->owner = rr->owner;
	return true;
}

static bool has(const struct nsec *n, uint16_t type)
{
	return bolt_val_bitmap_has(n->bm, n->bmlen, type);
}

/* owner < name < next in canonical order; the last NSEC of the chain (next
 * at or before owner) covers everything after its owner. */
static bool covers(const struct nsec *n, const uint8_t *name)
{
	int on = bolt_val_name_cmp(n->owner, name);
	int nn = bolt_val_name_cmp(name, n->next);
	if (bolt_val_name_cmp(n->owner, n->next) < 0)
		return on < 0 && nn < 0;
	return on < 0 || nn < 0;
}

/* Is this NSEC's owner a cut or DNAME above name, so that it proves nothing
 * about name (RFC 6840 4.1)? */
static bool above_cut(const struct nsec *n, const uint8_t *name, const uint8_t *zone)
{
	if (!bolt_name_in_zone(name, n->owner) || bolt_name_equal(name, n->owner))
		return false;
	if (has(n, BOLT_TYPE_DNAME))
		return true;
	return has(n, BOLT_TYPE_NS) && !has(n, BOLT_TYPE_SOA) && !bolt_name_equal(n->owner, zone);
}

int bolt_val_nsec_covers(const struct bolt_rr *nsec, const uint8_t *name)
{
	struct nsec n;
	if (nsec->type != BOLT_TYPE_NSEC || !val_owner_ok(nsec) ||
	    val_nsec_parse(nsec, &n.next, &n.bm, &n.bmlen) < 0 ||
	    bolt_name_len(name, BOLT_NAME_MAX) < 0)
		return BOLT_ERDATA;
	n.owner = nsec->owner;
	return covers(&n, name) ? 1 : 0;
}

/* Closest encloser of name as an NSEC covering it shows it: the longer of
 * the names it shares with the NSEC's owner and next name. */
static const uint8_t *closest_encloser(const struct nsec *n, const uint8_t *name)
{
	int a = val_common_labels(name, n->owner);
	int b = val_common_labels(name, n->next);
	return val_name_suffix(name, a > b ? a : b);
}

/* Is name an empty non-terminal, shown by an NSEC covering it whose next
 * name lies below it? */
static bool is_ent(const struct nsec *n, const uint8_t *name)
{
	return bolt_name_in_zone(n->next, name) && !bolt_name_equal(n->next, name);
}

/* Check the common arguments; returns false (and sets out) when unusable. */
static bool args_ok(const uint8_t *qname, const uint8_t *zone, size_t n,
                    struct bolt_val_result *out)
{
	val_reset(out);
	if (bolt_name_len(qname, BOLT_NAME_MAX) < 0 || bolt_name_len(zone, BOLT_NAME_MAX) < 0) {
		val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS, "malformed name");
		return false;
	}
	if (n > BOLT_VAL_MAX_RRS) {
		val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS, "too many NSEC records");
		return false;
	}
	if (!bolt_name_in_zone(qname, zone)) {
		val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_NSEC_MISSING, "name is not in the zone");
		return false;
	}
	return true;
}

/* The NSEC that proves name does not exist (covers it, is not above a cut,
 * and name is no empty non-terminal), or NULL. *exists is set when an NSEC
 * shows the name exists. */
static bool find_cover(const uint8_t *name, const uint8_t *zone,
                       const struct bolt_rr *const *rrs, size_t n, struct nsec *found,
                       bool *exists)
{
	*exists = false;
	for (size_t i = 0; i < n; i++) {
		struct nsec x;
		if (!nsec_get(rrs[i], zone, &x))
			continue;
		if (bolt_name_equal(x.owner, name) || (covers(&x, name) && is_ent(&x, name))) {
			*exists = true;
			continue;
		}
		if (covers(&x, name) && !above_cut(&x, name, zone)) {
			*found = x;
			return true;
		}
	}
	return false;
}

enum bolt_val_status bolt_val_nsec_nxdomain(
	const uint8_t *qname, const uint8_t *zone, const struct bolt_rr *const *nsec,
	size_t n, struct bolt_val_result *out)
{
	if (!args_ok(qname, zone, n, out))
		return out->status;
	struct nsec c;
	bool exists;
	if (!find_cover(qname, zone, nsec, n, &c, &exists))
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_NSEC_MISSING,
		               exists ? "NSEC shows the name exists"
		                      : "no NSEC covers the name");
	uint8_t wild[BOLT_NAME_MAX];
	if (val_wildcard_of(closest_encloser(&c, qname), wild) < 0)
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS, "malformed name");
	struct nsec w;
	if (!find_cover(wild, zone, nsec, n, &w, &exists))
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_NSEC_MISSING,
		               exists ? "NSEC shows the wildcard exists"
		                      : "no NSEC covers the wildcard");
	return val_set(out, BOLT_VAL_SECURE, BOLT_VAL_EDE_NONE, "NSEC proves NXDOMAIN");
}

/* An NSEC matching name shows a NODATA for qtype: *why is set when not. */
static bool nodata_at(const struct nsec *x, uint16_t qtype, const uint8_t *zone,
                      const char **why)
{
	if (has(x, qtype)) {
		*why = "NSEC shows the type exists";
		return false;
	}
	if (has(x, BOLT_TYPE_CNAME)) {
		*why = "NSEC shows a CNAME";
		return false;
	}
	if (qtype == BOLT_TYPE_DS) {
		/* The child's apex NSEC says nothing about the parent's DS. */
		if (has(x, BOLT_TYPE_SOA)) {
			*why = "NSEC from the child side of the cut";
			return false;
		}
	} else if (has(x, BOLT_TYPE_NS) && !has(x, BOLT_TYPE_SOA) &&
	           !bolt_name_equal(x->owner, zone)) {
		*why = "NSEC from the parent side of a cut";
		return false;
	}
	return true;
}

enum bolt_val_status bolt_val_nsec_nodata(
	const uint8_t *qname, uint16_t qtype, const uint8_t *zone,
	const struct bolt_rr *const *nsec, size_t n, struct bolt_val_result *out)
{
	if (!args_ok(qname, zone, n, out))
		return out->status;
	const char *why = "no NSEC for the name";
	/* NSEC at qname, or qname an empty non-terminal. */
	for (size_t i = 0; i < n; i++) {
		struct nsec x;
		if (!nsec_get(nsec[i], zone, &x))
			continue;
		if (bolt_name_equal(x.owner, qname)) {
			if (nodata_at(&x, qtype, zone, &why))
				return val_set(out, BOLT_VAL_SECURE, BOLT_VAL_EDE_NONE,
				               "NSEC proves NODATA");
			return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_NSEC_MISSING, why);
		}
		if (covers(&x, qname) && is_ent(&x, qname) && !above_cut(&x, qname, zone))
			return val_set(out, BOLT_VAL_SECURE, BOLT_VAL_EDE_NONE,
			               "NSEC proves an empty non-terminal");
	}
	/* Wildcard NODATA: qname does not exist, the wildcard at its closest
	 * encloser does, without the type. */
	struct nsec c;
	bool exists;
	if (!find_cover(qname, zone, nsec, n, &c, &exists))
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_NSEC_MISSING, why);
	uint8_t wild[BOLT_NAME_MAX];
	if (val_wildcard_of(closest_encloser(&c, qname), wild) < 0)
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS, "malformed name");
	for (size_t i = 0; i < n; i++) {
		struct nsec x;
		if (!nsec_get(nsec[i], zone, &x) || !bolt_name_equal(x.owner, wild))
			continue;
		if (nodata_at(&x, qtype, zone, &why))
			return val_set(out, BOLT_VAL_SECURE, BOLT_VAL_EDE_NONE,
			               "NSEC proves wildcard NODATA");
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_NSEC_MISSING, why);
	}
	return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_NSEC_MISSING,
	               "no NSEC for the name or its wildcard");
}

enum bolt_val_status bolt_val_nsec_wildcard(
	const uint8_t *qname, const uint8_t *wildcard, const uint8_t *zone,
	const struct bolt_rr *const *nsec, size_t n, struct bolt_val_result *out)
{
	if (!args_ok(qname, zone, n, out))
		return out->status;
	if (bolt_name_len(wildcard, BOLT_NAME_MAX) < 0 || !val_name_is_wildcard(wildcard))
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS, "not a wildcard");
	const uint8_t *ce = wildcard + 2;
	if (!bolt_name_in_zone(qname, ce) || bolt_name_equal(qname, ce))
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS,
		               "wildcard does not match the name");
	struct nsec c;
	bool exists;
	if (!find_cover(qname, zone, nsec, n, &c, &exists))
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_NSEC_MISSING,
		               "no NSEC proves the name absent");
	/* A closer encloser than the wildcard's parent would have been used
	 * instead (RFC 4035 5.3.4). */
	if (!bolt_name_equal(closest_encloser(&c, qname), ce))
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_NSEC_MISSING,
		               "NSEC shows a closer encloser than the wildcard");
	return val_set(out, BOLT_VAL_SECURE, BOLT_VAL_EDE_NONE, "NSEC proves the expansion");
}

enum bolt_val_status bolt_val_nsec_insecure_delegation(
	const uint8_t *child, const uint8_t *zone, const struct bolt_rr *const *nsec,
	size_t n, struct bolt_val_result *out)
{
	if (!args_ok(child, zone, n, out))
		return out->status;
	for (size_t i = 0; i < n; i++) {
		struct nsec x;
		if (!nsec_get(nsec[i], zone, &x) || !bolt_name_equal(x.owner, child))
			continue;
		if (has(&x, BOLT_TYPE_DS))
			return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS,
			               "NSEC shows a DS");
		if (has(&x, BOLT_TYPE_SOA))
			return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_NSEC_MISSING,
			               "NSEC from the child side of the cut");
		if (!has(&x, BOLT_TYPE_NS))
			return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_NSEC_MISSING,
			               "NSEC shows no delegation");
		return val_set(out, BOLT_VAL_INSECURE, BOLT_VAL_EDE_NONE,
		               "NSEC proves an unsigned delegation");
	}
	return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_NSEC_MISSING,
	               "no NSEC at the delegation");
}
