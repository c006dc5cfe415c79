/*
 * libFuzzer target: whole Ethernet frames in, response frame or drop out,
 * through the dataplane's burst handler (dataplane/burst.c: frame parser,
 * DNS pipeline, cache lookups, response builder) against a cache pre-filled
 * in a /dev/shm region.
 *
 * Input: one or more frames, each prefixed by a 2-byte big-endian length
 * (the last takes what is left), so bursts of mixed frames are explored.
 * Checks: a response never exceeds the buffer, a DNS response frame parses
 * back as UDP from the port, misses land on the ring. An ACL and a rate
 * limit are configured so that their paths are explored too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static void cleanup(void)
{
	if (region)
		bolt_region_detach(region);
	unlink(path);
}

static void put(const char *name, uint16_t type, const uint8_t *rdata, uint16_t rdlen,
                unsigned n, uint32_t ttl)
{
	uint8_t msg[4096], qname[BOLT_NAME_MAX];
	struct bolt_build b;
	int ql = bolt_name_from_text(name, qname);
	bolt_build_init(&b, msg, sizeof(msg), 0, BOLT_FLAG_QR | BOLT_FLAG_RA);
	bolt_build_question(&b, qname, (size_t)ql, type, BOLT_CLASS_IN);
	for (unsigned i = 0; i < n; i++)
		bolt_build_rr(&b, BOLT_SEC_ANSWER, qname, type, BOLT_CLASS_IN, ttl, rdata, rdlen);
	int len = bolt_build_finish(&b);
	if (len < 0 || bolt_answer_insert(region->cache, msg, (size_t)len, b.ttl_off, b.nttl, false,
	                                  bolt_now(), ttl, BOLT_CACHE_POSITIVE) < 0)
		abort();
}

static void init(void)
{
	int err;
	snprintf(path, sizeof(path), "/dev/shm/boltdns-fuzz-dp-%d", (int)getpid());
	struct bolt_region_params p = {
		.path = path, .size = 32u << 20, .ring_slots = 16, .wipe = true,
	};
	region = bolt_region_create(&p, &err);
	if (!region || dp_worker_init(&worker, region, 0, 1232) != 0) {
		fprintf(stderr, "region %s: %s\n", path, bolt_strerror(err));
		abort();
	}
	atexit(cleanup);
	static const uint8_t a[4] = { 198, 18, 0, 53 };
	static const uint8_t aaaa[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x53 };
	put("a.example.", BOLT_TYPE_A, a, 4, 1, 300);
	put("A.", BOLT_TYPE_A, a, 4, 2, 300);
	put("big.example.", BOLT_TYPE_A, a, 4, 120, 300);     /* TC territory */
	put("a.example.", BOLT_TYPE_AAAA, aaaa, 16, 1, 300);
	memset(&svc, 0, sizeof(svc));
	svc.dns_port = 53;
	static const uint8_t v4[4] = { 198, 18, 0, 1 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	memcpy(svc.v4[svc.n4++], v4, 4);
	memcpy(svc.v6[svc.n6++], v6, 16);
	memcpy(svc.mac, "\x02\x00\x00\x00\x00\x01", 6);

	/* An ACL and a low rate limit, so both paths are explored. */
	static struct dp_policy pol;
	static struct bolt_config cfg;
	bolt_config_defaults(&cfg);
	cfg.nallow = 2;
	bolt_prefix_parse("198.18.0.0/16", &cfg.allow[0]);
	bolt_prefix_parse("2001:db8::/48", &cfg.allow[1]);
	cfg.rl_rate = 50;
	cfg.rl_slip = 3;
	dp_policy_from_config(&pol, &cfg);
	if (dp_worker_set_policy(&worker, &pol) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t bufs[MAX_FRAMES][ROOM];
	struct dp_frame_pkt f[MAX_FRAMES];
	unsigned n = 0;

	if (!region)
		init();
	while (size > 0 && n < MAX_FRAMES) {
		size_t len = size;
		if (size >= 2 && n + 1 < MAX_FRAMES) {
			size_t want = ((size_t)data[0] << 8) | data[1];
			data += 2;
			size -= 2;
			len = want < size ? want : size;
		}
		if (len > ROOM)
			len = ROOM;
		/* Exactly len bytes valid, then uninitialised-looking filler, so
		 * reads past the frame show up as wrong answers or ASan reports. */
		memset(bufs[n], 0xa5, ROOM);
		memcpy(bufs[n], data, len);
		f[n].data = bufs[n];
		f[n].len = (uint16_t)len;
		f[n].room = ROOM;
		n++;
		data += len;
		size -= len;
	}
	struct dp_port_ctx pc = { .svc = &svc, .have_exc = (n & 1) != 0, .queue = 0 };
	dp_burst_handle(&worker, &scratch, &pc, f, n);
	for (unsigned i = 0; i < n; i++) {
		if (f[i].action != DP_ACT_TX)
			continue;
		if (f[i].out_len > ROOM || f[i].out_len < DP_ETH_HLEN)
			abort();
		if (f[i].family) {
			/* A DNS response must read back as UDP from port 53. */
			struct dp_svc any = svc;
			struct dp_frame fr;
			any.any_addr = true;
			any.dns_port = 0;
			int kind = dp_frame_parse(f[i].data, f[i].out_len, &any, &fr);
			if (kind != DP_FRAME_OTHER && kind != DP_FRAME_DNS)
				abort();
		}
	}
	/* Keep the ring from filling up for good (both paths get exercised). */
	struct bolt_ring *ring = bolt_region_miss_ring(region, 0);
	if (bolt_ring_count(ring) >= 12)
		while (bolt_ring_peek(ring))
			bolt_ring_release(ring);
	return 0;
}
