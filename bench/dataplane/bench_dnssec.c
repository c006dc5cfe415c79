/*
 * Dataplane hit path with DNSSEC-sized answers, in memory (no NIC), the
 * harness of bench_fastpath.c: pre-built Ethernet/IPv4/UDP query frames
 * through dp_burst_handle, 32 a burst, one core, against a cache in a
 * /dev/shm region, every query a hit. Per name two entries: DO=0 (two A
 * records, as today) and DO=1 (the same two A records and one RRSIG with a
 * 64-byte ECDSA P-256 signature, as a signed zone's answer is), both
 * inserted as secure when the headers have a security status (so DO=1
 * answers get AD), plainly otherwise (the same source builds against
 * commits from before the status, for before/after figures).
 *
 *   do0-hit  - EDNS queries with DO=0 (the answer without DNSSEC records)
 *   do1-hit  - EDNS queries with DO=1 (RRSIG in the answer, AD)
 *   do1-cd   - DO=1 and CD=1 (same entries; CD echoed)
 * Reports Mpps and ns per packet of thread CPU time; asserts nothing.
 *
 *   bench_dp_dnssec [SECONDS_PER_MODE] [NAMES] [MODES]
 * MODES: comma-separated subset of the labels above (default: all).
 */
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "boltdns/answer.h"
#include "boltdns/region.h"
#include "boltdns/wire.h"
#include "burst.h"

#define NFRAMES 4096
#define BURST 32
#define HEADROOM 128
#define ROOM 2048

static uint8_t (*bufs)[HEADROOM + ROOM];
static uint8_t (*tpl)[256];
static uint16_t tpl_len[NFRAMES];
static struct dp_frame_pkt fp[NFRAMES];

static const uint8_t SVC4[4] = { 198, 18, 0, 1 };
static const uint8_t CLI4[4] = { 198, 18, 0, 2 };

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void put16(uint8_t *p, uint16_t v)
{
	v = htobe16(v);
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, 4);
}

static size_t mk_frame(uint8_t *b, const char *name, uint16_t id, uint16_t flags, bool do_bit)
{
	uint8_t qname[BOLT_NAME_MAX];
	struct bolt_build bb;
	uint8_t *dns = b + 42;
	int ql = bolt_name_from_text(name, qname);
	bolt_build_init(&bb, dns, 200, id, flags);
	bolt_build_question(&bb, qname, (size_t)ql, BOLT_TYPE_A, BOLT_CLASS_IN);
	bolt_build_opt(&bb, 1232, 0, do_bit);
	int dl = bolt_build_finish(&bb);
	memcpy(b, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00", 14);
	uint8_t *ip = b + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(28 + dl));
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, CLI4, 4);
	memcpy(ip + 16, SVC4, 4);
	uint8_t *u = ip + 20;
	put16(u, (uint16_t)(1024 + id % 60000));
	put16(u + 2, 53);
	put16(u + 4, (uint16_t)(8 + dl));
	put16(u + 6, 0);
	return 42 + (size_t)dl;
}

/* name A x2, and for do_bit the RRSIG, cached under do_bit. */
static void put_a(struct bolt_region *r, const char *name, bool do_bit)
{
	uint8_t msg[1024], qname[BOLT_NAME_MAX], signer[BOLT_NAME_MAX], rd[256];
	struct bolt_build b;
	int ql = bolt_name_from_text(name, qname);
	int sl = bolt_name_from_text("bench.example.", signer);
	bolt_build_init(&b, msg, sizeof(msg), 0, BOLT_FLAG_QR | BOLT_FLAG_RD | BOLT_FLAG_RA);
	bolt_build_question(&b, qname, (size_t)ql, BOLT_TYPE_A, BOLT_CLASS_IN);
	for (uint8_t i = 1; i <= 2; i++) {
		uint8_t a[4] = { 198, 18, 7, i };
		bolt_build_rr(&b, BOLT_SEC_ANSWER, qname, BOLT_TYPE_A, BOLT_CLASS_IN, 3600, a, 4);
	}
	if (do_bit) {
		memset(rd, 0, sizeof(rd));
		put16(rd, BOLT_TYPE_A);
		rd[2] = 13;
		rd[3] = 3;
		put32(rd + 4, 3600);
		put32(rd + 8, bolt_now() + 86400);
		put32(rd + 12, bolt_now() - 86400);
		put16(rd + 16, 12345);
		memcpy(rd + 18, signer, (size_t)sl);
		memset(rd + 18 + sl, 0x5a, 64);
		bolt_build_rr(&b, BOLT_SEC_ANSWER, qname, BOLT_TYPE_RRSIG, BOLT_CLASS_IN, 3600, rd,
		              (uint16_t)(18 + sl + 64));
	}
	int len = bolt_build_finish(&b);
#ifdef BOLT_CACHE_HAS_SEC_STATUS
	bolt_answer_insert_status(r->cache, msg, (size_t)len, b.ttl_off, b.nttl, do_bit, bolt_now(),
	                          3600, BOLT_CACHE_POSITIVE, 0, BOLT_SEC_SECURE);
#else
	bolt_answer_insert(r->cache, msg, (size_t)len, b.ttl_off, b.nttl, do_bit, bolt_now(), 3600,
	                   BOLT_CACHE_POSITIVE);
#endif
}

