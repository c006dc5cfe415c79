/*
 * libFuzzer target: the dataplane's specialised hit path (dataplane/
 * fastpath.c, a parser of whole frames) against the general one. The same
 * frames go through dp_burst_handle with the fast path on and off; the
 * actions, the frame bytes, the counters and the number of miss-ring
 * messages must agree (abort otherwise), and nothing may be read or
 * written out of bounds (ASan). The number of frames plus bits 4-5 of the
 * first byte choose a rate limit (1, none, 2 a second slipping every 2nd,
 * one never reached; the seed burst_rl: four hits from one client, 1 a
 * second): both paths start from empty buckets for the frames' clients and
 * must leave the same ones. The packet cache (dataplane/pktcache.h) is on,
 * emptied per input: the frames go through both paths twice, the second
 * time the fast path answering the queries it answered the first time
 * from the packet cache.
 *
 * Input: frames as for fuzz_dp_frame (a 2-byte big-endian length before
 * each, the last takes what is left); its seeds are this target's too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "boltdns/answer.h"
#include "boltdns/config.h"
#include "boltdns/region.h"
#include "boltdns/wire.h"
#include "burst.h"

#define ROOM 2048
#define MAX_FRAMES 8

static struct bolt_region *region;
static struct dp_worker worker;
static struct dp_burst_scratch scratch;
static struct dp_svc svc;
static char path[128];
static struct dp_policy pol;
static struct dp_rl_bucket rl_fast[MAX_FRAMES * 4];
static unsigned rl_idx[MAX_FRAMES * 4];

/* The rate-limit buckets a burst can count in: its frames' source addresses
 * as IPv4 and IPv6, untagged or behind one VLAN tag (dp_frame_parse), read
 * from the frames as received (the whole table is too slow to reset per
 * input). */
static unsigned rl_buckets(uint8_t (*bufs)[ROOM], unsigned n)
{
	unsigned k = 0;
	uint32_t tag;
	for (unsigned i = 0; i < n; i++)
		for (unsigned l3 = 14; l3 <= 18; l3 += 4) {
			rl_idx[k++] = dp_rl_bucket_of(&pol, AF_INET, bufs[i] + l3 + 12, &tag);
			rl_idx[k++] = dp_rl_bucket_of(&pol, AF_INET6, bufs[i] + l3 + 8, &tag);
		}
	return k;
}

static void rl_clear(unsigned k)
{
	for (unsigned i = 0; i < k; i++)
		memset(&pol.rl[rl_idx[i]], 0, sizeof(pol.rl[0]));
}

static void cleanup(void)
{
	if (region)
		bolt_region_detach(region);
	unlink(path);
}

static void put(const char *name, uint16_t type, const uint8_t *rdata, uint16_t rdlen,
                unsigned n, uint32_t ttl, uint32_t age, uint8_t status)
{
	uint8_t msg[4096], qname[BOLT_NAME_MAX];
	struct bolt_build b;
	int ql = bolt_name_from_text(name, qname);
	bolt_build_init(&b, msg, sizeof(msg), 0, BOLT_FLAG_QR | BOLT_FLAG_RA);
	bolt_build_question(&b, qname, (size_t)ql, type, BOLT_CLASS_IN);
	for (unsigned i = 0; i < n; i++)
		bolt_build_rr(&b, BOLT_SEC_ANSWER, qname, type, BOLT_CLASS_IN, ttl, rdata, rdlen);
	int len = bolt_build_finish(&b);
	for (int d = 0; d < 2; d++)
		if (len < 0 ||
		    bolt_answer_insert_status(region->cache, msg, (size_t)len, b.ttl_off, b.nttl, d,
		                              bolt_now() - age, ttl, BOLT_CACHE_POSITIVE, 0, status) < 0)
			abort();
}

