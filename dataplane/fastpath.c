/*
 * The specialised hit path of the burst handler (see fastpath.h).
 *
 * Stage 1a checks each frame up to its UDP payload (fast_frame), hashes
 * the payload after the ID for the packet cache (pktcache.h) and prefetches
 * its set's tags; stage 1b takes aside the frames whose tag the set has for
 * this second (their slots prefetched) and parses the others; stage 1c
 * compares those candidates in full: a match is a packet-cache hit (its
 * shared-cache bucket prefetched for the version check), anything else is
 * parsed like the others. Stage 3 goes through all in frame order (the
 * rate limit's budget).
 *
 * Stage 1 takes, per frame, only the shape fastpath.h describes: every test
 * the general parsers make is made here too, in the same order of
 * importance, but only to say "not mine" (the general path then gives the
 * error, the exception path or the drop). The QNAME is lower-cased straight
 * into the cache key, which is hashed. Stage 2 is the cache's burst lookup
 * (the sections copied behind each question, as in dp_process_burst).
 * Stage 3 serves a plain hit as bolt_answer_from_cache_csum would (TTLs
 * aged, flags, OPT, the DNS partial checksum with RFC 1624 for the TTLs)
 * and turns the frame around (dp_frame_reply_dns4; IPv6 through
 * dp_frame_reply_dns_csum); anything else gets its
 * OPT back and is left to the general path.
 */
#include <endian.h>
#include <string.h>
#include <sys/socket.h>

#include "boltdns/acl.h"
#include "boltdns/csum.h"
#include "boltdns/wire_lower.h"
#include "fastpath.h"

#define OPT_LEN 11
#define L3_OFF DP_ETH_HLEN
#define DNS_OFF (DP_ETH_HLEN + DP_IP4_HLEN + DP_UDP_HLEN)
#define DNS_OFF6 (DP_ETH_HLEN + DP_IP6_HLEN + DP_UDP_HLEN)

_Static_assert(DP_BURST_MAX <= 64, "the mask of frames answered is 64 bits");

static inline uint16_t ld16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return be16toh(v);
}

static inline void st16(uint8_t *p, uint16_t v)
{
	v = htobe16(v);
	memcpy(p, &v, 2);
}

/* Stage 1 for one frame, its frame: true when it is UDP to a service
 * address and the DNS port from a client the ACL allows, with fq's v6,
 * dns_off and dns_len (>= 12) set. Reads nothing past fp->len. */
static inline bool fast_frame(struct dp_worker *w, const struct dp_port_ctx *p,
                              const struct dp_frame_pkt *fp, struct dp_fast_q *fq)
{
	const uint8_t *d = fp->data;
	const struct dp_svc *svc = p->svc;
	size_t len = fp->len;

	/* Ethernet + IP + UDP + DNS header + the root name and its type and
	 * class at least; then what dp_frame_parse checks for a DNS frame. */
	const uint8_t *ip = d + L3_OFF, *udp;
	size_t room;    /* bytes of the IP packet from the UDP header on */
	uint16_t et = ld16(d + 12);
	if (bolt_likely(et == 0x0800)) {
		if (bolt_unlikely(len < DNS_OFF + BOLT_HDR_LEN + 5) || ip[0] != 0x45)
			return false;
		size_t total = ld16(ip + 2);
		if (total < DP_IP4_HLEN + DP_UDP_HLEN || L3_OFF + total > len ||
		    (ld16(ip + 6) & 0x3fff) != 0 || ip[9] != 17 /* UDP */)
			return false;
		if (!svc->any_addr) {
			unsigned i = 0;
			while (i < svc->n4 && memcmp(svc->v4[i], ip + 16, 4) != 0)
				i++;
			if (i == svc->n4)
				return false;
		}
		if (w->pol != NULL &&
		    bolt_acl_check(&w->pol->acl, AF_INET, ip + 12) != BOLT_ACL_ALLOWED)
			return false;
		udp = ip + DP_IP4_HLEN;
		room = total - DP_IP4_HLEN;
		fq->v6 = 0;
	} else if (et == 0x86dd) {
		if (len < DNS_OFF6 + BOLT_HDR_LEN + 5 || (ip[0] >> 4) != 6)
			return false;
		room = ld16(ip + 4);
		if (L3_OFF + DP_IP6_HLEN + room > len || ip[6] != 17 /* UDP, no extension */)
			return false;
		if (!svc->any_addr) {
			unsigned i = 0;
			while (i < svc->n6 && memcmp(svc->v6[i], ip + 24, 16) != 0)
				i++;
			if (i == svc->n6)
				return false;
		}
		if (w->pol != NULL &&
		    bolt_acl_check(&w->pol->acl, AF_INET6, ip + 8) != BOLT_ACL_ALLOWED)
			return false;
		udp = ip + DP_IP6_HLEN;
		fq->v6 = 1;
	} else {
		return false;
	}
	size_t ulen = ld16(udp + 4);
	if (ulen < DP_UDP_HLEN + BOLT_HDR_LEN || ulen > room || ld16(udp + 2) != svc->dns_port)
		return false;
	fq->dns_len = (uint16_t)(ulen - DP_UDP_HLEN);
	fq->dns_off = (uint8_t)(udp + DP_UDP_HLEN - d);
	return true;
}

