/*
 * dnstap (control/dnstap): a message encoded and decoded back with
 * protobuf-c's code for the schema; frames written to a Frame Streams file
 * and read back with fstrm's reader; a collector that is not there: every
 * frame is counted as dropped and logging returns at once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <fstrm.h>

#include "dnstap.h"
#include "dnstap.pb-c.h"

/* A query for www.example.com A with RD. */
static const uint8_t query[] = {
	0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
	3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
	0, 1, 0, 1,
};

static void fill(struct dnstap_msg *m, enum dnstap_type type, const uint8_t *cli,
                 const uint8_t *srv)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->proto = DNSTAP_UDP;
	m->family = AF_INET;
	m->query_addr = cli;
	m->query_port = 40000;
	m->response_addr = srv;
	m->response_port = 53;
	m->query_ns = 1700000000ull * 1000000000u + 123456789u;
	m->query = query;
	m->query_len = sizeof(query);
}

static void test_encode_decode(void **state)
{
	(void)state;
	const uint8_t cli[4] = { 192, 0, 2, 7 }, srv[4] = { 198, 18, 0, 1 };
	struct dnstap_msg m;
	fill(&m, DNSTAP_CLIENT_RESPONSE, cli, srv);
	uint8_t resp[sizeof(query)];
	memcpy(resp, query, sizeof(query));
	resp[2] |= 0x80;
	resp[3] = 0x83; /* RA, NXDOMAIN */
	m.response = resp;
	m.response_len = sizeof(resp);
	m.response_ns = m.query_ns + 5000;
	static const uint8_t zone[] = "\7example\3com";
	m.zone = zone;
	m.zone_len = sizeof(zone);

	uint8_t *buf = NULL;
	size_t len = 0;
	assert_int_equal(dnstap_encode(&m, "resolver-1", "boltdns-test", &buf, &len), 0);
	Dnstap__Dnstap *d = dnstap__dnstap__unpack(NULL, len, buf);
	assert_non_null(d);
	assert_int_equal(d->type, DNSTAP__DNSTAP__TYPE__MESSAGE);
	assert_true(d->has_identity);
	assert_memory_equal(d->identity.data, "resolver-1", 10);
	assert_true(d->has_version);
	assert_int_equal(d->version.len, 12);
	Dnstap__Message *dm = d->message;
	assert_non_null(dm);
	assert_int_equal(dm->type, DNSTAP__MESSAGE__TYPE__CLIENT_RESPONSE);
	assert_int_equal(dm->socket_family, DNSTAP__SOCKET_FAMILY__INET);
	assert_int_equal(dm->socket_protocol, DNSTAP__SOCKET_PROTOCOL__UDP);
	assert_int_equal(dm->query_address.len, 4);
	assert_memory_equal(dm->query_address.data, cli, 4);
	assert_memory_equal(dm->response_address.data, srv, 4);
	assert_int_equal(dm->query_port, 40000);
	assert_int_equal(dm->response_port, 53);
	assert_int_equal(dm->query_time_sec, 1700000000u);
	assert_int_equal(dm->query_time_nsec, 123456789u);
	assert_int_equal(dm->response_time_nsec, 123461789u);
	assert_int_equal(dm->query_message.len, sizeof(query));
	assert_memory_equal(dm->query_message.data, query, sizeof(query));
	assert_int_equal(dm->response_message.len, sizeof(resp));
	assert_int_equal(dm->response_message.data[3] & 0xf, 3);
	assert_true(dm->has_query_zone);
	assert_int_equal(dm->query_zone.len, sizeof(zone));
	dnstap__dnstap__free_unpacked(d, NULL);
	free(buf);

	/* IPv6, no response, no identity: absent fields stay absent. */
	uint8_t c6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, s6[16] = { 0xfd, [15] = 53 };
	fill(&m, DNSTAP_RESOLVER_QUERY, c6, s6);
	m.family = AF_INET6;
	m.proto = DNSTAP_TCP;
	m.query_port = 0;
	assert_int_equal(dnstap_encode(&m, NULL, NULL, &buf, &len), 0);
	d = dnstap__dnstap__unpack(NULL, len, buf);
	assert_non_null(d);
	assert_false(d->has_identity);
	assert_int_equal(d->message->type, DNSTAP__MESSAGE__TYPE__RESOLVER_QUERY);
	assert_int_equal(d->message->socket_family, DNSTAP__SOCKET_FAMILY__INET6);
	assert_int_equal(d->message->socket_protocol, DNSTAP__SOCKET_PROTOCOL__TCP);
	assert_int_equal(d->message->query_address.len, 16);
	assert_false(d->message->has_query_port);
	assert_false(d->message->has_response_message);
	dnstap__dnstap__free_unpacked(d, NULL);
	free(buf);

	/* a forward zone's query */
	m.type = DNSTAP_FORWARDER_QUERY;
	assert_int_equal(dnstap_encode(&m, NULL, NULL, &buf, &len), 0);
	d = dnstap__dnstap__unpack(NULL, len, buf);
	assert_non_null(d);
	assert_int_equal(d->message->type, DNSTAP__MESSAGE__TYPE__FORWARDER_QUERY);
	dnstap__dnstap__free_unpacked(d, NULL);
	free(buf);

	/* DoH over HTTP/2 with an RPZ policy: every field of Policy */
	static const uint8_t rule[] = "\003bad\003rpz\004test";
	static const uint8_t value[] = "\003bad";
	struct dnstap_policy pol = {
		.type = "RPZ",
		.rule = rule,
		.rule_len = sizeof(rule),
		.action = DNSTAP_ACTION_NXDOMAIN,
		.match = DNSTAP_MATCH_QNAME,
		.value = value,
		.value_len = sizeof(value),
	};
	m.type = DNSTAP_CLIENT_RESPONSE;
	m.proto = DNSTAP_DOH;
	m.http = DNSTAP_HTTP2;
	m.policy = &pol;
	assert_int_equal(dnstap_encode(&m, NULL, NULL, &buf, &len), 0);
	d = dnstap__dnstap__unpack(NULL, len, buf);
	assert_non_null(d);
	const Dnstap__Message *pm = d->message;
	assert_int_equal(pm->socket_protocol, DNSTAP__SOCKET_PROTOCOL__DOH);
	assert_true(pm->has_http_protocol);
	assert_int_equal(pm->http_protocol, DNSTAP__HTTP_PROTOCOL__HTTP2);
	assert_non_null(pm->policy);
	assert_string_equal(pm->policy->type, "RPZ");
	assert_true(pm->policy->has_rule && pm->policy->has_value);
	assert_memory_equal(pm->policy->rule.data, rule, sizeof(rule));
	assert_memory_equal(pm->policy->value.data, value, sizeof(value));
	assert_int_equal(pm->policy->action, DNSTAP__POLICY__ACTION__NXDOMAIN);
	assert_int_equal(pm->policy->match, DNSTAP__POLICY__MATCH__QNAME);
	dnstap__dnstap__free_unpacked(d, NULL);
	free(buf);
	/* no policy, not HTTP: both left out */
	m.policy = NULL;
	m.http = DNSTAP_HTTP_NONE;
	m.proto = DNSTAP_DOT;
	assert_int_equal(dnstap_encode(&m, NULL, NULL, &buf, &len), 0);
	d = dnstap__dnstap__unpack(NULL, len, buf);
	assert_non_null(d);
	assert_int_equal(d->message->socket_protocol, DNSTAP__SOCKET_PROTOCOL__DOT);
	assert_null(d->message->policy);
	assert_false(d->message->has_http_protocol);
	dnstap__dnstap__free_unpacked(d, NULL);
	free(buf);

	m.family = 99;
	assert_int_equal(dnstap_encode(&m, NULL, NULL, &buf, &len), -22);
}

