/*
 * Fuzz target: a cache whose shard headers, buckets and records have been
 * overwritten with arbitrary bytes (a corrupted region file, a writer that
 * died mid-change) must never make a lookup, burst lookup, walk, insert or
 * delete crash, hang or read out of bounds.
 *
 * Input: one byte choosing the whole-cache operations, then a sequence of
 * patches { u32 offset, u8 length, bytes[length] } applied after the cache
 * header (which attach validates separately: its hash secret and geometry are
 * left intact).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boltdns/cache.h"

#define MEM_SIZE (1536u << 10) /* one shard: header, buckets, 1+ MiB arena */
#define NKEYS 16u

static uint8_t *mem;
static struct bolt_cache_key keys[NKEYS];

static void key_init(struct bolt_cache_key *k, unsigned i)
{
	static const uint8_t zone[] = "\x07" "example" "\x00";
	memset(k, 0, sizeof(*k));
	k->name[0] = 2;
	k->name[1] = 'h';
	k->name[2] = (uint8_t)('a' + i);
	memcpy(k->name + 3, zone, sizeof(zone) - 1);
	k->name_len = (uint8_t)(3 + sizeof(zone) - 1);
	k->qtype = (uint16_t)(1 + i % 3);
	k->qclass = 1;
}

static int walk_cb(const struct bolt_cache_key *key, const struct bolt_cache_out *out, void *arg)
{
	(void)key;
	/* touch what the walk hands out: it must all be in bounds */
	volatile uint8_t sink = 0;
	for (uint32_t i = 0; i < out->val.len; i += 64)
		sink ^= out->sections[i];
	(void)sink;
	return ++*(unsigned *)arg > 10000u;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int err;
	if (mem == NULL) {
		mem = aligned_alloc(4096, MEM_SIZE);
		if (mem == NULL)
			abort();
		memset(mem, 0, MEM_SIZE);
		for (unsigned i = 0; i < NKEYS; i++)
			key_init(&keys[i], i);
	}
	/* formatting clears shard headers and buckets; arena bytes left by an
	 * earlier input are unreachable, as in a real reused region */
	struct bolt_cache *c = bolt_cache_format(mem, MEM_SIZE, 1, &err);
	if (c == NULL)
		abort();
	/* every format draws a new hash secret */
	for (unsigned i = 0; i < NKEYS; i++)
		bolt_cache_key_hash(c, &keys[i]);

	uint8_t sec[512];
	uint16_t ttl[8] = { 6, 22, 38 };
	memset(sec, 0xab, sizeof(sec));
	struct bolt_cache_val v = { .flags = 0x8180, .ancount = 1, .len = 100, .nttl = 3,
		                    .expires = bolt_now() + 100 };
	for (unsigned i = 0; i < NKEYS / 2; i++) {
		v.len = 40u * i;
		bolt_cache_insert(c, &keys[i], &v, ttl, sec);
	}

	/* the first byte picks the whole-cache scans (each walks every bucket,
	 * which dominates a run): walk, delete by name, zone, kind, flush */
	uint8_t ops = size > 0 ? data[0] : 0;

	/* corrupt */
	const size_t hdr = (size_t)bolt_cache_shard_offset(c);
	size_t pos = 1;
	while (pos + 5 <= size) {
		uint32_t off;
		memcpy(&off, data + pos, 4);
		uint8_t len = data[pos + 4];
		pos += 5;
		if (len > size - pos)
			len = (uint8_t)(size - pos);
		off = (uint32_t)(hdr + off % (MEM_SIZE - hdr));
		if (len > MEM_SIZE - off)
			len = (uint8_t)(MEM_SIZE - off);
		memcpy(mem + off, data + pos, len);
		pos += len;
	}
	/* except the shard lock word: a token there that names a live process is
	 * indistinguishable from a real owner and is waited for (the dead-owner
	 * case is a unit test) */
	memset(mem + hdr, 0, sizeof(uint64_t));

	/* everything a reader and a writer may do */
	uint8_t out_sec[4][512];
	uint16_t out_ttl[4][8];
	struct bolt_cache_out outs[4];
	for (unsigned i = 0; i < 4; i++)
		outs[i] = (struct bolt_cache_out){ .ttl_off = out_ttl[i], .ttl_cap = 8,
			                           .sections = out_sec[i], .cap = 512 };
	for (unsigned i = 0; i < NKEYS; i++)
		bolt_cache_lookup(c, &keys[i], bolt_now(), &outs[0]);
	const struct bolt_cache_key *kp[4] = { &keys[0], &keys[3], &keys[9], &keys[15] };
	int rc[4];
	bolt_cache_lookup_burst(c, kp, 4, bolt_now(), outs, rc);
	unsigned seen = 0;
	if (ops & 1)
		bolt_cache_walk(c, walk_cb, &seen);
	struct bolt_cache_stats st;
	bolt_cache_get_stats(c, &st);
	for (unsigned i = 0; i < NKEYS; i++) {
		v.len = 30u * i;
		bolt_cache_insert(c, &keys[i], &v, ttl, sec);
	}
	if (ops & 2)
		bolt_cache_delete(c, keys[1].name, keys[1].name_len, 0);
	if (ops & 4)
		bolt_cache_delete_zone(c, keys[2].name + 3, keys[2].name_len - 3u);
	if (ops & 8)
		bolt_cache_delete_kind(c, BOLT_CACHE_NXDOMAIN);
	for (unsigned i = 0; i < NKEYS; i++)
		bolt_cache_lookup(c, &keys[i], bolt_now(), &outs[1]);
	if (ops & 16)
		bolt_cache_flush(c);
	return 0;
}