static void init(void)
{
	int err;
	snprintf(path, sizeof(path), "/dev/shm/boltdns-fuzz-dpfast-%d", (int)getpid());
	struct bolt_region_params p = {
		.path = path, .size = 32u << 20, .ring_slots = 64, .wipe = true,
	};
	region = bolt_region_create(&p, &err);
	if (!region || dp_worker_init(&worker, region, 0, 1232) != 0) {
		fprintf(stderr, "region %s: %s\n", path, bolt_strerror(err));
		abort();
	}
	atexit(cleanup);
	static const uint8_t a[4] = { 198, 18, 0, 53 };
	static const uint8_t aaaa[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x53 };
	put("a.example.", BOLT_TYPE_A, a, 4, 1, 300, 0, BOLT_SEC_UNCHECKED);
	put("A.", BOLT_TYPE_A, a, 4, 2, 300, 100, BOLT_SEC_SECURE);
	put("big.example.", BOLT_TYPE_A, a, 4, 120, 300, 280, BOLT_SEC_UNCHECKED);
	put("a.example.", BOLT_TYPE_AAAA, aaaa, 16, 1, 300, 400, BOLT_SEC_UNCHECKED);
	memset(&svc, 0, sizeof(svc));
	svc.dns_port = 53;
	static const uint8_t v4[4] = { 198, 18, 0, 1 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	memcpy(svc.v4[svc.n4++], v4, 4);
	memcpy(svc.v6[svc.n6++], v6, 16);
	memcpy(svc.mac, "\x02\x00\x00\x00\x00\x01", 6);
	static struct bolt_config cfg;
	bolt_config_defaults(&cfg);
	cfg.nallow = 2;
	if (bolt_prefix_parse("0.0.0.0/0", &cfg.allow[0]) != 0 ||
	    bolt_prefix_parse("::/0", &cfg.allow[1]) != 0)
		abort();
	cfg.rl_slip = 2;
	/* a small packet cache: emptied per input (dp_worker_set_policy) */
	cfg.dp_pkc_slots = 64;
	dp_policy_from_config(&pol, &cfg);
	if (dp_pkc_init(&worker.pkc, 64) != 0)
		abort();
}

static unsigned drain(void)
{
	unsigned n = 0;
	for (unsigned v = 0; v < worker.nrw; v++)
		while (bolt_ring_peek(worker.miss_ring[v])) {
			bolt_ring_release(worker.miss_ring[v]);
			n++;
		}
	return n;
}

static void run(uint8_t (*bufs)[ROOM], struct dp_frame_pkt *f, const uint16_t *len, unsigned n,
                bool fast_off, const struct dp_port_ctx *pc, struct bolt_lcore_stats *delta,
                unsigned *msgs)
{
	struct bolt_lcore_stats before = *worker.st;
	for (unsigned i = 0; i < n; i++) {
		f[i].data = bufs[i];
		f[i].len = len[i];
		f[i].room = ROOM;
		f[i].out_len = 0;
	}
	memset(worker.pf, 0, sizeof(worker.pf));
	worker.fast_off = fast_off;
	dp_burst_handle(&worker, &scratch, pc, f, n);
	const uint64_t *a = (const uint64_t *)(const void *)&before;
	const uint64_t *b = (const uint64_t *)(const void *)worker.st;
	uint64_t *d = (uint64_t *)(void *)delta;
	for (size_t i = 0; i < sizeof(*delta) / 8; i++)
		d[i] = b[i] - a[i];
	*msgs = drain();
}

static uint8_t ba[MAX_FRAMES][ROOM], bb[MAX_FRAMES][ROOM], orig[MAX_FRAMES][ROOM];

/* ba (fast path on) and bb (off) through both paths, compared (abort on a
 * difference); false when the clock's second changed meanwhile. */
static bool compare(unsigned n, const uint16_t *len, struct dp_frame_pkt *fa,
                    struct dp_frame_pkt *fb, const struct dp_port_ctx *pc, unsigned nrl)
{
	struct bolt_lcore_stats da, db;
	unsigned ma, mb;
	uint32_t t0 = bolt_now();
	rl_clear(nrl);
	run(ba, fa, len, n, false, pc, &da, &ma);
	for (unsigned i = 0; i < nrl; i++)
		memcpy(&rl_fast[i], &pol.rl[rl_idx[i]], sizeof(rl_fast[0]));
	rl_clear(nrl);
	run(bb, fb, len, n, true, pc, &db, &mb);
	if (bolt_now() != t0)
		return false;
	for (unsigned i = 0; i < nrl; i++)
		if (memcmp(&rl_fast[i], &pol.rl[rl_idx[i]], sizeof(rl_fast[0])) != 0)
			abort();
	for (unsigned i = 0; i < n; i++) {
		if (fa[i].action != fb[i].action || fa[i].len != fb[i].len)
			abort();
		if (fa[i].action == DP_ACT_TX) {
			if (fa[i].out_len != fb[i].out_len || fa[i].family != fb[i].family ||
			    fa[i].out_len > ROOM || memcmp(ba[i], bb[i], fa[i].out_len) != 0)
				abort();
		} else if (memcmp(ba[i], bb[i], fa[i].len) != 0) {
			abort();
		}
	}
	/* the packet cache's answers are the fast path's own counter: the
	 * general path's is 0, the fast path's at most its hits */
	if (db.pkc_hits != 0 || da.pkc_hits > da.hits)
		abort();
	da.pkc_hits = 0;
	if (memcmp(&da, &db, sizeof(da)) != 0 || ma != mb)
		abort();
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_frame_pkt fa[MAX_FRAMES], fb[MAX_FRAMES];
	uint16_t len[MAX_FRAMES];
	unsigned n = 0;

	if (!region)
		init();
	uint8_t knobs = size > 0 ? data[0] : 0;
	while (size > 0 && n < MAX_FRAMES) {
		size_t l = size;
		if (size >= 2 && n + 1 < MAX_FRAMES) {
			size_t want = ((size_t)data[0] << 8) | data[1];
			data += 2;
			size -= 2;
			l = want < size ? want : size;
		}
		if (l > ROOM)
			l = ROOM;
		memset(ba[n], 0xa5, ROOM);
		memcpy(ba[n], data, l);
		memcpy(bb[n], ba[n], ROOM);
		len[n] = (uint16_t)l;
		n++;
		data += l;
		size -= l;
	}
	struct dp_port_ctx pc = { .svc = &svc, .ol_ip = (knobs & 1) != 0,
	                          .ol_udp = (knobs & 2) != 0, .have_exc = (knobs & 4) != 0 };
	worker.udp_max = (knobs & 8) ? 512 : 1232;
	static const unsigned rates[4] = { 1, 0, 2, 1000000 };
	unsigned rate = rates[((knobs >> 4) + n) & 3];
	pol.rl_rate = rate;
	dp_worker_set_policy(&worker, rate ? &pol : NULL);
	unsigned nrl = rate ? rl_buckets(ba, n) : 0;
	/* Twice: the second pass's identical queries answered from the
	 * packet cache the first one filled. */
	memcpy(orig, ba, sizeof(orig[0]) * n);
	for (unsigned pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			memcpy(ba, orig, sizeof(orig[0]) * n);
			memcpy(bb, orig, sizeof(orig[0]) * n);
		}
		if (!compare(n, len, fa, fb, &pc, nrl))
			return 0;       /* a second passed: TTLs may differ */
	}
	return 0;
}