/* Frames written to a file come back with fstrm's reader, in order, with
 * the dnstap content type; types not wanted are not written. */
static void test_file_roundtrip(void **state)
{
	(void)state;
	char path[] = "/tmp/test_dnstap.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	struct dnstap_opts o = {
		.file_path = path,
		.types = DNSTAP_BIT(DNSTAP_CLIENT_QUERY) | DNSTAP_BIT(DNSTAP_RESOLVER_RESPONSE),
		.queue = 64,
		.identity = "unit",
	};
	int err = 0;
	struct dnstap *t = dnstap_open(&o, &err);
	assert_non_null(t);
	assert_true(dnstap_wants(t, DNSTAP_CLIENT_QUERY));
	assert_false(dnstap_wants(t, DNSTAP_CLIENT_RESPONSE));
	const uint8_t a[4] = { 127, 0, 0, 1 };
	struct dnstap_msg m;
	unsigned logged = 0;
	for (unsigned i = 0; i < 40; i++) {
		fill(&m, i % 2 ? DNSTAP_CLIENT_RESPONSE : DNSTAP_CLIENT_QUERY, a, a);
		m.query_port = (uint16_t)(1000 + i);
		dnstap_log(t, &m);
		logged += i % 2 == 0;
		if (i % 8 == 7)
			usleep(20000); /* the queue holds 64: let the writer keep up */
	}
	struct dnstap_stats st;
	for (int i = 0; i < 200; i++) {
		dnstap_get_stats(t, &st);
		if (st.written + st.drop_full + st.drop_output == logged)
			break;
		usleep(10000);
	}
	assert_int_equal(st.messages, logged);
	assert_int_equal(st.written, logged);
	assert_int_equal(st.drop_full + st.drop_output, 0);
	dnstap_close(t);

	struct fstrm_file_options *fo = fstrm_file_options_init();
	fstrm_file_options_set_file_path(fo, path);
	struct fstrm_reader *r = fstrm_file_reader_init(fo, NULL);
	fstrm_file_options_destroy(&fo);
	assert_non_null(r);
	assert_int_equal(fstrm_reader_open(r), fstrm_res_success);
	const struct fstrm_control *ctl = NULL;
	assert_int_equal(fstrm_reader_get_control(r, FSTRM_CONTROL_START, &ctl), fstrm_res_success);
	const uint8_t *ct;
	size_t ctlen;
	assert_int_equal(fstrm_control_get_field_content_type(ctl, 0, &ct, &ctlen), fstrm_res_success);
	assert_int_equal(ctlen, strlen("protobuf:dnstap.Dnstap"));
	assert_memory_equal(ct, "protobuf:dnstap.Dnstap", ctlen);
	unsigned n = 0;
	const uint8_t *data;
	size_t dlen;
	while (fstrm_reader_read(r, &data, &dlen) == fstrm_res_success) {
		Dnstap__Dnstap *d = dnstap__dnstap__unpack(NULL, dlen, data);
		assert_non_null(d);
		assert_int_equal(d->message->type, DNSTAP__MESSAGE__TYPE__CLIENT_QUERY);
		assert_int_equal(d->message->query_port, 1000 + 2 * n);
		dnstap__dnstap__free_unpacked(d, NULL);
		n++;
	}
	assert_int_equal(n, logged);
	fstrm_reader_destroy(&r);
	unlink(path);
}

