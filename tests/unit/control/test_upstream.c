/*
 * Upstream query building, the RFC 5452 acceptance check, and real queries
 * over loopback: answers, forged answers, timeouts, ICMP errors, cancel.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "boltdns/errcode.h"
#include "boltdns/wire.h"
#include "net/upstream.h"

static void test_build_and_match(void **state)
{
	(void)state;
	uint8_t name[BOLT_NAME_MAX], upper[BOLT_NAME_MAX], other[BOLT_NAME_MAX];
	bolt_name_from_text("www.example.test.", name);
	bolt_name_from_text("WWW.Example.TEST.", upper);
	bolt_name_from_text("www.example.evil.", other);
	uint8_t q[512];
	int len = upq_build_query(q, sizeof(q), 0xbeef, name, BOLT_TYPE_A, BOLT_CLASS_IN, true, 1232);
	assert_true(len > 12);

	struct bolt_msg m;
	struct bolt_rr rrs[4];
	uint8_t scratch[1024];
	assert_int_equal(bolt_msg_parse(q, (size_t)len, &m, rrs, 4, scratch, sizeof(scratch)), 0);
	assert_int_equal(m.id, 0xbeef);
	assert_int_equal(m.flags & BOLT_FLAG_RD, 0);   /* iterative: no recursion desired */
	assert_true(m.has_edns);
	assert_int_equal(m.edns_udp_size, 1232);

	/* A response: same bytes with QR set, question in another case. */
	uint8_t r[512];
	struct bolt_build b;
	bolt_build_init(&b, r, sizeof(r), 0xbeef, BOLT_FLAG_QR | BOLT_FLAG_AA);
	bolt_build_question(&b, upper, (size_t)bolt_name_len(upper, 255), BOLT_TYPE_A, BOLT_CLASS_IN);
	int rl = bolt_build_finish(&b);
	assert_true(upq_response_matches(r, (size_t)rl, 0xbeef, name, BOLT_TYPE_A, BOLT_CLASS_IN));
	/* Wrong ID, type, class, name: rejected. */
	assert_false(upq_response_matches(r, (size_t)rl, 0xbeee, name, BOLT_TYPE_A, BOLT_CLASS_IN));
	assert_false(upq_response_matches(r, (size_t)rl, 0xbeef, name, BOLT_TYPE_AAAA, BOLT_CLASS_IN));
	assert_false(upq_response_matches(r, (size_t)rl, 0xbeef, name, BOLT_TYPE_A, 3));
	assert_false(upq_response_matches(r, (size_t)rl, 0xbeef, other, BOLT_TYPE_A, BOLT_CLASS_IN));
	/* Truncated or a query (QR clear): rejected. */
	assert_false(upq_response_matches(r, 11, 0xbeef, name, BOLT_TYPE_A, BOLT_CLASS_IN));
	assert_false(upq_response_matches(r, (size_t)rl - 2, 0xbeef, name, BOLT_TYPE_A, BOLT_CLASS_IN));
	assert_false(upq_response_matches(q, (size_t)len, 0xbeef, name, BOLT_TYPE_A, BOLT_CLASS_IN));

	/* FORMERR without a question is accepted (EDNS fallback), NOERROR is not. */
	uint8_t e[12] = { 0xbe, 0xef, 0x80, 0x01, 0, 0, 0, 0, 0, 0, 0, 0 };
	assert_true(upq_response_matches(e, sizeof(e), 0xbeef, name, BOLT_TYPE_A, BOLT_CLASS_IN));
	e[3] = 0x00;
	assert_false(upq_response_matches(e, sizeof(e), 0xbeef, name, BOLT_TYPE_A, BOLT_CLASS_IN));
}

/* ---- queries over loopback to a test server ---- */

struct result {
	int calls;
	int status;
	size_t len;
	uint8_t pkt[512];
};

