/*
 * Per-burst frame handling shared by every DPDK port type (see burst.h).
 */
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "burst.h"
#include "fastpath.h"

/* Frames that are not DNS for us: exception path or drop, counted. */
static void not_dns(struct dp_worker *w, const struct dp_port_ctx *p, struct dp_frame_pkt *fp,
                    int kind)
{
	if (kind == DP_FRAME_BAD || kind == DP_FRAME_SLOW)
		DP_STAT_INC(w->st, dropped_bad);
	/* Malformed frames are not worth the kernel's time either. */
	if (kind != DP_FRAME_BAD && p->have_exc) {
		DP_STAT_INC(w->st, exception);
		fp->action = DP_ACT_EXC;
		return;
	}
	if (kind == DP_FRAME_OTHER)
		DP_STAT_INC(w->st, not_dns);
	fp->action = DP_ACT_DROP;
}

/* A hit sampled for dnstap, with its client tuple read before the reply
 * swaps the addresses. */
static void sample_push(struct dp_worker *w, const struct dp_port_ctx *p,
                        const struct dp_frame_pkt *fp, const struct dp_frame *fr, unsigned j,
                        const struct dp_pkt *pk)
{
	struct bolt_client c;
	dp_frame_client(fp->data, fr, &c);
	c.port_id = p->port_index;
	c.queue_id = p->queue;
	dp_tap_push(w, j, pk, &c);
}

unsigned dp_burst_handle(struct dp_worker *w, struct dp_burst_scratch *s,
                         const struct dp_port_ctx *p, struct dp_frame_pkt *f, unsigned n)
{
	unsigned np = 0, ntx = 0;
	uint64_t done = 0, parsed = 0, miss = 0, v6 = 0, rl = 0;

	if (n > DP_BURST_MAX)
		n = DP_BURST_MAX;
	/* The common query's hits first (fastpath.h); the rest as before. */
	if (dp_fast_ok(w)) {
		done = dp_fast_burst(w, s, p, f, n, &ntx);
		if (done == (n == 64 ? ~0ull : (1ull << n) - 1))
			return ntx;
		parsed = s->fast_parsed;
		miss = s->fast_miss;
		v6 = s->fast_v6;
		rl = s->fast_rl;
	}
	for (unsigned i = 0; i < n; i++) {
		struct dp_frame_pkt *fp = &f[i];
		struct dp_frame *fr = &s->fr[np];
		size_t out = 0;

		if (done >> i & 1)
			continue;

		fp->action = DP_ACT_DROP;
		fp->family = 0;
		if (fp->len > fp->room)
			fp->len = fp->room;
		int kind;
		if (parsed >> i & 1) {
			/* What dp_frame_parse gives for the frames the fast
			 * path took (untagged IPv4 without options or IPv6
			 * without extension headers, UDP). */
			size_t ihl = (v6 >> i & 1) ? DP_IP6_HLEN : DP_IP4_HLEN;
			memset(fr, 0, sizeof(*fr));
			fr->l3_off = DP_ETH_HLEN;
			fr->l4_off = (uint16_t)(DP_ETH_HLEN + ihl);
			fr->dns_off = (uint16_t)(DP_ETH_HLEN + ihl + DP_UDP_HLEN);
			fr->dns_len = s->fast_dns_len[i];
			fr->family = (v6 >> i & 1) ? AF_INET6 : AF_INET;
			kind = DP_FRAME_DNS;
		} else {
			kind = dp_frame_parse(fp->data, fp->len, p->svc, fr);
		}
		switch (kind) {
		case DP_FRAME_DNS: {
			struct dp_pkt *pk = &s->pkts[np];
			pk->dns = fp->data + fr->dns_off;
			pk->len = fr->dns_len;
			pk->cap = (uint16_t)(fp->room - fr->dns_off);
			pk->family = fr->family;
			pk->client = fp->data + fr->l3_off + (fr->family == AF_INET ? 12 : 8);
			if (parsed >> i & 1) {
				/* The fast path's key, down to the packet's
				 * index (np <= i: no key not yet moved is
				 * overwritten). */
				if (np != i)
					memcpy(&w->key[np], &w->key[i],
					       offsetof(struct bolt_cache_key, name) +
					       w->key[i].name_len);
				w->known_key |= 1ull << np;
			}
			if (miss >> i & 1)
				w->known_miss |= 1ull << np;
			if (rl >> i & 1) {
				w->known_rl |= 1ull << np;
				if (s->fast_slip >> i & 1)
					w->known_slip |= 1ull << np;
			}
			s->idx[np++] = (uint8_t)i;
			continue;
		}
		case DP_FRAME_ARP:
			out = dp_frame_reply_arp(fp->data, fp->room, fr, p->svc);
			break;
		case DP_FRAME_ND:
			out = dp_frame_reply_nd(fp->data, fp->room, fr, p->svc);
			break;
		case DP_FRAME_ECHO:
			out = dp_frame_reply_echo(fp->data, fr);
			break;
		default:
			not_dns(w, p, fp, kind);
			continue;
		}
		if (out > 0) {
			DP_STAT_INC(w->st, arp);
			fp->action = DP_ACT_TX;
			fp->out_len = (uint16_t)out;
			ntx++;
		}
	}
	if (np == 0)
		return ntx;

	dp_process_burst(w, s->pkts, np);

	for (unsigned j = 0; j < np; j++) {
		struct dp_pkt *pk = &s->pkts[j];
		const struct dp_frame *fr = &s->fr[j];
		struct dp_frame_pkt *fp = &f[s->idx[j]];

		if (pk->verdict == DP_TX) {
			if (pk->sample)
				sample_push(w, p, fp, fr, j, pk);
			fp->out_len = (uint16_t)dp_frame_reply_dns_csum(fp->data, fr, pk->out_len,
			                                                !p->ol_ip, !p->ol_udp,
			                                                pk->csum);
			fp->action = DP_ACT_TX;
			fp->family = fr->family;
			fp->l2_len = fr->l3_off;
			fp->l3_len = fr->family == AF_INET ? DP_IP4_HLEN : DP_IP6_HLEN;
			ntx++;
		} else if (pk->verdict == DP_MISS) {
			struct bolt_client c;
			dp_frame_client(fp->data, fr, &c);
			c.port_id = p->port_index;
			c.queue_id = p->queue;
			dp_miss_push(w, j, pk, &c);
		}
	}
	return ntx;
}
