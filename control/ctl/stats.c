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
	F(throttled, "Misses answered SERVFAIL by the dataplane: their zone over its limits"),
	F(throttle_passed, "Misses under throttled zones handed on to the control plane all the same"),
	F(tap_samples, "Hits sampled for dnstap, sent to the control plane"),
	F(tap_sample_drops, "dnstap samples not sent: miss ring half full"),
	F(negrange_answered, "Misses answered NXDOMAIN by the dataplane from a published NSEC range"),
	F(pkc_hits, "Hits answered from the lcore's packet cache (counted in hits too)"),
};
#undef F
const unsigned ctl_lcore_nfields = BOLT_ARRAY_SIZE(ctl_lcore_fields);

const char *const ctl_qtype_names[8] = {
	"A", "AAAA", "CNAME", "MX", "NS", "TXT", "SOA", "other",
};

/* Counters are every uint64_t of the struct (region.h). */
#define NCOUNTERS BOLT_LCORE_NCOUNTERS

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

/* ---- ports ---- */

/* The counters of struct bolt_port_counters, in order. */
const char *const ctl_port_ctr_names[CTL_PORT_NCTR] = {
	"ipackets", "opackets", "ibytes", "obytes", "imissed", "ierrors", "oerrors", "rx_nombuf",
};
const char *const ctl_port_ctr_help[CTL_PORT_NCTR] = {
	"Packets received by the port",
	"Packets sent by the port",
	"Bytes received by the port",
	"Bytes sent by the port",
	"Packets the port dropped because its RX ring was full",
	"Receive errors",
	"Transmit errors",
	"Packets refused because the mbuf pool was empty",
};

void ctl_ports_read(struct bolt_region *r, struct ctl_ports *out)
{
	memset(out, 0, sizeof(*out));
	const struct bolt_port_table *t = bolt_region_ports(r);
	if (!t)
		return;
	unsigned n = atomic_load_explicit(&t->nports, memory_order_acquire);
	out->n = n < BOLT_MAX_PORTS ? n : BOLT_MAX_PORTS;
	out->io = t->io;
	out->workers = t->workers < BOLT_MAX_LCORES ? t->workers : BOLT_MAX_LCORES;
	out->total = t->nports_total;
	out->updated = atomic_load_explicit(&t->updated, memory_order_relaxed);
	for (unsigned w = 0; w < BOLT_MAX_LCORES; w++) {
		out->worker_lcore[w] = t->worker_lcore[w];
		out->worker_tid[w] = __atomic_load_n(&t->worker_tid[w], __ATOMIC_RELAXED);
	}
	for (unsigned i = 0; i < out->n; i++) {
		const struct bolt_port_info *pi = &t->port[i];
		struct ctl_port *p = &out->port[i];
		/* Strings are copied bounded and terminated: the region is shared
		 * memory and a damaged one must not make us read past a field. */
		snprintf(p->name, sizeof(p->name), "%.*s", (int)sizeof(pi->name), pi->name);
		snprintf(p->args, sizeof(p->args), "%.*s", (int)sizeof(pi->args), pi->args);
		snprintf(p->driver, sizeof(p->driver), "%.*s", (int)sizeof(pi->driver), pi->driver);
		memcpy(p->mac, pi->mac, 6);
		p->port_id = pi->port_id;
		p->rx_queues = pi->rx_queues < BOLT_MAX_LCORES ? pi->rx_queues : BOLT_MAX_LCORES;
		p->tx_queues = pi->tx_queues;
		memcpy(p->queue_lcore, pi->queue_lcore, sizeof(p->queue_lcore));
		p->link_up = atomic_load_explicit(&pi->link_up, memory_order_relaxed) != 0;
		p->link_speed = atomic_load_explicit(&pi->link_speed, memory_order_relaxed);
		const struct bolt_port_counters *c = &pi->ctr;
		const _Atomic uint64_t *src[CTL_PORT_NCTR] = {
			&c->ipackets, &c->opackets, &c->ibytes, &c->obytes,
			&c->imissed, &c->ierrors, &c->oerrors, &c->rx_nombuf,
		};
		for (unsigned k = 0; k < CTL_PORT_NCTR; k++)
			p->ctr[k] = atomic_load_explicit(src[k], memory_order_relaxed);
	}
}

