/*
 * dnstap hooks of boltdns-cp (tap.h): waiters, ring messages and sampled
 * dataplane hits turned into struct dnstap_msg.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "boltdns/edgeinfo.h"
#include "boltdns/errcode.h"
#include "boltdns/wire.h"
#include "boltdns/wire_ctx.h"
#include "cp.h"
#include "ctl/ctl.h"
#include "dnstap/dnstap.h"
#include "log.h"
#include "net/upstream.h"
#include "serve.h"
#include "tap.h"
#include "tap_policy.h"

int tap_start(struct cp *cp, const struct bolt_config *cfg)
{
	cp->tap = NULL;
	if (cfg->dnstap_socket[0] == '\0' && cfg->dnstap_file[0] == '\0')
		return 0;
	/* Resolver workers other than the first write FILE.N: one Frame
	 * Streams file has one writer. (A socket takes every worker's
	 * connection, each its own stream.) */
	char file[sizeof(cfg->dnstap_file) + 16];
	if (cp->worker > 0 && cfg->dnstap_file[0] != '\0')
		snprintf(file, sizeof(file), "%s.%u", cfg->dnstap_file, cp->worker);
	else
		snprintf(file, sizeof(file), "%s", cfg->dnstap_file);
	struct dnstap_opts o = {
		.socket_path = cfg->dnstap_socket,
		.file_path = file,
		.queue = cfg->dnstap_queue,
		.identity = cfg->dnstap_identity,
		.version = cfg->dnstap_version,
	};
	if (cfg->dnstap_client_query)
		o.types |= DNSTAP_BIT(DNSTAP_CLIENT_QUERY);
	if (cfg->dnstap_client_response)
		o.types |= DNSTAP_BIT(DNSTAP_CLIENT_RESPONSE);
	/* A forward zone's queries (RD=1) are the forwarder kind of the same */
	if (cfg->dnstap_resolver_query)
		o.types |= DNSTAP_BIT(DNSTAP_RESOLVER_QUERY) | DNSTAP_BIT(DNSTAP_FORWARDER_QUERY);
	if (cfg->dnstap_resolver_response)
		o.types |= DNSTAP_BIT(DNSTAP_RESOLVER_RESPONSE) | DNSTAP_BIT(DNSTAP_FORWARDER_RESPONSE);
	int err = 0;
	cp->tap = dnstap_open(&o, &err);
	if (cp->tap == NULL) {
		cp_log(CP_LOG_ERR, "dnstap: cannot start: %s", bolt_strerror(err));
		return err;
	}
	upq_set_tap(cp->tap);
	cp_log(CP_LOG_NOTICE, "dnstap: logging to %s %s (sample %u)",
	       cfg->dnstap_socket[0] != '\0' ? "socket" : "file",
	       cfg->dnstap_socket[0] != '\0' ? cfg->dnstap_socket : file,
	       cfg->dnstap_sample);
	return 0;
}

void tap_stop(struct cp *cp)
{
	upq_set_tap(NULL);
	dnstap_close(cp->tap);
	cp->tap = NULL;
}

/* The client and server ends of w's transport. */
static void peer_of(const struct waiter *w, struct dnstap_msg *m)
{
	const struct bolt_client *c = &w->client;
	m->proto = w->stream ? DNSTAP_TCP : DNSTAP_UDP;
	if (w->edge == BOLT_EDGE_DOT) {
		m->proto = DNSTAP_DOT;
	} else if (w->edge == BOLT_EDGE_DOH) {
		m->proto = DNSTAP_DOH;
		m->http = DNSTAP_HTTP2;  /* boltdns-edge speaks HTTP/2 only */
	}
	if (c->family != AF_INET && c->family != AF_INET6)
		return;
	m->family = c->family;
	m->query_addr = c->client_addr;
	m->query_port = ntohs(c->client_port);
	m->response_addr = c->server_addr;
	m->response_port = ntohs(c->server_port);
}

/* The query as the ring carries it: header, question, OPT (no options). */
static size_t rebuild_query(const struct waiter *w, uint8_t *buf, size_t cap)
{
	size_t ql = w->q.question_len;
	if (BOLT_HDR_LEN + ql + 11 > cap)
		return 0;
	memset(buf, 0, BOLT_HDR_LEN);
	bolt_wire_put_u16(buf, w->q.id);
	bolt_wire_put_u16(buf + 2, w->q.flags);
	bolt_wire_put_u16(buf + 4, 1);
	bolt_wire_put_u16(buf + 10, w->q.has_edns ? 1 : 0);
	memcpy(buf + BOLT_HDR_LEN, w->question, ql);
	size_t n = BOLT_HDR_LEN + ql;
	if (w->q.has_edns) {
		uint8_t *o = buf + n;
		o[0] = 0;
		bolt_wire_put_u16(o + 1, BOLT_TYPE_OPT);
		bolt_wire_put_u16(o + 3, w->q.edns_udp_size);
		o[5] = 0;  /* extended rcode */
		o[6] = 0;  /* version */
		bolt_wire_put_u16(o + 7, w->q.do_bit ? 0x8000 : 0);
		bolt_wire_put_u16(o + 9, 0);
		n += 11;
	}
	return n;
}