static void on_done(void *arg, int status, const uint8_t *pkt, size_t len, uint32_t rtt_ms,
                    bool tcp)
{
	(void)rtt_ms;
	(void)tcp;
	struct result *r = arg;
	r->calls++;
	r->status = status;
	r->len = len;
	if (pkt != NULL && len <= sizeof(r->pkt))
		memcpy(r->pkt, pkt, len);
}

/* A UDP socket on 127.0.0.1 with a kernel-chosen port (returned in *port). */
static int server_socket(uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	socklen_t sl = sizeof(sa);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static struct infra_addr loopback(uint16_t port)
{
	struct infra_addr a;
	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	a.port = port;
	uint32_t lo = htonl(INADDR_LOOPBACK);
	memcpy(a.addr, &lo, 4);
	return a;
}

/* Receive one query at the server (waiting up to 2 s). */
static ssize_t server_recv(int fd, uint8_t *buf, size_t cap, struct sockaddr_in *from)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 2000), 1);
	socklen_t sl = sizeof(*from);
	return recvfrom(fd, buf, cap, 0, (struct sockaddr *)from, &sl);
}

/* Answer query q (len bytes) with QR set and ID id, to from. */
static void server_answer(int fd, const uint8_t *q, size_t len, uint16_t id,
                          const struct sockaddr_in *from)
{
	uint8_t r[512];
	memcpy(r, q, len);
	uint16_t be = htons(id);
	memcpy(r, &be, 2);
	r[2] |= 0x80;
	assert_int_equal(sendto(fd, r, len, 0, (const struct sockaddr *)from, sizeof(*from)),
	                 (ssize_t)len);
}

static struct upq_params params(const struct infra_addr *server, const uint8_t *qname)
{
	struct upq_params p = {
		.server = server,
		.qname = qname,
		.qtype = BOLT_TYPE_A,
		.qclass = BOLT_CLASS_IN,
		.edns = true,
		.edns_size = 1232,
		.timeout_ms = 2000,
	};
	return p;
}

/* A forged answer (wrong ID) is ignored; the real one is delivered. Two
 * queries in flight come from two different ports. */
