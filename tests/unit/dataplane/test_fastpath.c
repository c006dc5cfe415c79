/*
 * The specialised hit path (dataplane/fastpath.c) against the general one:
 * the same bursts of frames through dp_burst_handle with the fast path on
 * and off (w->fast_off) must give the same actions, the same frame bytes,
 * the same counters and the same messages on the miss rings (misses and
 * prefetch hints). Random and edge-case frames over a cache of answers of
 * 1-3 A records inserted at different times (TTLs aged, expired, in their
 * last 10 %), secure / bogus / static / NXDOMAIN / EDE entries and large
 * ones (TC); queries of random case with and without EDNS, random UDP
 * sizes, DO / CD / AD / RD, versions, options, broken lengths, VLAN, IPv6,
 * other ports; IPv4 and IPv6; checksum offload on and off; an ACL that
 * denies some clients;
 * a rate limit, high (never limiting) and low (many limited responses from
 * a few prefixes, dropped and slipped), the rate-limit table the same after
 * both paths. With the packet cache (dataplane/pktcache.h) on: repeated
 * queries, the clock stepping, entries replaced, deleted and flushed
 * between identical queries, a small table (test_pkc_vs_general,
 * test_pkc_changes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>
#include <unistd.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "boltdns/answer.h"
#include "boltdns/config.h"
#include "boltdns/region.h"
#include "boltdns/wire.h"
#include "burst.h"
#include "fastpath.h"

#define ROOM 2048
#define NB 32
#define NNAMES 48
#define NBOUND 36      /* TXT answers of sizes around 512 and 1232 */

#define TEST_RNG_SEED 0x2545f4914f6cdd1dull
#include "test_rng.h"

static void put16(uint8_t *p, uint16_t v)
{
	v = htobe16(v);
	memcpy(p, &v, 2);
}

static char path[128];
static struct bolt_region *reg;
static struct dp_worker w;
static struct dp_burst_scratch scr;
static struct dp_svc svc;
static char names[NNAMES + NBOUND][64];
static const uint8_t SVC4[4] = { 198, 18, 0, 1 };

/* An answer for names[i] of type A: n records (TTL ttl), inserted at `when`,
 * of kind / status, with an EDE option when ede. */
static void put_answer(unsigned i, unsigned n, uint32_t ttl, uint32_t when, uint8_t kind,
                       uint8_t status, bool ede, bool do_bit)
{
	uint8_t msg[4096], qname[BOLT_NAME_MAX];
	struct bolt_build b;
	int ql = bolt_name_from_text(names[i], qname);
	assert_true(ql > 0);
	uint16_t flags = BOLT_FLAG_QR | BOLT_FLAG_RA |
	                 (kind == BOLT_CACHE_NXDOMAIN ? BOLT_RCODE_NXDOMAIN : 0);
	assert_int_equal(bolt_build_init(&b, msg, sizeof(msg), 0, flags), 0);
	assert_int_equal(bolt_build_question(&b, qname, (size_t)ql, BOLT_TYPE_A, BOLT_CLASS_IN), 0);
	for (unsigned r = 0; kind != BOLT_CACHE_NXDOMAIN && r < n; r++) {
		uint8_t rd[4] = { 198, 18, (uint8_t)i, (uint8_t)r };
		assert_int_equal(bolt_build_rr(&b, BOLT_SEC_ANSWER, qname, BOLT_TYPE_A, BOLT_CLASS_IN,
		                               ttl - r, rd, 4), 0);
	}
	int len = bolt_build_finish(&b);
	assert_true(len > 0);
	uint8_t ede_len = 0;
	if (ede) {
		int e = bolt_answer_put_ede(msg + len, sizeof(msg) - (size_t)len, 3, "stale");
		assert_true(e > 0);
		len += e;
		ede_len = (uint8_t)e;
	}
	assert_int_equal(bolt_answer_insert_status(reg->cache, msg, (size_t)len, b.ttl_off, b.nttl,
	                                           do_bit, when, ttl, kind, ede_len, status), 0);
}

/* The entry of names[i] (i < NNAMES - 8) as of `now`, of the kind its
 * index gives (and its DO=1 twin for even i); var != 0 makes its records
 * differ (other TTL and count: a replaced entry). */
static void fill_one(unsigned i, uint32_t now, unsigned var)
{
	unsigned n = 1 + (i + var) % 3;
	uint8_t kind = BOLT_CACHE_POSITIVE, status = BOLT_SEC_UNCHECKED;
	uint32_t ttl = 300 + i + var, when = now - i * 7;
	bool ede = false;
	switch (i % 12) {
	case 3: status = BOLT_SEC_SECURE; break;
	case 4: kind = BOLT_CACHE_STATIC; ttl = BOLT_CACHE_EXPIRES_NEVER; break;
	case 5: kind = BOLT_CACHE_NXDOMAIN; break;
	case 6: when = now - 1000; break;             /* expired */
	case 7: ede = true; break;
	case 8: when = now - 280 - i; break;           /* last 10 %: a hint */
	case 9: n = 120; break;                        /* TC at 1232 */
	case 10: status = BOLT_SEC_SECURE; n = 30; break; /* fits 1232, not 512 */
	case 11: ttl = 5; when = now - 4; break;       /* TTL ages to 1 or 0 */
	default: break;
	}
	if (kind == BOLT_CACHE_STATIC)
		when = now;
	put_answer(i, n, ttl, when, kind, status, ede, false);
	/* the DO=1 twin, sometimes */
	if (i % 2 == 0)
		put_answer(i, n, ttl, when, kind, status, ede, true);
}

