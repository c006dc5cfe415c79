/*
 * dnstap hooks of the control plane (control/tap.c) through the ring
 * service, offline, logging to a Frame Streams file read back with fstrm's
 * reader: a miss answered from the cache gives CLIENT_QUERY and
 * CLIENT_RESPONSE with the client's address and port; a sampled dataplane
 * hit gives both, its response rebuilt from the cache, and answers nobody;
 * a sample whose entry is gone gives the query alone; a prefetch hint,
 * which has no client, gives nothing.
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
#include <unistd.h>

#include <fstrm.h>

#include "boltdns/answer.h"
#include "boltdns/config.h"
#include "boltdns/region.h"
#include "cp.h"
#include "dnstap.pb-c.h"
#include "ringsvc.h"
#include "tap.h"

static struct bolt_config cfg;
static struct cp cp;
static struct bolt_region *region;
static char rpath[128], tpath[128];

static void put(const uint8_t *qname, int ql)
{
	uint8_t msg[512];
	static const uint8_t a[4] = { 192, 0, 2, 1 };
	struct bolt_build b;
	bolt_build_init(&b, msg, sizeof(msg), 0, BOLT_FLAG_QR | BOLT_FLAG_RA);
	bolt_build_question(&b, qname, (size_t)ql, BOLT_TYPE_A, BOLT_CLASS_IN);
	bolt_build_rr(&b, BOLT_SEC_ANSWER, qname, BOLT_TYPE_A, BOLT_CLASS_IN, 300, a, 4);
	int len = bolt_build_finish(&b);
	assert_true(len > 0);
	assert_int_equal(bolt_answer_insert(region->cache, msg, (size_t)len, b.ttl_off, b.nttl,
	                                    false, bolt_now(), 300, BOLT_CACHE_POSITIVE), 0);
}

static int setup(void **state)
{
	(void)state;
	bolt_config_defaults(&cfg);
	snprintf(tpath, sizeof(tpath), "/tmp/test_cp_tap.%d.fstrm", (int)getpid());
	snprintf(cfg.dnstap_file, sizeof(cfg.dnstap_file), "%s", tpath);
	cfg.dnstap_sample = 1;
	snprintf(cfg.dnstap_identity, sizeof(cfg.dnstap_identity), "unit");
	cp.cfg = &cfg;
	cp.loop = uv_default_loop();
	cp.offline = true;
	cp.upstream_port = 53;
	char err[256];
	if (hints_parse(". NS a.root.test.\na.root.test. A 198.18.1.1\n", "hints", 53, &cp.hints,
	                err, sizeof(err)) != 0)
		return -1;
	cp.infra = infra_new(64);
	if (cp.infra == NULL || pend_init(&cp.pend, 16, 4) != 0 || ring_svc_start(&cp) != 0)
		return -1;
	snprintf(rpath, sizeof(rpath), "/dev/shm/boltdns-ut-cp-tap-%d", (int)getpid());
	struct bolt_region_params p = { .path = rpath, .size = 32u << 20, .ring_slots = 16,
	                                .wipe = true };
	int e = 0;
	region = bolt_region_create(&p, &e);
	if (region == NULL)
		return -1;
	cp.region = region;
	return tap_start(&cp, &cfg);
}

static int teardown(void **state)
{
	(void)state;
	bolt_region_detach(region);
	unlink(rpath);
	unlink(tpath);
	return 0;
}

static void miss(uint16_t flags, uint16_t id, const uint8_t *qname, int ql, uint16_t port)
{
	struct bolt_miss_msg m;
	memset(&m, 0, sizeof(m));
	if (flags != BOLT_MISS_F_PREFETCH) {
		m.client.family = AF_INET;
		m.client.client_port = htons(port);
		m.client.server_port = htons(53);
		memcpy(m.client.client_addr, "\xc0\x00\x02\x07", 4);
		memcpy(m.client.server_addr, "\x7f\x00\x00\x01", 4);
		m.id = id;
		m.qflags = BOLT_FLAG_RD;
		m.has_edns = 1;
		m.edns_udp_size = 1232;
	}
	m.qtype = BOLT_TYPE_A;
	m.qclass = BOLT_CLASS_IN;
	m.flags = flags;
	m.received = bolt_now();
	memcpy(m.question, qname, (size_t)ql);
	m.question[ql + 1] = BOLT_TYPE_A;
	m.question[ql + 3] = BOLT_CLASS_IN;
	m.question_len = (uint16_t)(ql + 4);
	ring_handle_miss(&cp, 0, &m);
}

/* What the file holds, one line a message: "TYPE PORT ID RCODE ANCOUNT". */
static unsigned read_back(char lines[][64], unsigned max)
{
	struct fstrm_file_options *fo = fstrm_file_options_init();
	fstrm_file_options_set_file_path(fo, tpath);
	struct fstrm_reader *r = fstrm_file_reader_init(fo, NULL);
	fstrm_file_options_destroy(&fo);
	assert_non_null(r);
	assert_int_equal(fstrm_reader_open(r), fstrm_res_success);
	const uint8_t *data;
	size_t len;
	unsigned n = 0;
	while (n < max && fstrm_reader_read(r, &data, &len) == fstrm_res_success) {
		Dnstap__Dnstap *d = dnstap__dnstap__unpack(NULL, len, data);
		assert_non_null(d);
		const Dnstap__Message *m = d->message;
		assert_memory_equal(d->identity.data, "unit", 4);
		const ProtobufCBinaryData *msg = m->has_response_message ? &m->response_message
		                                                         : &m->query_message;
		assert_true(msg->len >= 12);
		snprintf(lines[n++], 64, "%s %u %u %d %u",
		         m->type == DNSTAP__MESSAGE__TYPE__CLIENT_QUERY ? "CQ"
		         : m->type == DNSTAP__MESSAGE__TYPE__CLIENT_RESPONSE ? "CR" : "other",
		         m->has_query_port ? m->query_port : 0,
		         (unsigned)(msg->data[0] << 8 | msg->data[1]),
		         m->has_response_message ? msg->data[3] & 0xf : -1,
		         (unsigned)(msg->data[6] << 8 | msg->data[7]));
		dnstap__dnstap__free_unpacked(d, NULL);
	}
	fstrm_reader_destroy(&r);
	return n;
}

