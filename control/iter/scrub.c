/*
 * Bailiwick and relevance scrubbing of upstream responses.
 */
#include <endian.h>
#include <string.h>

#include "scrub.h"

int rr_target(const struct bolt_rr *rr, uint8_t *out)
{
	int len = bolt_name_len(rr->rdata, rr->rdlen);
	if (len < 0)
		return len;
	/* RDATA of NS and CNAME is exactly one name. */
	if ((size_t)len != rr->rdlen)
		return BOLT_ERDATA;
	memcpy(out, rr->rdata, (size_t)len);
	return len;
}

int dname_synth(const uint8_t *name, const uint8_t *owner, const uint8_t *target, uint8_t *out)
{
	int nl = bolt_name_len(name, BOLT_NAME_MAX);
	int ol = bolt_name_len(owner, BOLT_NAME_MAX);
	int tl = bolt_name_len(target, BOLT_NAME_MAX);
	if (nl < 0 || ol < 0 || tl < 0)
		return BOLT_EMALF;
	if (nl <= ol || !bolt_name_in_zone(name, owner))
		return BOLT_EMALF;
	/* The labels of name above owner stay, the owner part becomes target. */
	size_t keep = (size_t)(nl - ol);
	if (keep + (size_t)tl > BOLT_NAME_MAX)
		return BOLT_ESPACE;
	memmove(out, name, keep);
	memcpy(out + keep, target, (size_t)tl);
	return (int)keep + tl;
}

uint32_t neg_ttl(const struct bolt_rr *soa, uint32_t max_neg)
{
	/* MNAME, RNAME, then SERIAL REFRESH RETRY EXPIRE MINIMUM: MINIMUM is the
	 * last 4 bytes; the two names take at least 1 byte each. */
	if (soa->rdlen < 22)
		return max_neg;
	uint32_t minimum;
	memcpy(&minimum, soa->rdata + soa->rdlen - 4, sizeof(minimum));
	minimum = be32toh(minimum);
	uint32_t ttl = soa->ttl < minimum ? soa->ttl : minimum;
	return ttl < max_neg ? ttl : max_neg;
}