static inline void restore(unsigned first)
{
	for (unsigned i = first; i < first + BURST; i++) {
		memcpy(fp[i].data, tpl[i], tpl_len[i]);
		fp[i].len = tpl_len[i];
	}
}

static const char *only;

static void frames(unsigned names, uint16_t flags, bool do_bit)
{
	char name[64];
	for (unsigned i = 0; i < NFRAMES; i++) {
		unsigned n = (unsigned)(((uint64_t)i * 2654435761u) % names);
		snprintf(name, sizeof(name), "host%u.bench.example.", n);
		tpl_len[i] = (uint16_t)mk_frame(tpl[i], name, (uint16_t)i, flags, do_bit);
	}
}

static void run(const char *label, double secs, struct dp_worker *w,
                struct dp_burst_scratch *s, const struct dp_port_ctx *pc)
{
	uint64_t pkts = 0, tx = 0, hits0 = w->st->hits, bytes = 0;
	double t0 = clock_s(CLOCK_THREAD_CPUTIME_ID), t1;
	do {
		for (unsigned rep = 0; rep < 64; rep++) {
			for (unsigned first = 0; first < NFRAMES; first += BURST) {
				restore(first);
				tx += dp_burst_handle(w, s, pc, fp + first, BURST);
				pkts += BURST;
			}
		}
		t1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	} while (t1 - t0 < secs);
	for (unsigned i = 0; i < NFRAMES; i++)
		bytes += fp[i].out_len;
	double el = t1 - t0;
	printf("%-8s %8.2f Mpps  %7.1f ns/pkt  (%llu packets, %llu answered, %llu hits, "
	       "%.0f B/response, %.2f s CPU)\n", label, (double)pkts / el / 1e6,
	       el * 1e9 / (double)pkts, (unsigned long long)pkts, (unsigned long long)tx,
	       (unsigned long long)(w->st->hits - hits0), (double)bytes / NFRAMES, el);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	unsigned names = argc > 2 ? (unsigned)atoi(argv[2]) : 100000;
	char path[128], name[64];
	int err;

	only = argc > 3 ? argv[3] : NULL;
	if (names == 0)
		names = 1;
	snprintf(path, sizeof(path), "/dev/shm/boltdns-bench-dpsec-%d", (int)getpid());
	struct bolt_region_params p = { .path = path, .size = 512u << 20, .ring_slots = 4096,
	                                .wipe = true };
	struct bolt_region *r = bolt_region_create(&p, &err);
	if (!r) {
		fprintf(stderr, "region: %s\n", bolt_strerror(err));
		return 1;
	}
	static struct dp_worker w;
	static struct dp_burst_scratch s;
	dp_worker_init(&w, r, 0, 1232);

	bufs = aligned_alloc(64, sizeof(*bufs) * NFRAMES);
	tpl = aligned_alloc(64, sizeof(*tpl) * NFRAMES);
	if (!bufs || !tpl)
		return 1;
	for (unsigned i = 0; i < names; i++) {
		snprintf(name, sizeof(name), "host%u.bench.example.", i);
		put_a(r, name, false);
		put_a(r, name, true);
	}
	for (unsigned i = 0; i < NFRAMES; i++) {
		fp[i].data = bufs[i] + HEADROOM;
		fp[i].room = ROOM;
	}

	struct dp_svc svc;
	memset(&svc, 0, sizeof(svc));
	svc.dns_port = 53;
	memcpy(svc.v4[svc.n4++], SVC4, 4);
	struct dp_port_ctx pc = { .svc = &svc };

	struct bolt_cache_stats cs;
	bolt_cache_get_stats(r->cache, &cs);
	printf("dataplane DNSSEC hits, 1 core, bursts of %d, %u frames in rotation, %llu entries "
	       "(%u names x DO=0/1), status %s\n", BURST, NFRAMES, (unsigned long long)cs.entries,
	       names,
#ifdef BOLT_CACHE_HAS_SEC_STATUS
	       "secure"
#else
	       "none (before the status)"
#endif
	       );
	static const struct {
		const char *label;
		uint16_t flags;
		bool do_bit;
	} modes[] = {
		{ "do0-hit", BOLT_FLAG_RD, false },
		{ "do1-hit", BOLT_FLAG_RD, true },
		{ "do1-cd", BOLT_FLAG_RD | BOLT_FLAG_CD, true },
	};
	for (unsigned m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		if (only && !strstr(only, modes[m].label))
			continue;
		frames(names, modes[m].flags, modes[m].do_bit);
		run(modes[m].label, secs, &w, &s, &pc);
	}

	bolt_region_detach(r);
	unlink(path);
	free(bufs);
	free(tpl);
	return 0;
}