/* Every entry of the test as of `now`. */
static void fill_all(uint32_t now)
{
	/* The last eight names stay uncached: misses. */
	for (unsigned i = 0; i < NNAMES - 8; i++)
		fill_one(i, now, 0);
	/* TXT answers whose response (with an OPT) is 506..517 and 1226..1237
	 * bytes, and without one 506..517: either side of the UDP limits. */
	for (unsigned k = 0; k < NBOUND; k++) {
		uint8_t m[2048], qn[BOLT_NAME_MAX], rdata[1500];
		struct bolt_build bb;
		int qn_len = bolt_name_from_text(names[NNAMES + k], qn);
		size_t total = (k < 12 ? 512u : k < 24 ? 1232u : 523u) + k % 12 - 6;
		size_t rdlen = total - 11 - 12 - ((size_t)qn_len + 4) - 12;
		memset(rdata, 'x', sizeof(rdata));
		bolt_build_init(&bb, m, sizeof(m), 0, BOLT_FLAG_QR | BOLT_FLAG_RA);
		bolt_build_question(&bb, qn, (size_t)qn_len, BOLT_TYPE_TXT, BOLT_CLASS_IN);
		assert_int_equal(bolt_build_rr(&bb, BOLT_SEC_ANSWER, qn, BOLT_TYPE_TXT, BOLT_CLASS_IN,
		                               600, rdata, (uint16_t)rdlen), 0);
		int ml = bolt_build_finish(&bb);
		assert_true(ml > 0);
		assert_int_equal((size_t)ml + 11, total);
		assert_int_equal(bolt_answer_insert(reg->cache, m, (size_t)ml, bb.ttl_off, bb.nttl, false,
		                                    now, 600, BOLT_CACHE_POSITIVE), 0);
	}
	/* A bogus answer: SERVFAIL for CD=0, the data for CD=1. */
	uint8_t msg[512], qname[BOLT_NAME_MAX];
	struct bolt_build b;
	int ql = bolt_name_from_text(names[1], qname);
	bolt_build_init(&b, msg, sizeof(msg), 0, BOLT_FLAG_QR | BOLT_FLAG_RA);
	bolt_build_question(&b, qname, (size_t)ql, BOLT_TYPE_AAAA, BOLT_CLASS_IN);
	uint8_t rd[16] = { 0x20, 0x01 };
	bolt_build_rr(&b, BOLT_SEC_ANSWER, qname, BOLT_TYPE_AAAA, BOLT_CLASS_IN, 300, rd, 16);
	int len = bolt_build_finish(&b);
	assert_int_equal(bolt_answer_insert_bogus(reg->cache, msg, (size_t)len, b.ttl_off, b.nttl,
	                                          false, now, 300, BOLT_CACHE_POSITIVE, 60, 0, NULL),
	                 0);
}

static int setup(void **state)
{
	(void)state;
	int err;
	snprintf(path, sizeof(path), "/dev/shm/boltdns-ut-fastpath-%d", (int)getpid());
	struct bolt_region_params p = { .path = path, .size = 32u << 20, .ring_slots = 256,
	                                .wipe = true };
	reg = bolt_region_create(&p, &err);
	if (!reg) {
		fprintf(stderr, "region %s: %s\n", path, bolt_strerror(err));
		return -1;
	}
	if (dp_worker_init(&w, reg, 0, 1232) != 0)
		return -1;
	memset(&svc, 0, sizeof(svc));
	svc.dns_port = 53;
	memcpy(svc.v4[svc.n4++], SVC4, 4);
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	memcpy(svc.v6[svc.n6++], v6, 16);

	for (unsigned i = 0; i < NNAMES; i++) {
		/* names of every length class: short, >= 16 bytes (SSE), long */
		unsigned pad = i % 3 == 0 ? 0 : i % 3 == 1 ? 12 : 40;
		snprintf(names[i], sizeof(names[i]), "h%u%.*s.fast.example.", i, (int)pad,
		         "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz");
	}
	for (unsigned k = 0; k < NBOUND; k++)
		snprintf(names[NNAMES + k], sizeof(names[0]), "b%u.fast.example.", k);
	fill_all(bolt_now());
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	bolt_region_detach(reg);
	unlink(path);
	return 0;
}

/* Name text -> wire with random case. */
static int wire_name(const char *text, uint8_t *out)
{
	int n = bolt_name_from_text(text, out);
	for (int i = 0; i < n; i++)
		if (out[i] >= 'a' && out[i] <= 'z' && rnd(2))
			out[i] = (uint8_t)(out[i] - 32);
	return n;
}

/* A random frame into b (ROOM bytes); returns its length. Mostly the
 * common query; one in four something else. */
