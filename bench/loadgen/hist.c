/*
 * Latency histogram: one counter per microsecond, so percentiles are exact to
 * 1 us without keeping samples (8 MB, allocated once before the run).
 */
#include "loadgen.h"

#include <stdlib.h>

int lg_hist_init(struct lg_hist *h)
{
	h->bucket = calloc(LG_HIST_MAX_US + 1, sizeof(*h->bucket));
	h->n = 0;
	h->sum_us = 0;
	h->max_us = 0;
	return h->bucket == NULL ? -1 : 0;
}

void lg_hist_free(struct lg_hist *h)
{
	free(h->bucket);
	h->bucket = NULL;
}

void lg_hist_add(struct lg_hist *h, uint32_t us)
{
	h->sum_us += us;
	if (us > h->max_us)
		h->max_us = us;
	if (us > LG_HIST_MAX_US)
		us = LG_HIST_MAX_US;
	h->bucket[us]++;
	h->n++;
}

uint32_t lg_hist_percentile(const struct lg_hist *h, double p)
{
	if (h->n == 0)
		return 0;
	if (p < 0)
		p = 0;
	if (p > 1)
		p = 1;
	/* the smallest value v with at least ceil(p * n) samples <= v */
	uint64_t want = (uint64_t)(p * (double)h->n + 0.999999);
	if (want == 0)
		want = 1;
	uint64_t seen = 0;
	for (uint32_t v = 0; v <= LG_HIST_MAX_US; v++) {
		seen += h->bucket[v];
		if (seen >= want)
			return v;
	}
	return LG_HIST_MAX_US;
}