/* Stage 1 for one frame fast_frame took, its DNS payload: true when it is
 * the common query, with the rest of fq and k filled (k hashed). */
static inline bool fast_dns(struct dp_worker *w, const struct dp_frame_pkt *fp,
                            struct dp_fast_q *fq, struct bolt_cache_key *k)
{
	/* A standard query, one question, nothing or one OPT behind it. */
	const uint8_t *d = fp->data;
	const uint8_t *dns = d + fq->dns_off;
	size_t dlen = fq->dns_len;
	uint16_t flags = ld16(dns + 2);
	if (flags & (BOLT_FLAG_QR | 0x7800 /* opcode */))
		return false;
	uint64_t counts;
	memcpy(&counts, dns + 4, 8);
	counts = be64toh(counts);
	bool edns = counts == 0x0001000000000001ull;
	if (!edns && counts != 0x0001000000000000ull)
		return false;

	/* QNAME: the limits of bolt_query_parse_into (labels, 255 bytes, the
	 * packet), no compression. */
	const uint8_t *name = dns + BOLT_HDR_LEN;
	size_t avail = dlen - BOLT_HDR_LEN;
	int scanned = bolt_wire_qname_scan(name, avail);
	if (bolt_unlikely(scanned < 0))
		return false;
	size_t n = (size_t)scanned;
	if (avail - n != (edns ? 4u + OPT_LEN : 4u))
		return false;
	const uint8_t *opt = name + n + 4;
	uint16_t limit = BOLT_UDP_DEFAULT;
	bool do_bit = false;
	fq->opt_tail = 0;
	if (edns) {
		/* root owner, OPT, version 0, no options */
		if (opt[0] != 0 || ld16(opt + 1) != BOLT_TYPE_OPT || opt[6] != 0 || opt[9] != 0 ||
		    opt[10] != 0)
			return false;
		memcpy(&fq->opt_tail, opt + 3, 8);
		do_bit = (opt[7] & 0x80) != 0;
		size_t client = ld16(opt + 3);
		if (client < BOLT_UDP_DEFAULT)
			client = BOLT_UDP_DEFAULT;
		limit = (uint16_t)(client < w->udp_max ? client : w->udp_max);
	}
	size_t cap = (size_t)fp->room - (size_t)(dns - d);
	if (limit > cap)
		limit = (uint16_t)cap;

	bolt_wire_lower_into(k->name, name, n);
	k->qtype = ld16(name + n);
	k->qclass = ld16(name + n + 2);
	k->do_bit = do_bit;
	k->name_len = (uint8_t)n;
	fq->id = ld16(dns);
	fq->flags = flags;
	fq->qend = (uint16_t)(BOLT_HDR_LEN + n + 4);
	fq->limit = limit;
	fq->edns = edns;
	fq->do_bit = do_bit;
	bolt_cache_key_hash(w->cache, k);
	return true;
}

/* Stage 3 for one query: its response in place, or 0 when the general path
 * is to take it (the caller puts the OPT back). *csum: the DNS partial sum.
 * With a rate limit, the client's prefix (cli its address) is counted once
 * the response is certain, before anything of the query is overwritten:
 * over the limit, *over is set (bit 0; bit 1: slip) and 0 returned. */
