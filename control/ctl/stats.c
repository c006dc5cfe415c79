/*
 * Counters: the dataplane's per-lcore counters read out of the region, and
 * the sink through which the control plane's hooks report their own.
 */
#include <stdio.h>
#include <string.h>

#include "ctl_internal.h"

#define F(n, h) { #n, h, offsetof(struct bolt_lcore_stats, n) }
const struct ctl_lcore_field ctl_lcore_fields[] = {
	F(rx_pkts, "Frames received"),
	F(tx_pkts, "Frames sent"),
	F(tx_drops, "Frames the NIC refused to send"),
	F(queries, "DNS queries parsed"),
	F(hits, "Queries answered from the cache"),
	F(misses, "Queries passed to the control plane"),
	F(expired, "Queries that found an expired entry (also misses)"),
	F(formerr, "FORMERR answers sent"),
	F(notimp, "NOTIMP answers sent"),
	F(refused, "REFUSED answers sent"),
	F(dropped_bad, "Unparseable queries dropped"),
	F(not_dns, "Frames that were not DNS for us"),
	F(ring_drops, "Misses dropped because the miss ring was full"),
	F(answers_sent, "Control plane answers sent"),
	F(truncated, "Answers sent with TC=1"),
	F(arp, "ARP, ND and ICMP frames handled"),
	F(exception, "Frames passed to the exception path"),
	F(rl_dropped, "Answers dropped by rate limiting"),
	F(rl_slipped, "Rate-limited answers sent truncated"),
	F(prefetch_hints, "Hits late in their TTL hinted to the control plane for refresh"),
	F(prefetch_hint_drops, "Prefetch hints dropped because the miss ring was full"),
};
#undef F
const unsigned ctl_lcore_nfields = BOLT_ARRAY_SIZE(ctl_lcore_fields);

const char *const ctl_qtype_names[8] = {
	"A", "AAAA", "CNAME", "MX", "NS", "TXT", "SOA", "other",
};

/* Counters are every uint64_t of the struct up to reserved[]. */
#define NCOUNTERS (offsetof(struct bolt_lcore_stats, reserved) / sizeof(uint64_t))

void ctl_stats_read(struct bolt_region *r, struct bolt_lcore_stats *out)
{
	memset(out, 0, sizeof(*out) * BOLT_MAX_LCORES);
	unsigned n = r->hdr->max_lcores < BOLT_MAX_LCORES ? r->hdr->max_lcores : BOLT_MAX_LCORES;
	for (unsigned l = 0; l < n; l++) {
		const struct bolt_lcore_stats *s = bolt_region_stats(r, l);
		if (!s)
			continue;
		const uint64_t *src = (const uint64_t *)s;
		uint64_t *dst = (uint64_t *)&out[l];
		for (size_t i = 0; i < NCOUNTERS; i++)
			dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	}
}

unsigned ctl_stats_lcores(struct bolt_region *r, const struct bolt_lcore_stats *cur)
{
	unsigned n = atomic_load_explicit(&r->hdr->dp_lcores, memory_order_relaxed);
	if (n > BOLT_MAX_LCORES)
		n = BOLT_MAX_LCORES;
	/* A stopped dataplane leaves its counters: keep showing them. */
	for (unsigned l = n; l < BOLT_MAX_LCORES; l++) {
		const uint64_t *c = (const uint64_t *)&cur[l];
		for (size_t i = 0; i < NCOUNTERS; i++)
			if (c[i]) {
				n = l + 1;
				break;
			}
	}
	return n;
}

void ctl_stats_sub(struct bolt_lcore_stats *cur, const struct bolt_lcore_stats *base)
{
	for (unsigned l = 0; l < BOLT_MAX_LCORES; l++) {
		uint64_t *c = (uint64_t *)&cur[l];
		const uint64_t *b = (const uint64_t *)&base[l];
		for (size_t i = 0; i < NCOUNTERS; i++)
			c[i] = c[i] >= b[i] ? c[i] - b[i] : c[i];
	}
}

/* Names become metric names and text keys: keep them to [a-z0-9_]. */
static struct ctl_stat_item *sink_add(struct bolt_ctl_sink *s, const char *name,
                                      const char *help, int kind)
{
	if (!s || !name || s->n >= CTL_SINK_MAX)
		return NULL;
	size_t len = strlen(name);
	if (len == 0 || len >= sizeof(s->item[0].name))
		return NULL;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return NULL;
	}
	struct ctl_stat_item *it = &s->item[s->n++];
	memset(it, 0, sizeof(*it));
	memcpy(it->name, name, len + 1);
	snprintf(it->help, sizeof(it->help), "%s", help ? help : name);
	/* HELP text is one line in the exposition format. */
	for (char *p = it->help; *p; p++)
		if (*p == '\n' || *p == '\\')
			*p = ' ';
	it->kind = kind;
	return it;
}

void bolt_ctl_sink_counter(struct bolt_ctl_sink *s, const char *name, const char *help,
                           uint64_t value)
{
	struct ctl_stat_item *it = sink_add(s, name, help, CTL_STAT_COUNTER);
	if (it)
		it->value = value;
}

void bolt_ctl_sink_gauge(struct bolt_ctl_sink *s, const char *name, const char *help,
                         uint64_t value)
{
	struct ctl_stat_item *it = sink_add(s, name, help, CTL_STAT_GAUGE);
	if (it)
		it->value = value;
}

void bolt_ctl_sink_histogram(struct bolt_ctl_sink *s, const char *name, const char *help,
                             const double *le, const uint64_t *cum, unsigned n, double sum,
                             uint64_t count)
{
	if (n > CTL_HIST_MAX || (n && (!le || !cum)))
		return;
	for (unsigned i = 1; i < n; i++)
		if (!(le[i] > le[i - 1]))
			return;
	struct ctl_stat_item *it = sink_add(s, name, help, CTL_STAT_HIST);
	if (!it)
		return;
	it->n = n;
	for (unsigned i = 0; i < n; i++) {
		it->le[i] = le[i];
		it->cum[i] = cum[i];
	}
	it->sum = sum;
	it->count = count;
}

void bolt_ctl_sink_text(struct bolt_ctl_sink *s, const char *name, const char *value)
{
	struct ctl_stat_item *it = sink_add(s, name, NULL, CTL_STAT_TEXT);
	if (it)
		snprintf(it->text, sizeof(it->text), "%s", value ? value : "");
}