static size_t mk_frame(uint8_t *b)
{
	uint8_t *dns = b + 42;
	size_t dl = 12;
	unsigned odd = rnd(4) == 0 ? 1 + rnd(17) : 0;

	memset(b, 0, ROOM);
	put16(dns, (uint16_t)rnd(65536));
	uint16_t flags = 0;
	if (rnd(4))
		flags |= BOLT_FLAG_RD;
	if (rnd(3) == 0)
		flags |= BOLT_FLAG_CD;
	if (rnd(4) == 0)
		flags |= BOLT_FLAG_AD;
	if (odd == 1)
		flags |= BOLT_FLAG_QR;
	if (odd == 2)
		flags |= 4 << 11;       /* NOTIFY */
	if (rnd(16) == 0)
		flags |= (uint16_t)rnd(16) | 0x0040; /* rcode bits, Z */
	put16(dns + 2, flags);
	put16(dns + 4, odd == 3 ? 2 : 1);
	unsigned ni = rnd(NNAMES + NBOUND);
	int ql = wire_name(names[ni], dns + dl);
	if (odd == 4)
		dns[dl] = 0xc0;         /* a pointer */
	dl += (size_t)ql;
	uint16_t qtype = ni >= NNAMES ? BOLT_TYPE_TXT : rnd(10) == 0 ? BOLT_TYPE_AAAA : BOLT_TYPE_A;
	put16(dns + dl, qtype);
	put16(dns + dl + 2, odd == 5 ? 3 : BOLT_CLASS_IN);
	dl += 4;
	bool edns = rnd(4) != 0 || odd == 6 || odd == 7 || odd == 8;
	if (edns) {
		uint8_t *o = dns + dl;
		o[0] = odd == 9 ? 1 : 0;
		put16(o + 1, odd == 10 ? BOLT_TYPE_A : BOLT_TYPE_OPT);
		static const uint16_t sizes[] = { 0, 1, 500, 511, 512, 513, 1000, 1231, 1232, 1233,
		                                  4096, 65535 };
		put16(o + 3, sizes[rnd(12)]);
		o[5] = rnd(8) == 0 ? (uint8_t)rnd(256) : 0;      /* extended rcode */
		o[6] = odd == 6 ? 1 : 0;                         /* version */
		o[7] = rnd(2) ? 0x80 : 0;                        /* DO */
		o[8] = rnd(8) == 0 ? (uint8_t)rnd(256) : 0;      /* Z */
		o[7] |= rnd(8) == 0 ? (uint8_t)rnd(128) : 0;
		dl += 11;
		if (odd == 7 || odd == 8) {
			/* a COOKIE (odd 8: a malformed one), growing the RDATA */
			unsigned cl = odd == 7 ? 8 : 5;
			put16(dns + dl, 10);
			put16(dns + dl + 2, (uint16_t)cl);
			for (unsigned i = 0; i < cl; i++)
				dns[dl + 4 + i] = (uint8_t)rnd(256);
			put16(o + 9, (uint16_t)(4 + cl));
			dl += 4 + cl;
		}
	}
	put16(dns + 10, edns ? 1 : 0);
	if (odd == 11)
		dns[dl++] = 0;          /* trailing byte */
	if (odd == 12)
		dl -= 1 + rnd(3);       /* cut short */

	memcpy(b, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00", 14);
	uint8_t *ip = b + 14;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(28 + dl));
	put16(ip + 4, (uint16_t)rnd(65536));
	ip[8] = (uint8_t)(1 + rnd(255));
	ip[9] = 17;
	put16(ip + 10, (uint16_t)rnd(65536));   /* not checked by either path */
	uint8_t cli[4] = { rnd(8) == 0 ? 10 : 198, 18, (uint8_t)rnd(4), (uint8_t)(2 + rnd(200)) };
	memcpy(ip + 12, cli, 4);
	memcpy(ip + 16, SVC4, 4);
	if (odd == 13)
		ip[19] = 9;             /* not our address */
	uint8_t *u = ip + 20;
	put16(u, (uint16_t)(1024 + rnd(60000)));
	put16(u + 2, odd == 14 ? 54 : 53);
	put16(u + 4, (uint16_t)(8 + dl));
	put16(u + 6, (uint16_t)rnd(65536));
	size_t len = 42 + dl;
	if (odd == 15) {
		/* Ethernet padding behind the IP packet */
		len += 1 + rnd(20);
		memset(b + 42 + dl, 0xa5, len - 42 - dl);
	}
	if (odd == 16) {
		/* IPv4 options */
		ip[0] = 0x46;
	}
	if (rnd(3) == 0) {
		/* the same as IPv6: the UDP header and payload 20 bytes on */
		size_t l4len = len - 34;
		memmove(b + 54, b + 34, l4len);
		put16(b + 12, 0x86dd);
		memset(ip, 0, 40);
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)(8 + dl));
		ip[6] = odd == 16 ? 0 : 17;             /* a hop-by-hop header */
		ip[7] = (uint8_t)(1 + rnd(255));
		static const uint8_t cli6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
		memcpy(ip + 8, cli6, 16);
		if (rnd(8) == 0)
			ip[10] = 0x0e;                      /* outside 2001:db8::/32 */
		ip[23] = (uint8_t)rnd(256);
		memcpy(ip + 24, svc.v6[0], 16);
		if (odd == 13)
			ip[39] = 9;                         /* not our address */
		len += 20;
	}
	if (odd == 17) {
		/* an IP length past the frame's end */
		uint8_t *lf = b[12] == 0x86 ? ip + 4 : ip + 2;
		put16(lf, (uint16_t)(((unsigned)lf[0] << 8 | lf[1]) + 1 + rnd(3)));
	}
	if (rnd(40) == 0) {
		/* a VLAN tag */
		memmove(b + 16, b + 12, len - 12);
		put16(b + 12, 0x8100);
		put16(b + 14, 7);
		len += 4;
	}
	return len;
}

static uint8_t bufa[NB][ROOM], bufb[NB][ROOM], bufq[NB][ROOM];
/* The rate-limit table as it was before the fast path's run, and after. */
static struct dp_rl_bucket rl_before[DP_RL_BUCKETS], rl_fast[DP_RL_BUCKETS];

/* The miss-ring messages of worker 0 as sortable records. */
struct msg_rec {
	uint8_t bytes[64 + BOLT_NAME_MAX + 4];
};

static int cmp_rec(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct msg_rec));
}

static unsigned drain(struct msg_rec *out, unsigned max)
{
	unsigned n = 0;
	for (unsigned v = 0; v < w.nrw; v++) {
		struct bolt_ring *r = w.miss_ring[v];
		const struct bolt_miss_msg *m;
		while ((m = bolt_ring_peek(r)) != NULL) {
			assert_true(n < max);
			struct msg_rec *x = &out[n++];
			memset(x, 0, sizeof(*x));
			uint8_t *p = x->bytes;
			memcpy(p, &m->client, sizeof(m->client) < 32 ? sizeof(m->client) : 32);
			memcpy(p + 32, &m->id, 2);
			memcpy(p + 34, &m->qflags, 2);
			memcpy(p + 36, &m->qtype, 2);
			memcpy(p + 38, &m->qclass, 2);
			memcpy(p + 40, &m->edns_udp_size, 2);
			p[42] = m->has_edns;
			p[43] = m->do_bit;
			memcpy(p + 44, &m->question_len, 2);
			memcpy(p + 46, &m->flags, 2);
			p[48] = (uint8_t)v;
			size_t ql = m->question_len < sizeof(x->bytes) - 64 ? m->question_len
			                                                    : sizeof(x->bytes) - 64;
			memcpy(p + 64, m->question, ql);
			bolt_ring_release(r);
		}
	}
	qsort(out, n, sizeof(out[0]), cmp_rec);
	return n;
}