static inline size_t fast_answer(struct dp_worker *w, const struct dp_fast_q *q,
                                 const struct bolt_cache_out *o, uint8_t *dns, uint64_t *csum,
                                 const uint8_t *cli, unsigned *over)
{
	const struct bolt_cache_val *v = &o->val;
	size_t qend = q->qend, rlen = v->len;
	size_t opt = q->edns ? OPT_LEN : 0;

	/* A plain answer that fits: what from_cache serves without TC, EDE,
	 * policy markers or DNSSEC detours. */
	if (bolt_unlikely(v->qsize + (size_t)BOLT_HDR_LEN != qend || v->ede_len != 0 ||
	                  v->kind >= BOLT_CACHE_DROP || v->status == BOLT_SEC_BOGUS ||
	                  v->nttl > o->ttl_cap || rlen > o->cap || qend + rlen + opt > q->limit))
		return 0;

	/* The question and the records as the cache copied them (one pass
	 * when the records start at an even offset), then per TTL the change
	 * its rewrite makes (RFC 1624: ~old + new), even and odd offsets of
	 * the records apart. */
	uint8_t *dst = dns + qend;
	uint64_t qsum, rsum = 0, todd = 0;
	if (!(qend & 1)) {
		qsum = bolt_csum_add(0, dns + BOLT_HDR_LEN, qend - BOLT_HDR_LEN + rlen);
	} else {
		qsum = bolt_csum_add(0, dns + BOLT_HDR_LEN, qend - BOLT_HDR_LEN);
		rsum = bolt_csum_add(0, dst, rlen);
	}
	if (v->kind != BOLT_CACHE_STATIC) {
		uint32_t age = w->now > v->inserted ? w->now - v->inserted : 0;
		for (uint16_t i = 0; i < v->nttl; i++) {
			uint16_t off = o->ttl_off[i];
			if (bolt_unlikely((size_t)off + 4 > rlen))
				return 0;
			uint32_t old;
			memcpy(&old, dst + off, 4);
			uint32_t ttl = be32toh(old);
			ttl = ttl > age ? ttl - age : 0;
			uint32_t nw = htobe32(ttl);
			memcpy(dst + off, &nw, 4);
			uint64_t dl = (uint64_t)(uint32_t)~old + nw;
			if (off & 1)
				todd += dl;
			else
				rsum = bolt_csum_plus(rsum, dl);
		}
	}
	/* The general path's rate limit (process.c, stage 3): a hit here never
	 * carries a cookie, so never a vouched one. */
	if (w->rl != NULL) {
		bool slip = false;
		if (dp_rl_over(w, q->v6 ? AF_INET6 : AF_INET, cli, &slip)) {
			*over = 1u | (slip ? 2u : 0u);
			return 0;
		}
	}
	uint16_t flags = (uint16_t)((v->flags & ~(BOLT_FLAG_RD | BOLT_FLAG_CD | BOLT_FLAG_TC |
	                                          BOLT_FLAG_AD)) |
	                            (q->flags & (BOLT_FLAG_RD | BOLT_FLAG_CD)) | BOLT_FLAG_QR);
	if (v->status == BOLT_SEC_SECURE && ((q->flags & BOLT_FLAG_AD) || q->do_bit))
		flags |= BOLT_FLAG_AD;
	uint16_t ar = (uint16_t)(v->arcount + (q->edns ? 1 : 0));
	size_t pos = qend + rlen;
	uint16_t server_udp = (uint16_t)w->udp_max;
	uint64_t hv = (uint64_t)q->id + flags + 1u + v->ancount + v->nscount + ar;
	rsum = bolt_csum_plus(rsum, bolt_csum_at(todd, 1));
	uint64_t s = bolt_csum_plus(bolt_csum_plus(bolt_csum_val(hv), qsum),
	                            bolt_csum_at(rsum, qend));
	if (q->edns) {
		uint8_t *op = dns + pos;
		op[0] = 0;
		st16(op + 1, BOLT_TYPE_OPT);
		st16(op + 3, server_udp);
		uint32_t ttl = htobe32(q->do_bit ? 0x8000u : 0);
		memcpy(op + 5, &ttl, 4);
		st16(op + 9, 0);
		uint64_t ov = 0x2900u + (server_udp >> 8) + (uint64_t)((server_udp & 0xff) << 8) +
		              (q->do_bit ? 0x80u : 0);
		s = bolt_csum_plus(s, bolt_csum_at(bolt_csum_val(ov), pos));
		pos += OPT_LEN;
	}
	st16(dns, q->id);
	st16(dns + 2, flags);
	st16(dns + 4, 1);
	st16(dns + 6, v->ancount);
	st16(dns + 8, v->nscount);
	st16(dns + 10, ar);
	*csum = s;      /* not 0: the flags word has QR */
	return pos;
}