static void test_udp_answer(void **state)
{
	(void)state;
	uv_loop_t loop;
	assert_int_equal(uv_loop_init(&loop), 0);
	uint16_t port;
	int sfd = server_socket(&port);
	struct infra_addr srv = loopback(port);
	uint8_t name[BOLT_NAME_MAX];
	bolt_name_from_text("www.example.test.", name);
	struct upq_params p = params(&srv, name);

	struct result r1 = { 0 }, r2 = { 0 };
	int err = 0;
	uint64_t mism = upq_counters.mismatched;
	assert_non_null(upq_send(&loop, &p, on_done, &r1, &err));
	assert_non_null(upq_send(&loop, &p, on_done, &r2, &err));
	assert_int_equal(r1.calls + r2.calls, 0);   /* never from inside upq_send */

	uint8_t q1[512], q2[512];
	struct sockaddr_in f1, f2;
	ssize_t l1 = server_recv(sfd, q1, sizeof(q1), &f1);
	ssize_t l2 = server_recv(sfd, q2, sizeof(q2), &f2);
	assert_true(l1 > 12 && l2 > 12);
	assert_int_not_equal(f1.sin_port, f2.sin_port);
	uint16_t id1 = (uint16_t)(q1[0] << 8 | q1[1]);
	uint16_t id2 = (uint16_t)(q2[0] << 8 | q2[1]);
	server_answer(sfd, q1, (size_t)l1, (uint16_t)(id1 + 1), &f1);
	server_answer(sfd, q1, (size_t)l1, id1, &f1);
	server_answer(sfd, q2, (size_t)l2, id2, &f2);
	uv_run(&loop, UV_RUN_DEFAULT);

	assert_int_equal(r1.calls, 1);
	assert_int_equal(r1.status, 0);
	assert_int_equal(r1.len, (size_t)l1);
	assert_int_equal(r1.pkt[0] << 8 | r1.pkt[1], id1);
	assert_int_equal(r2.calls, 1);
	assert_int_equal(r2.status, 0);
	assert_int_equal(upq_counters.mismatched - mism, 1);

	close(sfd);
	upq_shutdown(&loop);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

/* Silence: the callback reports a timeout; a closed port: an error. */
static void test_udp_timeout_and_refused(void **state)
{
	(void)state;
	uv_loop_t loop;
	assert_int_equal(uv_loop_init(&loop), 0);
	uint16_t port, dead_port;
	int sfd = server_socket(&port);
	int dfd = server_socket(&dead_port);
	close(dfd);
	struct infra_addr srv = loopback(port), dead = loopback(dead_port);
	uint8_t name[BOLT_NAME_MAX];
	bolt_name_from_text("example.test.", name);

	struct upq_params p = params(&srv, name);
	p.timeout_ms = 50;
	struct result rt = { 0 }, rr = { 0 };
	int err = 0;
	assert_non_null(upq_send(&loop, &p, on_done, &rt, &err));
	p.server = &dead;
	p.timeout_ms = 2000;
	assert_non_null(upq_send(&loop, &p, on_done, &rr, &err));
	uint64_t t0 = uv_now(&loop);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(rt.calls, 1);
	assert_int_equal(rt.status, BOLT_ETIMEOUT);
	assert_int_equal(rr.calls, 1);
	assert_int_equal(rr.status, -ECONNREFUSED);
	/* The refusal did not wait for the 2 s timeout. */
	assert_true(uv_now(&loop) - t0 < 1500);

	close(sfd);
	upq_shutdown(&loop);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

/* A cancelled query never calls back, even when its answer arrives. */
static void test_udp_cancel(void **state)
{
	(void)state;
	uv_loop_t loop;
	assert_int_equal(uv_loop_init(&loop), 0);
	uint16_t port;
	int sfd = server_socket(&port);
	struct infra_addr srv = loopback(port);
	uint8_t name[BOLT_NAME_MAX];
	bolt_name_from_text("example.test.", name);
	struct upq_params p = params(&srv, name);
	struct result r = { 0 }, keep = { 0 };
	int err = 0;
	struct upq *q = upq_send(&loop, &p, on_done, &r, &err);
	assert_non_null(q);
	assert_non_null(upq_send(&loop, &p, on_done, &keep, &err));
	uint8_t b1[512], b2[512];
	struct sockaddr_in f1, f2;
	ssize_t l1 = server_recv(sfd, b1, sizeof(b1), &f1);
	ssize_t l2 = server_recv(sfd, b2, sizeof(b2), &f2);
	assert_true(l1 > 12 && l2 > 12);
	server_answer(sfd, b1, (size_t)l1, (uint16_t)(b1[0] << 8 | b1[1]), &f1);
	upq_cancel(q);
	server_answer(sfd, b2, (size_t)l2, (uint16_t)(b2[0] << 8 | b2[1]), &f2);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(r.calls, 0);
	assert_int_equal(keep.calls, 1);
	assert_int_equal(keep.status, 0);

	close(sfd);
	upq_shutdown(&loop);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

/* Query IDs come from a getrandom() pool: bytes are never handed out twice
 * (two 64-byte draws equal would mean a repeat). */
static void test_random(void **state)
{
	(void)state;
	uint8_t a[64], b[64];
	assert_int_equal(upq_random(a, sizeof(a)), 0);
	assert_int_equal(upq_random(b, sizeof(b)), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	/* Across a refill of the pool. */
	uint8_t big[1500];
	assert_int_equal(upq_random(big, sizeof(big)), 0);
	assert_memory_not_equal(big, big + 512, 512);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_and_match),
		cmocka_unit_test(test_udp_answer),
		cmocka_unit_test(test_udp_timeout_and_refused),
		cmocka_unit_test(test_udp_cancel),
		cmocka_unit_test(test_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