/* Drop the repeats of a prefetch hint from the sorted records r[0..n);
 * returns how many are left. Both paths must hint the same keys, but not
 * always as often: the hints' memory is direct-mapped (DP_PF_SLOTS, a
 * collision costs an extra hint, process.h), and the fast path hints its
 * frames before the general path hints the burst's others, so two keys
 * sharing a slot can cost one hint more in one order than in the other. */
static unsigned unique_hints(struct msg_rec *r, unsigned n)
{
	unsigned k = 0;
	for (unsigned i = 0; i < n; i++) {
		uint16_t fl;
		memcpy(&fl, r[i].bytes + 46, 2);
		if (k > 0 && (fl & BOLT_MISS_F_PREFETCH) && cmp_rec(&r[k - 1], &r[i]) == 0)
			continue;
		r[k++] = r[i];
	}
	return k;
}

/* Run frames bufs[0..n) through dp_burst_handle; the stats' change into
 * delta, the ring's messages into recs. */
static void run(uint8_t (*bufs)[ROOM], struct dp_frame_pkt *f, const uint16_t *len, unsigned n,
                bool fast_off, const struct dp_port_ctx *pc, struct bolt_lcore_stats *delta,
                struct msg_rec *recs, unsigned *nrec)
{
	struct bolt_lcore_stats before = *w.st;
	for (unsigned i = 0; i < n; i++) {
		f[i].data = bufs[i];
		f[i].len = len[i];
		f[i].room = ROOM;
		f[i].out_len = 0;
		f[i].action = 0xee;
		f[i].family = 0xee;
	}
	/* The prefetch hints' memory, so that both runs may send them. */
	memset(w.pf, 0, sizeof(w.pf));
	w.fast_off = fast_off;
	dp_burst_handle(&w, &scr, pc, f, n);
	const uint64_t *a = (const uint64_t *)(const void *)&before;
	const uint64_t *b = (const uint64_t *)(const void *)w.st;
	uint64_t *d = (uint64_t *)(void *)delta;
	for (size_t i = 0; i < sizeof(*delta) / 8; i++)
		d[i] = b[i] - a[i];
	*nrec = drain(recs, 256);
}

/* A common query (fastpath.h) into b: ID i, RD, an A question for one of
 * the plain positive entries, EDNS 1232, from 198.18.0.2; its length. */