/* No collector: nothing listens on the socket. Logging returns at once and
 * every frame is counted dropped, by the full queue or the closed output. */
static void test_no_collector(void **state)
{
	(void)state;
	char path[64];
	snprintf(path, sizeof(path), "/tmp/test_dnstap_none.%d.sock", (int)getpid());
	unlink(path);
	struct dnstap_opts o = {
		.socket_path = path,
		.types = DNSTAP_BIT(DNSTAP_CLIENT_QUERY),
		.queue = 16,
	};
	int err = 0;
	struct dnstap *t = dnstap_open(&o, &err);
	assert_non_null(t);
	const uint8_t a[4] = { 127, 0, 0, 1 };
	struct dnstap_msg m;
	fill(&m, DNSTAP_CLIENT_QUERY, a, a);
	for (unsigned i = 0; i < 1000; i++)
		dnstap_log(t, &m);
	struct dnstap_stats st;
	for (int i = 0; i < 200; i++) {
		dnstap_get_stats(t, &st);
		if (st.queued == 0)
			break;
		usleep(10000);
	}
	assert_int_equal(st.messages, 1000);
	assert_int_equal(st.written, 0);
	assert_int_equal(st.drop_full + st.drop_output, 1000);
	assert_true(st.drop_full > 0);
	assert_false(st.connected);
	dnstap_close(t);
}

/* A collector that accepts connections (the kernel's backlog) and never
 * answers the handshake: the writer thread blocks in it, frames past the
 * queue are dropped, and closing still returns (the thread is cancelled). */
static void test_stuck_collector(void **state)
{
	(void)state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/test_dnstap_stuck.%d.sock", (int)getpid());
	unlink(sa.sun_path);
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 8), 0);
	struct dnstap_opts o = {
		.socket_path = sa.sun_path,
		.types = DNSTAP_BIT(DNSTAP_CLIENT_QUERY),
		.queue = 16,
	};
	int err = 0;
	struct dnstap *t = dnstap_open(&o, &err);
	assert_non_null(t);
	usleep(100000); /* the thread connects and waits for ACCEPT */
	const uint8_t a[4] = { 127, 0, 0, 1 };
	struct dnstap_msg m;
	fill(&m, DNSTAP_CLIENT_QUERY, a, a);
	for (unsigned i = 0; i < 100; i++)
		dnstap_log(t, &m);
	struct dnstap_stats st;
	dnstap_get_stats(t, &st);
	assert_int_equal(st.written, 0);
	assert_int_equal(st.drop_full, 100 - 16);
	assert_int_equal(st.queued, 16);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	dnstap_close(t);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* about STOP_WAIT_MS; generous for a loaded machine */
	assert_true(t1.tv_sec - t0.tv_sec < 10);
	close(lfd);
	unlink(sa.sun_path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_decode),
		cmocka_unit_test(test_file_roundtrip),
		cmocka_unit_test(test_no_collector),
		cmocka_unit_test(test_stuck_collector),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