unsigned scrub_response(const struct bolt_msg *m, const uint8_t *zone, const uint8_t *qname,
                        uint16_t qtype, bool *keep)
{
	unsigned n = m->rrcount;
	for (unsigned i = 0; i < n; i++)
		keep[i] = false;

	/* Answer: walk the chain from qname; each step keeps the RRset of the asked
	 * type at the current name or the CNAME that moves it on. */
	uint8_t cur[BOLT_NAME_MAX];
	int cl = bolt_name_len(qname, BOLT_NAME_MAX);
	if (cl < 0)
		return n;
	memcpy(cur, qname, (size_t)cl);
	for (int step = 0; step <= SCRUB_CHAIN_MAX; step++) {
		bool moved = false, found = false, cname = false;
		uint8_t next[BOLT_NAME_MAX];
		/* A DNAME above cur (RFC 6672) rewrites it: keep the first one, and
		 * the CNAME the server synthesised from it (matched below). */
		for (unsigned i = 0; i < n && qtype != BOLT_TYPE_DNAME; i++) {
			const struct bolt_rr *rr = &m->rrs[i];
			uint8_t target[BOLT_NAME_MAX];
			if (rr->section != BOLT_SEC_ANSWER || rr->type != BOLT_TYPE_DNAME ||
			    rr->rclass != m->qclass || !bolt_name_in_zone(rr->owner, zone) ||
			    bolt_name_equal(rr->owner, cur) || !bolt_name_in_zone(cur, rr->owner) ||
			    rr_target(rr, target) <= 0 || dname_synth(cur, rr->owner, target, next) <= 0)
				continue;
			keep[i] = true;
			moved = true;
			break;
		}
		for (unsigned i = 0; i < n; i++) {
			const struct bolt_rr *rr = &m->rrs[i];
			if (rr->section != BOLT_SEC_ANSWER || keep[i] || rr->rclass != m->qclass ||
			    !bolt_name_in_zone(rr->owner, zone) || !bolt_name_equal(rr->owner, cur))
				continue;
			if (rr->type == qtype || qtype == BOLT_TYPE_ANY) {
				keep[i] = true;
				found = true;
			} else if (rr->type == BOLT_TYPE_CNAME && !cname) {
				/* Only the first CNAME of a name: a name has at most one; after
				 * a DNAME the name it gives wins over the server's CNAME. */
				uint8_t t[BOLT_NAME_MAX];
				if (rr_target(rr, t) > 0) {
					keep[i] = true;
					cname = true;
					if (!moved)
						memcpy(next, t, (size_t)bolt_name_len(t, BOLT_NAME_MAX));
					moved = true;
				}
			}
		}
		if (found || !moved)
			break;
		memcpy(cur, next, (size_t)bolt_name_len(next, BOLT_NAME_MAX));
	}

	/* Authority: the first NS owner that is an ancestor of the chain's end
	 * fixes the NS RRset; SOA must be above the end of the chain too. */
	const uint8_t *ns_owner = NULL;
	for (unsigned i = 0; i < n; i++) {
		const struct bolt_rr *rr = &m->rrs[i];
		if (rr->section != BOLT_SEC_AUTHORITY || rr->rclass != m->qclass ||
		    !bolt_name_in_zone(rr->owner, zone) || !bolt_name_in_zone(cur, rr->owner))
			continue;
		if (rr->type == BOLT_TYPE_SOA) {
			keep[i] = true;
		} else if (rr->type == BOLT_TYPE_NS) {
			if (ns_owner == NULL)
				ns_owner = rr->owner;
			if (bolt_name_equal(rr->owner, ns_owner))
				keep[i] = true;
		}
	}

	/* Additional: addresses of the kept NS names (from authority or answer). */
	for (unsigned i = 0; i < n; i++) {
		const struct bolt_rr *rr = &m->rrs[i];
		if (rr->section != BOLT_SEC_ADDITIONAL || rr->rclass != m->qclass ||
		    (rr->type != BOLT_TYPE_A && rr->type != BOLT_TYPE_AAAA) ||
		    !bolt_name_in_zone(rr->owner, zone))
			continue;
		for (unsigned j = 0; j < n; j++) {
			const struct bolt_rr *ns = &m->rrs[j];
			uint8_t target[BOLT_NAME_MAX];
			if (!keep[j] || ns->type != BOLT_TYPE_NS)
				continue;
			if (rr_target(ns, target) > 0 && bolt_name_equal(target, rr->owner)) {
				keep[i] = true;
				break;
			}
		}
	}

	unsigned dropped = 0;
	for (unsigned i = 0; i < n; i++)
		if (!keep[i])
			dropped++;
	return dropped;
}

/* Type covered by an RRSIG, 0 when its RDATA is too short. */
static uint16_t covered(const struct bolt_rr *rr)
{
	uint16_t t;
	if (rr->rdlen < 18)
		return 0;
	memcpy(&t, rr->rdata, sizeof(t));
	return be16toh(t);
}

/* Is an RR of (owner, type) kept in section? */
static bool kept_rrset(const struct bolt_msg *m, const bool *keep, uint8_t section,
                       const uint8_t *owner, uint16_t type)
{
	for (unsigned i = 0; i < m->rrcount; i++)
		if (keep[i] && m->rrs[i].section == section && m->rrs[i].type == type &&
		    bolt_name_equal(m->rrs[i].owner, owner))
			return true;
	return false;
}

unsigned scrub_dnssec(const struct bolt_msg *m, const uint8_t *zone, bool *keep)
{
	unsigned n = m->rrcount, added = 0;
	/* The denial and DS records first, so their RRSIGs find them kept. */
	for (unsigned i = 0; i < n; i++) {
		const struct bolt_rr *rr = &m->rrs[i];
		if (keep[i] || rr->section != BOLT_SEC_AUTHORITY || rr->rclass != m->qclass ||
		    !bolt_name_in_zone(rr->owner, zone))
			continue;
		if (rr->type == 47 /* NSEC */ || rr->type == 50 /* NSEC3 */ ||
		    (rr->type == BOLT_TYPE_DS && !bolt_name_equal(rr->owner, zone))) {
			keep[i] = true;
			added++;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		const struct bolt_rr *rr = &m->rrs[i];
		if (keep[i] || rr->type != BOLT_TYPE_RRSIG || rr->section == BOLT_SEC_ADDITIONAL ||
		    rr->rclass != m->qclass || !bolt_name_in_zone(rr->owner, zone))
			continue;
		uint16_t t = covered(rr);
		if (t == 0 || t == BOLT_TYPE_RRSIG)
			continue;
		if (!kept_rrset(m, keep, rr->section, rr->owner, t))
			continue;
		keep[i] = true;
		added++;
	}
	return added;
}