static size_t mk_common(uint8_t *b, unsigned i)
{
	memset(b, 0, ROOM);
	uint8_t *dns = b + 42;
	put16(dns, (uint16_t)i);
	put16(dns + 2, BOLT_FLAG_RD);
	put16(dns + 4, 1);
	put16(dns + 10, 1);
	int ql = wire_name(names[i % 3], dns + 12);   /* plain positive entries */
	size_t dl = 12 + (size_t)ql;
	put16(dns + dl, BOLT_TYPE_A);
	put16(dns + dl + 2, BOLT_CLASS_IN);
	dl += 4;
	dns[dl] = 0;
	put16(dns + dl + 1, BOLT_TYPE_OPT);
	put16(dns + dl + 3, 1232);
	dl += 11;
	memcpy(b, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00", 14);
	b[14] = 0x45;
	put16(b + 16, (uint16_t)(28 + dl));
	b[23] = 17;
	memcpy(b + 26, "\xc6\x12\x00\x02", 4);
	memcpy(b + 30, SVC4, 4);
	put16(b + 34, 4000);
	put16(b + 36, 53);
	put16(b + 38, (uint16_t)(8 + dl));
	return 42 + dl;
}

static unsigned fast_served;

/* Frames sent before, for repeats: the packet cache answers a query whose
 * bytes after the ID are those of an earlier one (same second). */
#define NPOOL 24
static uint8_t pool[NPOOL][ROOM];
static uint16_t pool_len[NPOOL];
static unsigned pool_n;
static bool repeats;   /* round_once repeats frames of the pool */

/* Frame b (len bytes) as a repeat of an earlier query from another client
 * port with another ID (its DNS bytes after the ID unchanged). */
static void reclient(uint8_t *b, size_t len)
{
	size_t l3 = 14;
	if (len >= 18 && b[12] == 0x81 && b[13] == 0x00)
		l3 = 18;
	size_t udp = l3 + (b[l3 - 2] == 0x86 ? 40 : 20);
	if (udp + 12 > len)
		return;
	put16(b + udp, (uint16_t)(1024 + rnd(60000)));
	put16(b + udp + 8, (uint16_t)rnd(65536));
}

/* The next frame of a round: new (kept in the pool), or a repeat. */
static size_t next_frame(uint8_t *b)
{
	if (repeats && pool_n > 0 && rnd(2) == 0) {
		unsigned k = rnd(pool_n < NPOOL ? pool_n : NPOOL);
		memcpy(b, pool[k], ROOM);
		reclient(b, pool_len[k]);
		return pool_len[k];
	}
	size_t len = mk_frame(b);
	unsigned k = pool_n < NPOOL ? pool_n : rnd(NPOOL);
	memcpy(pool[k], b, ROOM);
	pool_len[k] = (uint16_t)len;
	pool_n++;
	return len;
}

/* One round: a burst of n random frames through both paths. Returns false
 * when the clock's second changed during the round (TTLs would differ). */
static uint16_t len[NB];
static struct dp_frame_pkt fa[NB], fb[NB];

static void hex(const char *what, const uint8_t *b, size_t n)
{
	fprintf(stderr, "%s ", what);
	for (size_t k = 0; k < n; k++)
		fprintf(stderr, "%02x", b[k]);
	fprintf(stderr, "\n");
}

/* Frame i of n answered differently: the query and both answers. */
static void dump(unsigned i, unsigned n)
{
	fprintf(stderr, "frame %u of %u, %u bytes: fast path %u, general %u\n", i, n, len[i],
	        fa[i].out_len, fb[i].out_len);
	hex("query  ", bufq[i], len[i]);
	hex("fast   ", bufa[i], fa[i].out_len);
	hex("general", bufb[i], fb[i].out_len);
}

/* Frames bufa[0..n) (len[]) and their copies in bufb through both paths,
 * compared. False when the clock's second changed meanwhile. */
static bool both_paths(unsigned n, const struct dp_port_ctx *pc)
{
	static struct msg_rec ra[256], rb[256];
	struct bolt_lcore_stats da, db;
	unsigned na, nb;
	for (unsigned i = 0; i < n; i++)
		memcpy(bufq[i], bufa[i], ROOM);   /* the queries, for dump() */
	uint32_t t0 = bolt_now();
	/* Both paths from the same rate-limit table. */
	if (w.rl)
		memcpy(rl_before, w.rl, sizeof(rl_before));
	uint64_t ph0 = w.pkc.hits;
	run(bufa, fa, len, n, false, pc, &da, ra, &na);
	uint64_t ph = w.pkc.hits - ph0;
	if (w.rl) {
		memcpy(rl_fast, w.rl, sizeof(rl_fast));
		memcpy(w.rl, rl_before, sizeof(rl_before));
	}
	run(bufb, fb, len, n, true, pc, &db, rb, &nb);
	if (w.now_fake == 0 && bolt_now() != t0)
		return false;
	/* the budget counted alike: once per response, in the same order */
	if (w.rl)
		assert_memory_equal(rl_fast, w.rl, sizeof(rl_fast));
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(fa[i].action, fb[i].action);
		assert_int_equal(fa[i].len, fb[i].len);
		if (fa[i].action == DP_ACT_TX) {
			if (fa[i].out_len != fb[i].out_len ||
			    memcmp(bufa[i], bufb[i], fa[i].out_len) != 0)
				dump(i, n);
			assert_int_equal(fa[i].out_len, fb[i].out_len);
			assert_int_equal(fa[i].family, fb[i].family);
			if (fa[i].family) {
				assert_int_equal(fa[i].l2_len, fb[i].l2_len);
				assert_int_equal(fa[i].l3_len, fb[i].l3_len);
			}
			assert_memory_equal(bufa[i], bufb[i], fa[i].out_len);
		} else {
			/* what the general path left of the frame (a miss's
			 * bytes as received) */
			assert_memory_equal(bufa[i], bufb[i], fa[i].len);
		}
	}
	/* the packet cache's own counter: its answers, the fast path's only */
	assert_int_equal(da.pkc_hits, ph);
	assert_int_equal(db.pkc_hits, 0);
	da.pkc_hits = 0;
	/* the same keys hinted (unique_hints), each at least once */
	na = unique_hints(ra, na);
	nb = unique_hints(rb, nb);
	assert_int_equal(da.prefetch_hints == 0, db.prefetch_hints == 0);
	da.prefetch_hints = db.prefetch_hints = 0;
	if (memcmp(&da, &db, sizeof(da)) != 0) {
		/* which counters (struct bolt_lcore_stats, as uint64_t words) */
		const uint64_t *xa = (const uint64_t *)(const void *)&da;
		const uint64_t *xb = (const uint64_t *)(const void *)&db;
		for (size_t k = 0; k < sizeof(da) / 8; k++)
			if (xa[k] != xb[k])
				fprintf(stderr, "counter word %zu: fast path %llu, general %llu (%u frames, "
				        "%u and %u ring messages)\n", k, (unsigned long long)xa[k],
				        (unsigned long long)xb[k], n, na, nb);
	}
	assert_memory_equal(&da, &db, sizeof(da));
	assert_int_equal(na, nb);
	assert_memory_equal(ra, rb, na * sizeof(ra[0]));
	return true;
}

static bool round_once(unsigned n, const struct dp_port_ctx *pc)
{
	for (unsigned i = 0; i < n; i++) {
		len[i] = (uint16_t)next_frame(bufa[i]);
		memcpy(bufb[i], bufa[i], ROOM);
	}
	return both_paths(n, pc);
}

/* n copies of the query frame q (ql bytes), other IDs and ports, through
 * both paths; returns the packet cache's hits among them. */
static unsigned send_same(const uint8_t *q, size_t ql, unsigned n)
{
	struct dp_port_ctx pc = { .svc = &svc };
	uint64_t h0 = w.pkc.hits;
	for (unsigned i = 0; i < n; i++) {
		memcpy(bufa[i], q, ROOM);
		reclient(bufa[i], ql);
		memcpy(bufb[i], bufa[i], ROOM);
		len[i] = (uint16_t)ql;
	}
	assert_true(both_paths(n, &pc));
	return (unsigned)(w.pkc.hits - h0);
}

/* The TTL of the first answer record of the response in bufa[0] (an A
 * query for names[0] with EDNS, fastpath.c's IPv4 layout). */
static uint32_t first_ttl(void)
{
	const uint8_t *dns = bufa[0] + 42;
	size_t q = 12 + strlen(names[0]) + 1 + 4;
	uint32_t v;
	memcpy(&v, dns + q + 6, 4);     /* pointer, type, class */
	return be32toh(v);
}