static const char *io_name(uint32_t io)
{
	switch (io) {
	case BOLT_PORT_IO_DPDK: return "dpdk";
	case BOLT_PORT_IO_SOCKET: return "socket";
	default: return "none";
	}
}

void ctl_ports_counters(struct ctl_out *o, const struct ctl_port *p, const uint64_t *base)
{
	for (unsigned k = 0; k < CTL_PORT_NCTR; k++) {
		uint64_t v = p->ctr[k], b = base ? base[k] : 0;
		/* A counter below its base (the port restarted) counts from zero. */
		ctl_out_u64(o, ctl_port_ctr_names[k], v >= b ? v - b : v);
	}
}

void ctl_ports_out(struct ctl_out *o, const struct ctl_ports *ps, uint64_t now)
{
	ctl_out_str(o, "io", io_name(ps->io));
	ctl_out_u64(o, "workers", ps->workers);
	ctl_out_u64(o, "ports_updated_age", ps->updated && ps->updated <= now ? now - ps->updated : 0);
	if (ps->total > ps->n)
		ctl_out_u64(o, "ports_not_listed", ps->total - ps->n);
	ctl_out_obj_begin(o, "worker");
	for (unsigned w = 0; w < ps->workers; w++) {
		char key[16];
		snprintf(key, sizeof(key), "%u", w);
		ctl_out_obj_begin(o, key);
		if (ps->io == BOLT_PORT_IO_DPDK)
			ctl_out_u64(o, "lcore", ps->worker_lcore[w]);
		ctl_out_i64(o, "tid", ps->worker_tid[w]);
		ctl_out_obj_end(o);
	}
	ctl_out_obj_end(o);

	ctl_out_obj_begin(o, "port");
	for (unsigned i = 0; i < ps->n; i++) {
		const struct ctl_port *p = &ps->port[i];
		char key[16], mac[18];
		snprintf(key, sizeof(key), "%u", i);
		ctl_out_obj_begin(o, key);
		ctl_out_str(o, "name", p->name);
		ctl_out_str(o, "driver", p->driver);
		if (ps->io == BOLT_PORT_IO_DPDK) {
			ctl_out_u64(o, "port_id", p->port_id);
			ctl_out_str(o, "args", p->args);
			snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", p->mac[0], p->mac[1],
			         p->mac[2], p->mac[3], p->mac[4], p->mac[5]);
			ctl_out_str(o, "mac", mac);
			ctl_out_str(o, "link", p->link_up ? "up" : "down");
			ctl_out_u64(o, "speed_mbps", p->link_speed);
			ctl_out_u64(o, "rx_queues", p->rx_queues);
			ctl_out_u64(o, "tx_queues", p->tx_queues);
		} else {
			ctl_out_u64(o, "sockets", p->rx_queues);
		}
		/* Which lcore (socket: worker) polls each queue. */
		ctl_out_obj_begin(o, ps->io == BOLT_PORT_IO_DPDK ? "queue" : "socket");
		for (unsigned q = 0; q < p->rx_queues; q++) {
			if (p->queue_lcore[q] == BOLT_PORT_NO_LCORE)
				continue;
			char qk[16];
			snprintf(qk, sizeof(qk), "%u", q);
			ctl_out_obj_begin(o, qk);
			ctl_out_u64(o, ps->io == BOLT_PORT_IO_DPDK ? "lcore" : "worker", p->queue_lcore[q]);
			ctl_out_obj_end(o);
		}
		ctl_out_obj_end(o);
		if (ps->io == BOLT_PORT_IO_DPDK)
			ctl_ports_counters(o, p, NULL);
		ctl_out_obj_end(o);
	}
	ctl_out_obj_end(o);
}