static void test_hooks(void **state)
{
	(void)state;
	uint8_t cached[BOLT_NAME_MAX], gone[BOLT_NAME_MAX];
	int cl = bolt_name_from_text("a.example.", cached);
	int gl = bolt_name_from_text("gone.example.", gone);
	put(cached, cl);
	struct bolt_ring *ans = bolt_region_answer_ring(region, 0);

	/* A prefetch hint: no client, nothing logged (and nothing resolved
	 * offline but a failure nobody waits for). */
	miss(BOLT_MISS_F_PREFETCH, 0, cached, cl, 0);
	/* A miss answered from the cache: one answer on the ring. */
	miss(0, 0x1111, cached, cl, 4001);
	assert_non_null(bolt_ring_peek(ans));
	bolt_ring_release(ans);
	/* A sampled hit: logged, nobody answered. */
	miss(BOLT_MISS_F_TAP, 0x2222, cached, cl, 4002);
	assert_null(bolt_ring_peek(ans));
	/* A sampled hit whose entry is not in the cache. */
	miss(BOLT_MISS_F_TAP, 0x3333, gone, gl, 4003);
	assert_null(bolt_ring_peek(ans));
	assert_int_equal(cp.ctr.dnstap_samples, 2);
	assert_int_equal(cp.ctr.dnstap_samples_gone, 1);
	/* At once: a writer that had not opened its file yet still writes
	 * what was queued before it stops. */
	tap_stop(&cp);

	char lines[16][64];
	unsigned n = read_back(lines, 16);
	for (unsigned i = 0; i < n; i++)
		fprintf(stderr, "# %s\n", lines[i]);
	assert_int_equal(n, 5);
	assert_string_equal(lines[0], "CQ 4001 4369 -1 0");  /* 0x1111 */
	assert_string_equal(lines[1], "CR 4001 4369 0 1");   /* NOERROR, 1 answer */
	assert_string_equal(lines[2], "CQ 4002 8738 -1 0");  /* 0x2222 */
	assert_string_equal(lines[3], "CR 4002 8738 0 1");   /* rebuilt from the cache */
	assert_string_equal(lines[4], "CQ 4003 13107 -1 0"); /* 0x3333: query alone */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hooks),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