/* Identical queries one after the other, the packet cache on: answered from
 * it in the same second only, its answers the general path's; a changed
 * entry (replaced, deleted, flushed) is never served from it again: the
 * next identical query gets the new data or misses at once. */
static void test_pkc_changes(void **state)
{
	(void)state;
	static uint8_t q[ROOM], q2[ROOM];
	uint32_t t = bolt_now();
	uint8_t wn[BOLT_NAME_MAX];
	int nl = bolt_name_from_text(names[0], wn);

	assert_int_equal(dp_pkc_init(&w.pkc, 1024), 0);
	w.now_fake = t;
	fill_one(0, t, 0);
	size_t ql = mk_common(q, 0);
	/* the first answered the fast path's way and kept; the same in a burst
	 * too (kept after the burst's lookup); the next burst all from it */
	assert_int_equal(send_same(q, ql, 1), 0);
	assert_int_equal(w.pkc.stores, 1);
	assert_int_equal(send_same(q, ql, 1), 1);
	assert_int_equal(send_same(q, ql, 8), 8);
	uint32_t ttl0 = first_ttl();
	/* another case of the name: other bytes, not the same entry */
	memcpy(q2, q, ROOM);
	q2[42 + 13] ^= 0x20;
	assert_int_equal(send_same(q2, ql, 1), 0);
	assert_int_equal(send_same(q2, ql, 1), 1);
	/* a second later: built again (TTLs one less), then served */
	w.now_fake = t + 1;
	assert_int_equal(send_same(q, ql, 1), 0);
	assert_int_equal(first_ttl(), ttl0 - 1);
	assert_int_equal(send_same(q, ql, 2), 2);
	/* the entry replaced: the new records at once */
	uint64_t stale = w.pkc.stale;
	fill_one(0, t + 1, 3);   /* one record, TTL 303 */
	assert_int_equal(send_same(q, ql, 1), 0);
	assert_int_equal(w.pkc.stale, stale + 1);
	assert_int_not_equal(first_ttl(), ttl0 - 1);
	/* (that one the general path's: the next kept, the one after from it) */
	assert_int_equal(send_same(q, ql, 1), 0);
	assert_int_equal(send_same(q, ql, 1), 1);
	/* deleted: a miss at once (the frame onto the ring, not answered) */
	assert_true(bolt_cache_delete(reg->cache, wn, (size_t)nl, 0) > 0);
	uint64_t miss0 = w.st->misses;
	assert_int_equal(send_same(q, ql, 1), 0);
	assert_int_not_equal(fa[0].action, DP_ACT_TX);
	assert_true(w.st->misses > miss0);
	/* back, kept, then the whole cache flushed: a miss at once */
	fill_one(0, t + 1, 0);
	assert_int_equal(send_same(q, ql, 1), 0);
	assert_int_equal(send_same(q, ql, 1), 1);
	bolt_cache_flush(reg->cache);
	miss0 = w.st->misses;
	assert_int_equal(send_same(q, ql, 1), 0);
	assert_int_not_equal(fa[0].action, DP_ACT_TX);
	assert_true(w.st->misses > miss0);
	fill_all(t + 1);
	/* another server UDP size clears it */
	assert_int_equal(send_same(q, ql, 1), 0);
	assert_int_equal(send_same(q, ql, 1), 1);
	w.udp_max = 4096;
	assert_int_equal(send_same(q, ql, 1), 0);
	w.udp_max = 1232;
	/* a table of 16 slots and many questions (every case of three names):
	 * sets shared and full, every answer still the general path's */
	assert_int_equal(dp_pkc_init(&w.pkc, 16), 0);
	static uint8_t qs[40][ROOM];
	size_t qls[40];
	for (unsigned k = 0; k < 40; k++)
		qls[k] = mk_common(qs[k], k < 20 ? 0 : 1);
	unsigned hits = 0;
	for (unsigned r = 0; r < 600; r++) {
		unsigned k = rnd(40);
		hits += send_same(qs[k], qls[k], 1 + rnd(4));
	}
	assert_true(hits > 0);
	w.now_fake = 0;
	fill_all(bolt_now());
	dp_pkc_fini(&w.pkc);
}

static void test_fast_vs_general(void **state)
{
	(void)state;
	unsigned rounds = 0, skipped = 0;
	uint64_t hits0 = w.st->hits;
	while (rounds < 3000) {
		struct dp_port_ctx pc = { .svc = &svc, .ol_ip = rnd(4) == 0, .ol_udp = rnd(4) == 0,
		                          .have_exc = rnd(2) == 0 };
		w.udp_max = rnd(3) == 0 ? 4096 : rnd(5) == 0 ? 512 : 1232;
		svc.any_addr = rnd(10) == 0;
		if (round_once(1 + rnd(NB), &pc))
			rounds++;
		else
			assert_true(++skipped < 100);
	}
	svc.any_addr = false;
	w.udp_max = 1232;
	/* the fast path did serve (the general path's hits are counted too) */
	assert_true(w.st->hits - hits0 > 10000);
	(void)fast_served;
}

/* Change one byte of the stored query of every entry of the packet cache:
 * their tags still match, so the next identical query is a candidate whose
 * full compare fails (stage 1c hands it to the parse and lookup, behind the
 * burst's other lookups). */
static void pkc_corrupt(void)
{
	for (unsigned k = 0; k < dp_pkc_size(&w.pkc); k++) {
		if (w.pkc.set[k / DP_PKC_WAYS].tag[k % DP_PKC_WAYS] == 0)
			continue;
		struct dp_pkc_slot *e = &w.pkc.slot[k];
		e->data[rnd(e->qlen)] ^= (uint8_t)(1 + rnd(255));
	}
}

