/*
 * The fixture of the dataplane burst processing tests (test_process*.c): a
 * real region and cache in /dev/shm, one worker on lcore 3, a burst of
 * packet slots, and the helpers that fill them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>
#include <unistd.h>
#include <sys/socket.h>

#include "process_fixture.h"

uint16_t get16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return be16toh(v);
}

int setup(void **state)
{
	static struct fixture fx;
	struct fixture *f = &fx;
	int err;
	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "/dev/shm/boltdns-ut-dp-%d", (int)getpid());
	struct bolt_region_params p = {
		.path = f->path, .size = 32u << 20, .shards = 0, .ring_slots = RING_SLOTS, .wipe = true,
	};
	f->r = bolt_region_create(&p, &err);
	if (!f->r) {
		fprintf(stderr, "region: %s\n", bolt_strerror(err));
		return -1;
	}
	static struct dp_worker w;
	f->w = &w;
	if (dp_worker_init(f->w, f->r, 3, 1232) != 0)
		return -1;
	*state = f;
	return 0;
}

int teardown(void **state)
{
	struct fixture *f = *state;
	bolt_region_detach(f->r);
	unlink(f->path);
	return 0;
}

/* Insert NAME A with n addresses 198.18.1.i, ttl, inserted at `when`. */
void put_a(struct fixture *f, const char *name, unsigned n, uint32_t ttl, uint32_t when,
                  bool do_bit)
{
	uint8_t msg[BUF], qname[BOLT_NAME_MAX];
	struct bolt_build b;
	int ql = bolt_name_from_text(name, qname);
	assert_true(ql > 0);
	assert_int_equal(bolt_build_init(&b, msg, sizeof(msg), 0,
	                                 BOLT_FLAG_QR | BOLT_FLAG_RD | BOLT_FLAG_RA), 0);
	assert_int_equal(bolt_build_question(&b, qname, (size_t)ql, BOLT_TYPE_A, BOLT_CLASS_IN), 0);
	for (unsigned i = 0; i < n; i++) {
		uint8_t rd[4] = { 198, 18, 1, (uint8_t)i };
		assert_int_equal(bolt_build_rr(&b, BOLT_SEC_ANSWER, qname, BOLT_TYPE_A, BOLT_CLASS_IN,
		                               ttl, rd, 4), 0);
	}
	int len = bolt_build_finish(&b);
	assert_true(len > 0);
	assert_int_equal(bolt_answer_insert(f->r->cache, msg, (size_t)len, b.ttl_off, b.nttl, do_bit,
	                                    when, ttl, BOLT_CACHE_POSITIVE), 0);
}

/* A query into pkts[i]; edns < 0: none. Returns its length. */
uint16_t mk_query(struct fixture *f, unsigned i, uint16_t id, const char *name,
                         uint16_t qtype, int edns, bool do_bit)
{
	uint8_t qname[BOLT_NAME_MAX];
	struct bolt_build b;
	int ql = bolt_name_from_text(name, qname);
	assert_true(ql > 0);
	assert_int_equal(bolt_build_init(&b, f->bufs[i], BUF, id, BOLT_FLAG_RD), 0);
	assert_int_equal(bolt_build_question(&b, qname, (size_t)ql, qtype, BOLT_CLASS_IN), 0);
	if (edns >= 0)
		assert_int_equal(bolt_build_opt(&b, (uint16_t)edns, 0, do_bit), 0);
	int len = bolt_build_finish(&b);
	assert_true(len > 0);
	f->pkts[i].dns = f->bufs[i];
	f->pkts[i].len = (uint16_t)len;
	f->pkts[i].cap = BUF;
	return (uint16_t)len;
}

void raw(struct fixture *f, unsigned i, const uint8_t *bytes, size_t len)
{
	memcpy(f->bufs[i], bytes, len);
	f->pkts[i].dns = f->bufs[i];
	f->pkts[i].len = (uint16_t)len;
	f->pkts[i].cap = BUF;
}

void expect_rcode(struct fixture *f, unsigned i, uint16_t id, unsigned rcode)
{
	assert_int_equal(f->pkts[i].verdict, DP_TX);
	const uint8_t *r = f->pkts[i].dns;
	assert_true(f->pkts[i].out_len >= 12);
	assert_int_equal(get16(r), id);
	assert_true(get16(r + 2) & BOLT_FLAG_QR);
	assert_int_equal(BOLT_RCODE(get16(r + 2)), rcode);
}

void set_client(struct fixture *f, unsigned i, const uint8_t *a4)
{
	f->pkts[i].family = AF_INET;
	f->pkts[i].client = a4;
}

/* Drain the miss ring of worker 3; returns the number of messages taken. */
unsigned drain(struct fixture *f)
{
	struct bolt_ring *ring = bolt_region_miss_ring(f->r, 3);
	unsigned n = 0;
	while (bolt_ring_peek(ring)) {
		bolt_ring_release(ring);
		n++;
	}
	return n;
}

void policy_off(struct fixture *f, unsigned n)
{
	dp_worker_fini(f->w);
	dp_worker_set_policy(f->w, NULL);
	for (unsigned i = 0; i < n; i++)
		f->pkts[i].client = NULL;
}