/* Stage 3 for a query the fast path does not answer: the general path's,
 * as received (the lookup's copy may have gone over its OPT), its frame
 * already classified, its miss known. Out of line: the hit loop keeps its
 * registers. */
static __attribute__((noinline, cold)) void fast_decline(struct dp_worker *w,
                                                         struct dp_burst_scratch *s,
                                                         const struct dp_fast_q *q, unsigned j,
                                                         uint8_t *dns)
{
	s->fast_parsed |= 1ull << q->idx;
	s->fast_dns_len[q->idx] = q->dns_len;
	if (w->krc[j] == BOLT_ENOENT)
		s->fast_miss |= 1ull << q->idx;
	if (q->v6)
		s->fast_v6 |= 1ull << q->idx;
	if (q->edns) {
		uint8_t *op = dns + q->qend;
		op[0] = 0;
		st16(op + 1, BOLT_TYPE_OPT);
		memcpy(op + 3, &q->opt_tail, 8);
	}
}

/* Stage 3 for a packet-cache hit: the stored response, or 0 when its
 * bucket of the shared cache changed since (the entry is dropped and the
 * general path takes the frame as received) or the rate limit says no
 * (*over as fast_answer sets it). */
static inline size_t pkc_answer(struct dp_worker *w, struct dp_pkc_slot *e, uint8_t *dns,
                                uint64_t *csum, const struct dp_fast_q *q, const uint8_t *cli,
                                unsigned *over)
{
	if (bolt_unlikely(bolt_cache_bucket_version(w->cache, e->bref) != e->bver)) {
		dp_pkc_drop(&w->pkc, e);
		return 0;
	}
	if (w->rl != NULL) {
		bool slip = false;
		if (dp_rl_over(w, q->v6 ? AF_INET6 : AF_INET, cli, &slip)) {
			*over = 1u | (slip ? 2u : 0u);
			return 0;
		}
	}
	w->pkc.hits++;
	w->bc.pkc_hits++;
	w->bc.qtype[e->qslot]++;
	w->bc.rcode[e->hdr[1] & 0xf]++;
	return dp_pkc_answer(e, dns, csum);
}

/* After fast_answer built the response of q in place: keep it in the
 * packet cache when it may be served again as it is (a plain hit read the
 * common way, no prefetch hint due). */
static __attribute__((noinline)) void pkc_keep(struct dp_worker *w, const struct dp_fast_q *q,
                                               const struct bolt_cache_out *o,
                                               const uint8_t *dns, uint16_t qtype)
{
	struct dp_pkc_build b = {
		.dns = dns, .qend = q->qend, .len = q->out_len, .csum = q->csum,
		.opt_tail = q->opt_tail, .qflags = q->flags, .edns = q->edns,
		.qslot = (uint8_t)dp_qtype_slot(qtype), .bref = o->bucket_ref,
		.bver = o->bucket_ver,
	};
	dp_pkc_store(&w->pkc, q->pkh, w->now, &b);
}

/* The frame turned around with a DNS response of len bytes (sum csum). */
static inline void fast_reply(const struct dp_port_ctx *p, struct dp_frame_pkt *fp,
                              const struct dp_fast_q *q, size_t len, uint64_t csum)
{
	if (bolt_likely(!q->v6)) {
		fp->out_len = (uint16_t)dp_frame_reply_dns4(fp->data, L3_OFF, len, !p->ol_ip,
		                                            !p->ol_udp, csum);
		fp->family = AF_INET;
		fp->l3_len = DP_IP4_HLEN;
	} else {
		struct dp_frame fr = { .l3_off = L3_OFF, .l4_off = L3_OFF + DP_IP6_HLEN,
		                       .dns_off = DNS_OFF6, .dns_len = q->dns_len,
		                       .family = AF_INET6 };
		fp->out_len = (uint16_t)dp_frame_reply_dns_csum(fp->data, &fr, len, !p->ol_ip,
		                                                !p->ol_udp, bolt_csum_fold(csum));
		fp->family = AF_INET6;
		fp->l3_len = DP_IP6_HLEN;
	}
	fp->action = DP_ACT_TX;
	fp->l2_len = L3_OFF;
}