/* The same with the packet cache on (a small table: sets shared and full,
 * entries refused within a second, replaced across seconds), half the
 * frames repeats of earlier ones (in the burst and
 * across bursts, other IDs and ports), the clock (both paths' second)
 * stepping on so that TTLs age and short ones expire between identical
 * queries, and the shared cache changing under the stored answers: an
 * entry replaced by other records, deleted, or everything flushed (and
 * filled again) between two identical queries. */
static void test_pkc_vs_general(void **state)
{
	(void)state;
	unsigned rounds = 0;
	uint32_t t = bolt_now();
	assert_int_equal(dp_pkc_init(&w.pkc, 64), 0);
	uint64_t h0 = w.pkc.hits, st0 = w.pkc.stale;
	repeats = true;
	pool_n = 0;
	w.now_fake = t;
	while (rounds < 3000) {
		struct dp_port_ctx pc = { .svc = &svc, .ol_ip = rnd(4) == 0, .ol_udp = rnd(4) == 0,
		                          .have_exc = rnd(2) == 0 };
		if (rnd(40) == 0)
			w.udp_max = rnd(3) == 0 ? 4096 : rnd(5) == 0 ? 512 : 1232;
		if (rnd(30) == 0)
			w.now_fake = ++t;
		unsigned ch = rnd(20);
		if (ch == 0) {
			/* other records for a name */
			fill_one(rnd(NNAMES - 8), t, 1 + rnd(5));
		} else if (ch == 1) {
			/* a name deleted (back a few rounds later) */
			uint8_t wn[BOLT_NAME_MAX];
			unsigned i = rnd(NNAMES - 8);
			int nl = bolt_name_from_text(names[i], wn);
			assert_true(bolt_cache_delete(reg->cache, wn, (size_t)nl, 0) >= 0);
		} else if (ch == 2) {
			fill_one(rnd(NNAMES - 8), t, 0);
		} else if (ch == 3 && rnd(10) == 0) {
			bolt_cache_flush(reg->cache);
			/* a round of misses, then everything back */
			assert_true(round_once(1 + rnd(NB), &pc));
			fill_all(t);
		} else if (ch == 4 && rnd(2) == 0) {
			pkc_corrupt();
		}
		assert_true(round_once(1 + rnd(NB), &pc));
		rounds++;
	}
	/* the packet cache answered, found changed buckets, and candidates
	 * whose bytes differed went the parse's way */
	fprintf(stderr, "packet cache: %llu hits, %llu stores, %llu stale, %llu differed\n",
	        (unsigned long long)(w.pkc.hits - h0), (unsigned long long)w.pkc.stores,
	        (unsigned long long)(w.pkc.stale - st0), (unsigned long long)w.pkc.differ);
	assert_true(w.pkc.hits - h0 > 500);
	assert_true(w.pkc.stale - st0 > 5);
	assert_true(w.pkc.differ > 20);
	w.udp_max = 1232;
	w.now_fake = 0;
	repeats = false;
	fill_all(bolt_now());
	dp_pkc_fini(&w.pkc);
}

/* One burst of common queries for cached names: the fast path answers
 * them all itself (the mask), and the general path gives the same bytes. */
static void test_fast_takes_common(void **state)
{
	(void)state;
	static struct dp_frame_pkt f[NB];
	struct dp_port_ctx pc = { .svc = &svc };
	uint32_t now = bolt_now();
	for (unsigned i = 0; i < NB; i++) {
		uint8_t *b = bufa[i];
		f[i].data = b;
		f[i].len = (uint16_t)mk_common(b, i);
		f[i].room = ROOM;
	}
	unsigned ntx = 0;
	w.fast_off = false;
	assert_true(dp_fast_ok(&w));
	uint64_t mask = dp_fast_burst(&w, &scr, &pc, f, NB, &ntx);
	if (bolt_now() == now) {
		assert_int_equal(ntx, NB);
		assert_true(mask == 0xffffffffull);
	}
	/* A policy, with a rate limit or without, leaves it on. */
	static struct dp_policy pol;
	static struct bolt_config cfg;
	bolt_config_defaults(&cfg);
	dp_policy_from_config(&pol, &cfg);
	dp_worker_set_policy(&w, &pol);
	assert_true(dp_fast_ok(&w));
	cfg.rl_rate = 100;
	dp_policy_from_config(&pol, &cfg);
	dp_worker_set_policy(&w, &pol);
	assert_true(dp_fast_ok(&w));
	dp_worker_set_policy(&w, NULL);
	assert_true(dp_fast_ok(&w));
	w.tap_every = 10;
	assert_false(dp_fast_ok(&w));
	w.tap_every = 0;
}

/* With an ACL that allows only 198.18.0.0/16 and 2001:db8::/32 (refusing
 * the others), and
 * with a rate limit: the same comparison; then again with a packet cache
 * (io = dpdk, 64 slots), repeated frames and entries whose bytes differ
 * from their queries' (candidates handed to the parse in stage 1c, behind
 * the burst's other lookups: the rate limit's frame order must hold). */