void tap_client_query(struct cp *cp, struct waiter *w, const uint8_t *msg, size_t len)
{
	if (!dnstap_wants(cp->tap, DNSTAP_CLIENT_QUERY) &&
	    !dnstap_wants(cp->tap, DNSTAP_CLIENT_RESPONSE))
		return;
	w->tap_ns = dnstap_now_ns();
	if (!dnstap_wants(cp->tap, DNSTAP_CLIENT_QUERY))
		return;
	uint8_t buf[BOLT_HDR_LEN + BOLT_MISS_QUESTION_MAX + 11];
	if (msg == NULL) {
		len = rebuild_query(w, buf, sizeof(buf));
		msg = len > 0 ? buf : NULL;
	}
	struct dnstap_msg m = {
		.type = DNSTAP_CLIENT_QUERY,
		.query_ns = w->tap_ns,
		.query = msg,
		.query_len = len,
	};
	peer_of(w, &m);
	dnstap_log(cp->tap, &m);
}

void tap_client_response(struct cp *cp, const struct waiter *w, const uint8_t *msg, size_t len)
{
	if (msg == NULL || !dnstap_wants(cp->tap, DNSTAP_CLIENT_RESPONSE))
		return;
	struct dnstap_msg m = {
		.type = DNSTAP_CLIENT_RESPONSE,
		.query_ns = w->tap_ns,
		.response_ns = dnstap_now_ns(),
		.response = msg,
		.response_len = len,
	};
	peer_of(w, &m);
	struct dnstap_policy pol;
	const struct tap_policy *tp = cp->tap_policy;
	/* TCP-only does nothing to a stream client: it gets the real answer */
	if (tp != NULL && tp->action == DNSTAP_ACTION_TRUNCATE && w->stream)
		tp = NULL;
	if (tp != NULL && tp->action != 0) {
		pol = (struct dnstap_policy){
			.type = "RPZ",
			.rule = tp->rule_len > 0 ? tp->rule : NULL,
			.rule_len = tp->rule_len,
			.action = (enum dnstap_policy_action)tp->action,
			.match = (enum dnstap_policy_match)tp->match,
			.value = tp->value_len > 0 ? tp->value : NULL,
			.value_len = tp->value_len,
		};
		m.policy = &pol;
	}
	dnstap_log(cp->tap, &m);
}

/* A sampled hit's waiter: its response is logged, never sent. */
static void sample_deliver(const struct waiter *w, const uint8_t *msg, size_t len)
{
	tap_client_response(w->ctx, w, msg, len);
}

static const struct waiter_ops sample_ops = { .deliver = sample_deliver };

void tap_dp_hit(struct cp *cp, struct waiter *w, const struct pkey *key)
{
	cp->ctr.dnstap_samples++;
	if (cp->tap == NULL)
		return;
	tap_client_query(cp, w, NULL, 0);
	if (!dnstap_wants(cp->tap, DNSTAP_CLIENT_RESPONSE))
		return;
	w->ops = &sample_ops;
	w->ctx = cp;
	if (!serve_from_cache(cp, key, w))
		cp->ctr.dnstap_samples_gone++;
}

void tap_report(const struct cp *cp, struct bolt_ctl_sink *k)
{
	if (cp->tap == NULL)
		return;
	struct dnstap_stats st;
	dnstap_get_stats(cp->tap, &st);
	bolt_ctl_sink_counter(k, "dnstap_messages", "dnstap messages logged", st.messages);
	bolt_ctl_sink_counter(k, "dnstap_written", "dnstap frames written to the collector",
	                      st.written);
	bolt_ctl_sink_counter(k, "dnstap_drop_full",
	                      "dnstap frames dropped: queue full (collector too slow)", st.drop_full);
	bolt_ctl_sink_counter(k, "dnstap_drop_output",
	                      "dnstap frames dropped: output closed or failed (collector gone)",
	                      st.drop_output + st.drop_encode);
	bolt_ctl_sink_counter(k, "dnstap_reconnects", "dnstap outputs opened", st.reconnects);
	bolt_ctl_sink_gauge(k, "dnstap_connected", "1 while the dnstap output is open",
	                    st.connected ? 1 : 0);
	bolt_ctl_sink_counter(k, "dnstap_samples", "Sampled dataplane hits received",
	                      cp->ctr.dnstap_samples);
}

void tap_write_stats(const struct cp *cp, FILE *f)
{
	if (cp->tap == NULL)
		return;
	struct dnstap_stats st;
	dnstap_get_stats(cp->tap, &st);
#define W(name, v) fprintf(f, "%s %llu\n", name, (unsigned long long)(v))
	W("dnstap_messages", st.messages);
	W("dnstap_written", st.written);
	W("dnstap_drop_full", st.drop_full);
	W("dnstap_drop_output", st.drop_output + st.drop_encode);
	W("dnstap_queued", st.queued);
	W("dnstap_reconnects", st.reconnects);
	W("dnstap_connected", st.connected ? 1 : 0);
	W("dnstap_samples", cp->ctr.dnstap_samples);
	W("dnstap_samples_gone", cp->ctr.dnstap_samples_gone);
#undef W
}
