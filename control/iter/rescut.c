/*
 * The zone cut a resolution works in: setting it, the addresses of its
 * servers from every source (hints, glue, our own look-ups), and the
 * names asked under QNAME minimisation (RFC 9156 section 2.3).
 */
#include <string.h>

#include "prime.h"
#include "inflight.h"
#include "res_int.h"

/* ---- zone cut ---- */

bool cut_is_root(const struct res *r)
{
	return r->zone[0] == 0;
}

/* Labels of the next minimised name after from labels, counting it
 * (RFC 9156 section 2.3: one label at a time for the first few, then larger
 * steps so the full name is reached within MAX_MINIMISE_COUNT queries). */
int cut_qmin_next(struct res *r, int from)
{
	int total = bolt_name_labels(r->cur);
	if (!r->cp->cfg->qname_minimisation || r->qmin_off || from >= total ||
	    r->qmin_count >= MAX_MINIMISE_COUNT)
		return total;
	int step = 1;
	if (r->qmin_count >= MINIMISE_ONE_LAB) {
		int left = MAX_MINIMISE_COUNT - (int)r->qmin_count;
		step = (total - from + left - 1) / left;
		if (step < 1)
			step = 1;
	}
	int l = from + step < total ? from + step : total;
	if (l < total)
		r->qmin_count++;
	return l;
}

void cut_qmin_fallback(struct res *r)
{
	r->qmin_off = true;
	r->mlabels = bolt_name_labels(r->cur);
}

void cut_set(struct res *r, const uint8_t *zone, const struct infra_nsset *ns)
{
	if (r->zone_held)
		lim_zone_leave(r->zone);
	r->zone_held = false;
	r->down_checked = false;
	name_copy(r->zone, zone);
	r->ns = *ns;
	memset(r->ns_chased, 0, sizeof(r->ns_chased));
	r->ncut_addr = 0;
	r->pol_names_done = false;
	r->pol_naddr = 0;
	r->have_cut = true;
	r->zc = NULL;   /* a delegation; rz_set_cut makes it a configured zone */
	sel_reset(&r->sel);
	r->mlabels = cut_qmin_next(r, bolt_name_labels(r->zone));
}


/* Every address known for NS name i of the cut: hints for the root, glue,
 * and what our own A/AAAA look-ups found. Appends to a[*n..max). Returns
 * true when any source knows the name (even as a failed look-up). */
bool cut_ns_addrs(struct res *r, unsigned i, struct infra_addr *a, unsigned *n, unsigned max)
{
	struct cp *cp = r->cp;
	uint32_t now = now_s();
	bool known = false;
	if (cut_is_root(r)) {
		for (unsigned k = 0; k < cp->hints.n; k++) {
			const struct hint_server *s = &cp->hints.s[k];
			if (!bolt_name_equal(s->name, r->ns.name[i]))
				continue;
			/* A hint whose priming answer was not the root's (an
			 * interceptor) is asked nothing else. */
			for (unsigned j = 0; j < s->naddr && *n < max; j++)
				if (!prime_rejected(&s->addr[j]))
					a[(*n)++] = s->addr[j];
			known = true;
		}
	}
	static const uint8_t srcs[] = { INFRA_SRC_A, INFRA_SRC_AAAA, INFRA_SRC_GLUE };
	for (unsigned k = 0; k < BOLT_ARRAY_SIZE(srcs) && *n < max; k++) {
		int got = infra_addr_get(cp->infra, r->ns.name[i], srcs[k], now, a + *n, max - *n);
		if (got >= 0) {
			known = true;
			*n += (unsigned)got;
		}
	}
	return known;
}

unsigned cut_candidates(struct res *r, struct infra_addr *cand, unsigned max)
{
	if (r->zc != NULL)
		return rz_candidates(r, cand, max);
	unsigned n = 0;
	for (unsigned i = 0; i < r->ns.n && n < max; i++)
		cut_ns_addrs(r, i, cand, &n, max);
	for (unsigned i = 0; i < r->ncut_addr && n < max; i++)
		cand[n++] = r->cut_addr[i];
	for (unsigned k = 0; k < n; k++)
		cand[k].port = r->cp->upstream_port;
	/* after a bogus answer: servers not blamed first, else TCP */
	retry_filter(r, cand, &n);
	return n;
}