static void test_fast_vs_general_policy(void **state)
{
	(void)state;
	static struct dp_policy pol;
	static struct bolt_config cfg;
	/* no limit; one never reached; low ones (a few prefixes: 198.18.0-3/24,
	 * 2001:db8::/56, 2001:e0e::/56), slipping every 2nd, every 3rd, none */
	static const unsigned rate[] = { 0, 1000000, 5, 2, 3 }, slip[] = { 2, 2, 2, 3, 0 };
	uint64_t slipped0 = w.st->rl_slipped, dropped0 = w.st->rl_dropped;
	for (unsigned rl = 0; rl < 10; rl++) {
		bool pkc = rl >= 5;
		bolt_config_defaults(&cfg);
		/* (io = dpdk: the first five with the default table) */
		if (pkc)
			cfg.dp_pkc_slots = 64;
		cfg.nallow = 2;
		assert_int_equal(bolt_prefix_parse("198.18.0.0/16", &cfg.allow[0]), 0);
		assert_int_equal(bolt_prefix_parse("2001:db8::/32", &cfg.allow[1]), 0);
		cfg.rl_rate = rate[rl % 5];
		cfg.rl_slip = slip[rl % 5];
		dp_policy_from_config(&pol, &cfg);
		assert_int_equal(dp_worker_set_policy(&w, &pol), 0);
		assert_true(w.fast_policy);
		assert_int_equal(dp_pkc_size(&w.pkc), pkc ? 64 : DP_PKC_DEFAULT);
		repeats = pkc;
		pool_n = 0;
		if (pkc) {
			/* entries fresh in a fixed second (none due a prefetch
			 * hint, which the packet cache does not keep) */
			w.now_fake = bolt_now();
			fill_all(w.now_fake);
		}
		unsigned rounds = 0, skipped = 0;
		while (rounds < (rl % 5 < 2 ? 500u : 200u)) {
			struct dp_port_ctx pc = { .svc = &svc };
			if (pkc) {
				/* (the thrashing guard kept out of the way: half
				 * the frames are new, so it would bypass the table) */
				w.pkc.bypass = false;
				w.pkc.win_probes = w.pkc.probes;
				w.pkc.win_hits = w.pkc.hits;
				if (rnd(4) == 0)
					pkc_corrupt();
			}
			if (round_once(1 + rnd(NB), &pc))
				rounds++;
			else
				assert_true(++skipped < 100);
		}
	}
	repeats = false;
	w.now_fake = 0;
	fill_all(bolt_now());
	/* the packet cache answered under the policies (one table from the
	 * sixth on), and candidates that differed were parsed */
	fprintf(stderr, "packet cache under the policies: %llu hits, %llu stores, %llu differed\n",
	        (unsigned long long)w.pkc.hits, (unsigned long long)w.pkc.stores,
	        (unsigned long long)w.pkc.differ);
	assert_true(w.pkc.hits > 10);
	assert_true(w.pkc.differ > 5);
	/* both paths limited (the counters are compared per round) */
	assert_true(w.st->rl_slipped - slipped0 > 200);
	assert_true(w.st->rl_dropped - dropped0 > 200);
	dp_worker_set_policy(&w, NULL);
}

/* Bursts of common hits from one client with a low rate (5 a second, every
 * 2nd limited response slipped), the fast path on: it answers the first 5
 * itself and hands the others over with its verdict (not counted again);
 * bytes, counters and the table as the general path alone gives. */
static void test_fast_rl_one_prefix(void **state)
{
	(void)state;
	static uint16_t len[NB];
	static struct dp_frame_pkt fa[NB], fb[NB];
	static struct msg_rec ra[256], rb[256];
	static struct dp_policy pol;
	static struct bolt_config cfg;
	struct dp_port_ctx pc = { .svc = &svc };
	struct bolt_lcore_stats da, db;
	unsigned na, nb, done = 0;

	bolt_config_defaults(&cfg);
	cfg.rl_rate = 5;
	cfg.rl_slip = 2;
	dp_policy_from_config(&pol, &cfg);
	dp_worker_set_policy(&w, &pol);
	for (unsigned tries = 0; done < 3 && tries < 100; tries++) {
		uint32_t t0 = bolt_now();
		memset(pol.rl, 0, sizeof(pol.rl));
		for (unsigned i = 0; i < NB; i++) {
			len[i] = (uint16_t)mk_common(bufa[i], i);
			memcpy(bufb[i], bufa[i], ROOM);
		}
		run(bufa, fa, len, NB, false, &pc, &da, ra, &na);
		uint64_t frl = scr.fast_rl, fslip = scr.fast_slip;
		memcpy(rl_fast, pol.rl, sizeof(rl_fast));
		memset(pol.rl, 0, sizeof(pol.rl));
		run(bufb, fb, len, NB, true, &pc, &db, rb, &nb);
		if (bolt_now() != t0)
			continue;
		/* 5 answered by the fast path, 27 over: 13 slipped, 14 dropped */
		assert_int_equal(__builtin_popcountll(frl), NB - 5);
		assert_true((frl & 0x1f) == 0);
		assert_int_equal(__builtin_popcountll(fslip), (NB - 5) / 2);
		assert_int_equal(da.rl_slipped, (NB - 5) / 2);
		assert_int_equal(da.rl_dropped, NB - 5 - (NB - 5) / 2);
		assert_int_equal(da.hits, NB);
		unsigned ntx = 0;
		for (unsigned i = 0; i < NB; i++) {
			assert_int_equal(fa[i].action, fb[i].action);
			if (fa[i].action == DP_ACT_TX) {
				ntx++;
				assert_int_equal(fa[i].out_len, fb[i].out_len);
				assert_memory_equal(bufa[i], bufb[i], fa[i].out_len);
				/* the slipped ones TC=1 */
				assert_int_equal((bufa[i][44] & 0x02) != 0, i >= 5);
			}
		}
		assert_int_equal(ntx, 5 + (NB - 5) / 2);
		da.pkc_hits = 0;   /* (the fast path's only) */
		assert_memory_equal(&da, &db, sizeof(da));
		assert_int_equal(na, nb);
		assert_memory_equal(rl_fast, pol.rl, sizeof(rl_fast));
		done++;
	}
	assert_int_equal(done, 3);
	dp_worker_set_policy(&w, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fast_takes_common),
		cmocka_unit_test(test_fast_vs_general),
		cmocka_unit_test(test_pkc_vs_general),
		cmocka_unit_test(test_pkc_changes),
		cmocka_unit_test(test_fast_vs_general_policy),
		cmocka_unit_test(test_fast_rl_one_prefix),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