/* A frame of q the fast path leaves to the general path: with over (the
 * rate limit's verdict, 1 | 2 for a slip) the verdict goes along (counted
 * and over: the general path parses the frame and limits it); without,
 * it is the first frame the general path answers so far (*cut). */
static inline void hand_over(struct dp_burst_scratch *s, const struct dp_fast_q *q,
                             unsigned over, unsigned *cut)
{
	if (over != 0) {
		s->fast_rl |= 1ull << q->idx;
		if (over & 2)
			s->fast_slip |= 1ull << q->idx;
	} else if (q->idx < *cut) {
		*cut = q->idx;
	}
}

#define KJ_PKC 0xff     /* dp_fast_q.kj: a packet-cache hit */
#define KJ_NONE 0xfe    /* not the common query: the general path's */
#define KJ_CAND 0xfd    /* a packet-cache candidate, to compare (stage 1c) */

/* Stage 1b/1c for a query the packet cache does not answer: parsed and
 * keyed for the burst lookup (kj its lookup's index), or left to the
 * general path (KJ_NONE; the first such frame lowers *cut). Keyed by frame:
 * the general path takes over a declined frame's key (dp_burst_handle
 * moves it down to its packet index, never above the frame index). */
static inline void fast_key(struct dp_worker *w, struct dp_frame_pkt *fp, struct dp_fast_q *fq,
                            unsigned *nk, unsigned *cut)
{
	uint8_t *dns = fp->data + fq->dns_off;
	struct bolt_cache_key *k = &w->key[fq->idx];
	if (!fast_dns(w, fp, fq, k)) {
		fq->kj = KJ_NONE;
		if (fq->idx < *cut)
			*cut = fq->idx;
		return;
	}
	struct bolt_cache_out *o = &w->kout[*nk];
	o->ttl_off = w->ttl_off[*nk];
	o->ttl_cap = DP_TTL_MAX;
	o->sections = dns + fq->qend;
	o->cap = (uint32_t)(fp->room - fq->dns_off - fq->qend);
	fq->kj = (uint8_t)*nk;
	w->kp[(*nk)++] = k;
}

uint64_t dp_fast_burst(struct dp_worker *w, struct dp_burst_scratch *s,
                       const struct dp_port_ctx *p, struct dp_frame_pkt *f, unsigned n,
                       unsigned *ntx)
{
	unsigned nq = 0, nk = 0;

	if (n > DP_BURST_MAX)
		n = DP_BURST_MAX;
	s->fast_parsed = 0;
	s->fast_miss = 0;
	s->fast_v6 = 0;
	s->fast_rl = 0;
	s->fast_slip = 0;
	/* With a rate limit, the budget is counted in frame order as the
	 * general path alone would: the fast path answers no hit behind the
	 * first frame the general path is to answer (cut) itself. */
	unsigned cut = n;
	w->now = dp_now(w);
	struct dp_pkc *pc = &w->pkc;
	bool pkc = false;
	if (pc->slot != NULL) {
		dp_pkc_bind(pc, w->udp_max, w->pol);
		pkc = dp_pkc_burst(pc, w->now);
	}
	/* 1a: the frames (and the packet cache's sets prefetched) */
	for (unsigned i = 0; i < n; i++) {
		struct dp_frame_pkt *fp = &f[i];
		if (fp->len > fp->room)
			fp->len = fp->room;
		struct dp_fast_q *fq = &s->fq[nq];
		if (!fast_frame(w, p, fp, fq)) {
			if (cut == n)
				cut = i;
			continue;
		}
		fq->idx = (uint8_t)i;
		fq->pkh = 0;
		if (pkc && dp_pkc_fits((size_t)fq->dns_len - 2)) {
			fq->pkh = dp_pkc_hash(pc, fp->data + fq->dns_off + 2, (size_t)fq->dns_len - 2);
			dp_pkc_prefetch(pc, fq->pkh);
			pc->probes++;
		}
		nq++;
	}
	if (nq == 0)
		return 0;
	/* 1b: the packet cache's tags (a candidate's slot prefetched for
	 * 1c), the others parsed for the burst lookup */
	unsigned ncand = 0;
	for (unsigned j = 0; j < nq; j++) {
		struct dp_fast_q *fq = &s->fq[j];
		if (fq->pkh != 0) {
			fq->pk = dp_pkc_candidate(pc, fq->pkh, w->now);
			if (fq->pk != NULL) {
				fq->kj = KJ_CAND;
				ncand++;
				continue;
			}
		}
		fast_key(w, &f[fq->idx], fq, &nk, &cut);
	}
	/* 1c: the candidates compared in full (their buckets' lines
	 * prefetched for the version check); one that differs is parsed */
	for (unsigned j = 0; ncand != 0 && j < nq; j++) {
		struct dp_fast_q *fq = &s->fq[j];
		if (fq->kj != KJ_CAND)
			continue;
		ncand--;
		struct dp_frame_pkt *fp = &f[fq->idx];
		struct dp_pkc_slot *e = fq->pk;
		if (dp_pkc_match(e, fp->data + fq->dns_off + 2, (size_t)fq->dns_len - 2) &&
		    dp_pkc_room(e) <= (size_t)fp->room - fq->dns_off) {
			__builtin_prefetch((const uint8_t *)w->cache +
			                   (uint64_t)(e->bref - 1) * BOLT_CACHE_LINE, 0, 3);
			fq->kj = KJ_PKC;
		} else {
			pc->differ++;
			fast_key(w, fp, fq, &nk, &cut);
		}
	}
	if (nk != 0)
		bolt_cache_lookup_burst(w->cache, w->kp, nk, w->now, w->kout, w->krc);

	/* 3: in frame order (the rate limit's budget) */
	uint64_t done = 0, keep = 0;
	unsigned served = 0;
	for (unsigned jq = 0; jq < nq; jq++) {
		const struct dp_fast_q *q = &s->fq[jq];
		unsigned j = q->kj;
		if (j == KJ_NONE)
			continue;
		struct dp_frame_pkt *fp = &f[q->idx];
		uint8_t *dns = fp->data + q->dns_off;
		const uint8_t *cli = fp->data + L3_OFF + (q->v6 ? 8 : 12);
		uint64_t csum = 0;
		unsigned over = 0;
		size_t len = 0;
		if (j == KJ_PKC) {
			if (w->rl == NULL || q->idx < cut)
				len = pkc_answer(w, q->pk, dns, &csum, q, cli, &over);
			if (len == 0) {
				/* as received, to the general path (parsed there) */
				hand_over(s, q, over, &cut);
				continue;
			}
		} else {
			if (w->krc[j] == 0 && (w->rl == NULL || q->idx < cut))
				len = fast_answer(w, q, &w->kout[j], dns, &csum, cli, &over);
			if (len == 0) {
				fast_decline(w, s, q, j, dns);
				hand_over(s, q, over, &cut);
				continue;
			}
			const struct bolt_cache_val *v = &w->kout[j].val;
			const struct bolt_cache_key *k = &w->key[q->idx];
			w->bc.qtype[dp_qtype_slot(k->qtype)]++;
			w->bc.rcode[BOLT_RCODE(ld16(dns + 2))]++;
			bool hint = dp_hint_due(w, v);
			if (bolt_unlikely(hint))
				dp_prefetch_hint(w, k, v);
			/* kept after the burst: a slot it would take may be
			 * one a later frame of the burst is to be answered from */
			if (q->pkh != 0 && w->kout[j].bucket_ref != 0 && !hint) {
				struct dp_fast_q *kq = &s->fq[jq];
				kq->csum = csum;
				kq->out_len = (uint16_t)len;
				keep |= 1ull << jq;
			}
		}
		w->bc.hits++;
		fast_reply(p, fp, q, len, csum);
		done |= 1ull << q->idx;
		served++;
	}
	for (; keep != 0; keep &= keep - 1) {
		const struct dp_fast_q *q = &s->fq[__builtin_ctzll(keep)];
		pkc_keep(w, q, &w->kout[q->kj], f[q->idx].data + q->dns_off, w->key[q->idx].qtype);
	}
	if (served != 0) {
		DP_STAT_ADD(w->st, queries, served);
		dp_flush_counts(w);
		*ntx += served;
	}
	return done;
}
