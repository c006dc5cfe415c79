// Cache micro-benchmarks: single and burst-of-32 lookups (hit and miss),
// inserts into a full cache, bytes of overhead per entry at 1 M and 10 M
// entries, and DPDK rte_hash (lock-free reader/writer flag) on the same keys
// as the reference for bulk lookups.
//
// Our lookups copy the value out (sections and TTL offsets) and validate the
// copy; rte_hash only returns the key's index. Both are reported, and our
// cache is measured with a 200-byte value (a typical answer) and a 16-byte
// value (one A record: as close to "index only" as a copying cache gets).
// A second rte_hash reference does the work our lookup does: it returns each
// key's data pointer and copies the same value (header fields, TTL offset,
// 16 bytes of sections) from where it points (without any validation).
//
// Like for like: the rte_hash table holds the same 1 M names (padded to
// 64-byte keys), is queried with the same names in the same order, and has
// as many slots as the 16-byte-value cache (so both are loaded the same:
// ~25% of slots used); both sides are prehashed, or both hash in the loop.
//
// Keys are looked up in random order over 1 M entries, so the cache's working
// set is far larger than the CPU caches: these are memory-bound figures, as on
// a resolver with a big cache. The query keys themselves come from a stream
// read in order (64 Ki keys of 64 bytes, prefetcher-friendly) for both
// implementations, and are copied into a burst buffer of 32 keys before each
// lookup, the way a dataplane builds each key in its own burst buffer from
// the packet: both sides read the same bytes of stream per key and look up
// keys that are hot in L1. Figures are per key (items_per_second, and the
// ns_per_key counter).

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include <sys/mman.h>

extern "C" {
#include "boltdns/cache.h"
}

#ifdef BENCH_HAVE_DPDK
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#endif

namespace {

constexpr unsigned kEntries = 1u << 20;   // 1 M
constexpr unsigned kBurst = 32;
constexpr unsigned kOrder = 1u << 16;     // query stream length

// A key of the query stream: 64 bytes, what a lookup reads of a key (for
// ours: the first 64 bytes of a bolt_cache_key, hash to the end of the name).
struct alignas(64) StreamKey {
	uint8_t b[64];
};
static_assert(sizeof(StreamKey) == 64, "stream key size");

struct Mem {
	void *p = nullptr;
	size_t n = 0;
	Mem(size_t bytes) : n(bytes)
	{
		p = aligned_alloc(2u << 20, bytes);
		if (p == nullptr)
			std::abort();
		// 2 MiB pages where the kernel allows (THP): a deployment maps the
		// region from hugetlbfs; rte_hash's memory gets the same below
		madvise(p, bytes, MADV_HUGEPAGE);
		std::memset(p, 0, bytes);
	}
	~Mem() { std::free(p); }
};

size_t wire_name(unsigned i, const char *zone, uint8_t *out)
{
	char label[32];
	int l = std::snprintf(label, sizeof(label), "h%u", i);
	size_t pos = 0;
	out[pos++] = (uint8_t)l;
	std::memcpy(out + pos, label, (size_t)l);
	pos += (size_t)l;
	// zone in dotted form, no trailing dot
	const char *p = zone;
	while (*p) {
		const char *dot = std::strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : std::strlen(p);
		out[pos++] = (uint8_t)n;
		std::memcpy(out + pos, p, n);
		pos += n;
		p += n;
		if (*p == '.')
			p++;
	}
	out[pos++] = 0;
	return pos;
}

void make_key(const bolt_cache *c, bolt_cache_key *k, unsigned i, bool present)
{
	std::memset(k, 0, sizeof(*k));
	k->name_len = (uint8_t)wire_name(i, present ? "bench.example" : "absent.example", k->name);
	k->qtype = 1;
	k->qclass = 1;
	bolt_cache_key_hash(c, k);
}

// A cache of kEntries entries with values of vlen bytes.
struct Dataset {
	std::unique_ptr<Mem> mem;
	bolt_cache *c = nullptr;
	std::vector<bolt_cache_key> hit, miss;
	std::vector<uint32_t> order;              // key numbers, in query order
	uint64_t slots = 0;
	std::vector<StreamKey> hit_stream, miss_stream;
	uint32_t vlen;

	explicit Dataset(uint32_t len) : vlen(len)
	{
		// sized like a deployment would be: the 1 M entries fill ~60% of
		// the value space (records are 96 or 280 bytes)
		mem.reset(new Mem(len <= 16 ? 192ull << 20 : 512ull << 20));
		int err;
		c = bolt_cache_format(mem->p, mem->n, 0, &err);
		if (c == nullptr)
			std::abort();
		hit.resize(kEntries);
		miss.resize(kEntries);
		std::vector<uint8_t> sec(len, 0x5a);
		uint16_t ttl[4] = { 6, 22, 38, 54 };
		bolt_cache_val v{};
		v.flags = 0x8180;
		v.ancount = 1;
		v.len = len;
		v.nttl = 1;
		v.expires = bolt_now() + 86400;
		for (unsigned i = 0; i < kEntries; i++) {
			make_key(c, &hit[i], i, true);
			make_key(c, &miss[i], i, false);
			if (bolt_cache_insert(c, &hit[i], &v, ttl, sec.data()) != 0)
				std::abort();
		}
		// a few keys could lose their slot to a full bucket: hits are the
		// rest (by key number, so rte_hash gets the same names)
		std::vector<uint8_t> buf(len);
		uint16_t tb[4];
		bolt_cache_out o{};
		o.sections = buf.data();
		o.cap = len;
		o.ttl_off = tb;
		o.ttl_cap = 4;
		std::vector<uint32_t> kept;
		for (unsigned i = 0; i < kEntries; i++)
			if (bolt_cache_lookup(c, &hit[i], bolt_now(), &o) == 0)
				kept.push_back(i);
		bolt_cache_stats s;
		bolt_cache_get_stats(c, &s);
		slots = (uint64_t)s.shards * s.buckets * 7;
		std::mt19937 rng(12345);
		order.resize(kOrder);
		for (auto &x : order)
			x = kept[rng() % kept.size()];
		hit_stream.resize(kOrder);
		miss_stream.resize(kOrder);
		for (unsigned i = 0; i < kOrder; i++) {
			pack(&hit_stream[i], hit[order[i]]);
			pack(&miss_stream[i], miss[order[i]]);
		}
	}
	static void pack(StreamKey *s, const bolt_cache_key &k)
	{
		if (offsetof(bolt_cache_key, name) + k.name_len > sizeof(*s))
			std::abort();
		std::memcpy(s->b, &k, sizeof(s->b));
	}
};

Dataset &dataset(uint32_t vlen)
{
	static Dataset small(16), typical(200);
	return vlen <= 16 ? small : typical;
}

struct OutBufs {
	std::vector<uint8_t> sec;
	std::vector<uint16_t> ttl;
	bolt_cache_out out[kBurst];
	OutBufs() : sec(kBurst * 512), ttl(kBurst * 8)
	{
		for (unsigned i = 0; i < kBurst; i++) {
			out[i].sections = sec.data() + i * 512;
			out[i].cap = 512;
			out[i].ttl_off = ttl.data() + i * 8;
			out[i].ttl_cap = 8;
		}
	}
};

void per_key(benchmark::State &st, uint64_t keys)
{
	st.SetItemsProcessed((int64_t)keys);
	st.counters["ns_per_key"] = benchmark::Counter(
		(double)keys, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_LookupSingle(benchmark::State &st)
{
	Dataset &d = dataset((uint32_t)st.range(0));
	bool hit = st.range(1) != 0;
	const auto &keys = hit ? d.hit_stream : d.miss_stream;
	OutBufs ob;
	bolt_cache_key k{};
	uint32_t now = bolt_now();
	unsigned pos = 0;
	uint64_t n = 0, good = 0;
	for (auto _ : st) {
		std::memcpy(&k, keys[pos].b, sizeof(keys[pos].b));
		int rc = bolt_cache_lookup(d.c, &k, now, &ob.out[0]);
		good += rc == 0;
		pos = (pos + 1) & (kOrder - 1);
		n++;
	}
	if (good != (hit ? n : 0))
		st.SkipWithError("unexpected lookup result");
	per_key(st, n);
	st.counters["slot_load"] = (double)kEntries / (double)d.slots;
}
BENCHMARK(BM_LookupSingle)->ArgNames({ "vlen", "hit" })->Args({ 200, 1 })->Args({ 200, 0 })
	->Args({ 16, 1 })->Args({ 16, 0 });

// Burst of 32 prehashed keys (the dataplane hashes while parsing).
void BM_LookupBurst32(benchmark::State &st)
{
	Dataset &d = dataset((uint32_t)st.range(0));
	bool hit = st.range(1) != 0;
	bool with_hash = st.range(2) != 0;
	const auto &keys = hit ? d.hit_stream : d.miss_stream;
	OutBufs ob;
	static bolt_cache_key bk[kBurst];
	const bolt_cache_key *kp[kBurst];
	int rc[kBurst];
	uint32_t now = bolt_now();
	unsigned pos = 0;
	uint64_t n = 0, good = 0;
	for (auto _ : st) {
		for (unsigned i = 0; i < kBurst; i++) {
			std::memcpy(&bk[i], keys[pos + i].b, sizeof(keys[pos + i].b));
			if (with_hash)
				bolt_cache_key_hash(d.c, &bk[i]);
			kp[i] = &bk[i];
		}
		good += bolt_cache_lookup_burst(d.c, kp, kBurst, now, ob.out, rc);
		pos = (pos + kBurst) & (kOrder - 1);
		n += kBurst;
	}
	if (good != (hit ? n : 0))
		st.SkipWithError("unexpected lookup result");
	per_key(st, n);
	st.counters["slot_load"] = (double)kEntries / (double)d.slots;
}
BENCHMARK(BM_LookupBurst32)->ArgNames({ "vlen", "hit", "hash" })
	->Args({ 200, 1, 0 })->Args({ 200, 0, 0 })->Args({ 16, 1, 0 })->Args({ 16, 0, 0 })
	->Args({ 200, 1, 1 })->Args({ 16, 1, 1 });

// Inserts into a full cache: every insert evicts (steady state of a busy
// resolver). Keys cycle over 4 M names in a 64 MiB cache.
void BM_Insert(benchmark::State &st)
{
	Mem mem(64ull << 20);
	int err;
	bolt_cache *c = bolt_cache_format(mem.p, mem.n, 0, &err);
	std::vector<bolt_cache_key> keys(1u << 16);
	for (unsigned i = 0; i < keys.size(); i++)
		make_key(c, &keys[i], i, true);
	std::vector<uint8_t> sec((size_t)st.range(0), 0x5a);
	uint16_t ttl[1] = { 6 };
	bolt_cache_val v{};
	v.len = (uint32_t)st.range(0);
	v.nttl = 1;
	v.expires = bolt_now() + 3600;
	// fill past capacity first
	for (unsigned r = 0; r < 8; r++)
		for (unsigned i = 0; i < keys.size(); i++) {
			keys[i].qtype = (uint16_t)(r + 1);
			bolt_cache_key_hash(c, &keys[i]);
			bolt_cache_insert(c, &keys[i], &v, ttl, sec.data());
		}
	unsigned pos = 0;
	uint16_t round = 100;
	uint64_t n = 0;
	for (auto _ : st) {
		bolt_cache_key *k = &keys[pos];
		if (++pos == keys.size()) {
			pos = 0;
			round++;
		}
		k->qtype = round;
		bolt_cache_key_hash(c, k);
		if (bolt_cache_insert(c, k, &v, ttl, sec.data()) != 0)
			st.SkipWithError("insert failed");
		n++;
	}
	bolt_cache_stats s;
	bolt_cache_get_stats(c, &s);
	st.counters["evictions"] = (double)s.evictions;
	per_key(st, n);
}
BENCHMARK(BM_Insert)->ArgName("vlen")->Arg(16)->Arg(200);

// Overhead: fill a cache with N small entries (one A record: 16 bytes of
// sections, one TTL offset, names like h1234567.bench.example) and report
// what it costs beyond the value bytes: bucket lines, record headers, names,
// padding. The 10 M case uses 2 GiB minus what a default region spends on its
// rings (16 lcores x 4096 slots, ~302 MiB) to show that 10 M fit a 2 GiB region.
void BM_Overhead(benchmark::State &st)
{
	uint64_t n_entries = (uint64_t)st.range(0);
	uint64_t bytes = (uint64_t)st.range(1) << 20;
	for (auto _ : st) {
		Mem mem(bytes);
		int err;
		bolt_cache *c = bolt_cache_format(mem.p, mem.n, 0, &err);
		if (c == nullptr) {
			st.SkipWithError("format failed");
			return;
		}
		uint8_t sec[16] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 192, 0, 2, 1 };
		uint16_t ttl[1] = { 6 };
		bolt_cache_val v{};
		v.len = 16;
		v.nttl = 1;
		v.ancount = 1;
		v.expires = bolt_now() + 86400;
		bolt_cache_key k;
		for (uint64_t i = 0; i < n_entries; i++) {
			make_key(c, &k, (unsigned)i, true);
			bolt_cache_insert(c, &k, &v, ttl, sec);
		}
		bolt_cache_stats s;
		bolt_cache_get_stats(c, &s);
		double value_bytes = (double)s.entries * (16 + 2);
		double bucket_bytes = (double)s.shards * s.buckets * 64;
		st.counters["entries"] = (double)s.entries;
		st.counters["evicted"] = (double)(s.evictions + s.expirations);
		st.counters["overhead_B_per_entry"] =
			(bucket_bytes + (double)s.bytes_used - value_bytes) / (double)s.entries;
		st.counters["record_hdr_B"] = 48;
		st.counters["bucket_B_per_entry"] = bucket_bytes / (double)s.entries;
		st.counters["cache_MiB"] = (double)bytes / (1 << 20);
	}
}
BENCHMARK(BM_Overhead)->ArgNames({ "entries", "MiB" })
	->Args({ 1000000, 256 })->Args({ 10000000, 2048 - 302 })
	->Iterations(1)->Unit(benchmark::kMillisecond);

#ifdef BENCH_HAVE_DPDK
// rte_hash on the same names: fixed 64-byte keys (name padded, type, class).
struct alignas(64) RteKey {
	uint8_t name[60];
	uint16_t qtype;
	uint16_t qclass;
};
static_assert(sizeof(RteKey) == 64, "rte key size");

bool eal_ok = false;

// The table's memory: an external malloc heap on memory from Mem, so rte_hash
// sits on the same 2 MiB (THP) pages as our cache. The EAL's own --no-huge
// memory is a memfd, which transparent huge pages do not back (shmem THP is
// off by default): rte_hash on it pays a TLB miss per access that our cache
// does not, which is not what a deployment (hugetlbfs for both) sees.
int thp_heap_socket()
{
	static Mem *mem = new Mem(1ull << 30);
	constexpr size_t kPage = 2u << 20;
	if (rte_malloc_heap_create("bench_thp") != 0 ||
	    rte_malloc_heap_memory_add("bench_thp", mem->p, mem->n, nullptr,
	                               (unsigned)(mem->n / kPage), kPage) != 0) {
		std::fprintf(stderr, "external heap: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	return rte_malloc_heap_get_socket("bench_thp");
}

// What a cache built on rte_hash would keep per entry behind the data
// pointer: the value fields our lookup copies, one TTL offset, 16 bytes of
// sections (the 16-byte-value cache's value).
struct RteVal {
	bolt_cache_val val;
	uint16_t ttl[1];
	uint8_t sec[16];
};

struct RteSet {
	rte_hash *h = nullptr;
	uint64_t slots = 0;
	std::vector<RteKey> hit, miss;
	std::vector<hash_sig_t> hit_sig, miss_sig;
	std::vector<RteVal> vals;
	// query streams: the same names in the same order as ours
	std::vector<RteKey> hit_stream, miss_stream;
	std::vector<hash_sig_t> hit_stream_sig, miss_stream_sig;
	RteSet(const Dataset &d)
	{
		rte_hash_parameters p{};
		p.name = "bench_cache_ref";
		// as many slots as our cache has (rte_hash rounds up to a power
		// of two, 8 slots per bucket), so both tables are loaded alike
		p.entries = 8;
		while (p.entries < d.slots - d.slots / 8)
			p.entries *= 2;
		slots = p.entries;
		p.key_len = sizeof(RteKey);
		p.hash_func = rte_jhash;
		p.hash_func_init_val = 0;
		p.socket_id = thp_heap_socket();
		if (p.socket_id < 0)
			return;
		p.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF;
		h = rte_hash_create(&p);
		if (h == nullptr) {
			std::fprintf(stderr, "rte_hash_create: %s\n", rte_strerror(rte_errno));
			return;
		}
		hit.resize(kEntries);
		miss.resize(kEntries);
		hit_sig.resize(kEntries);
		miss_sig.resize(kEntries);
		vals.resize(kEntries);
		for (unsigned i = 0; i < kEntries; i++) {
			std::memset(&hit[i], 0, sizeof(RteKey));
			std::memset(&miss[i], 0, sizeof(RteKey));
			wire_name(i, "bench.example", hit[i].name);
			wire_name(i, "absent.example", miss[i].name);
			hit[i].qtype = miss[i].qtype = 1;
			hit[i].qclass = miss[i].qclass = 1;
			hit_sig[i] = rte_hash_hash(h, &hit[i]);
			miss_sig[i] = rte_hash_hash(h, &miss[i]);
			RteVal &v = vals[i];
			std::memset(&v, 0, sizeof(v));
			v.val.flags = 0x8180;
			v.val.ancount = 1;
			v.val.len = sizeof(v.sec);
			v.val.nttl = 1;
			v.val.expires = bolt_now() + 86400;
			v.ttl[0] = 6;
			std::memset(v.sec, 0x5a, sizeof(v.sec));
			if (rte_hash_add_key_with_hash_data(h, &hit[i], hit_sig[i], &v) < 0) {
				std::fprintf(stderr, "rte_hash_add_key failed at %u\n", i);
				rte_hash_free(h);
				h = nullptr;
				return;
			}
		}
		for (uint32_t j : d.order) {
			hit_stream.push_back(hit[j]);
			miss_stream.push_back(miss[j]);
			hit_stream_sig.push_back(hit_sig[j]);
			miss_stream_sig.push_back(miss_sig[j]);
		}
	}
};

RteSet *rte_set()
{
	static RteSet *s = eal_ok ? new RteSet(dataset(16)) : nullptr;
	return s;
}

void BM_RteHashBulk32(benchmark::State &st)
{
	RteSet *s = rte_set();
	if (s == nullptr || s->h == nullptr) {
		st.SkipWithError("DPDK EAL or rte_hash not available");
		return;
	}
	bool hit = st.range(0) != 0;
	bool prehashed = st.range(1) != 0;
	const auto &keys = hit ? s->hit_stream : s->miss_stream;
	const auto &sigs = hit ? s->hit_stream_sig : s->miss_stream_sig;
	static RteKey bk[kBurst];
	const void *kp[kBurst];
	hash_sig_t sg[kBurst];
	int32_t pos_out[kBurst];
	unsigned pos = 0;
	uint64_t n = 0, good = 0;
	for (auto _ : st) {
		for (unsigned i = 0; i < kBurst; i++) {
			bk[i] = keys[pos + i];
			kp[i] = &bk[i];
			sg[i] = sigs[pos + i];
		}
		if (prehashed)
			rte_hash_lookup_with_hash_bulk(s->h, kp, sg, kBurst, pos_out);
		else
			rte_hash_lookup_bulk(s->h, kp, kBurst, pos_out);
		for (unsigned i = 0; i < kBurst; i++)
			good += pos_out[i] >= 0;
		pos = (pos + kBurst) & (kOrder - 1);
		n += kBurst;
	}
	if (good != (hit ? n : 0))
		st.SkipWithError("unexpected lookup result");
	per_key(st, n);
	st.counters["slot_load"] = (double)kEntries / (double)s->slots;
}
BENCHMARK(BM_RteHashBulk32)->ArgNames({ "hit", "prehashed" })
	->Args({ 1, 1 })->Args({ 0, 1 })->Args({ 1, 0 });

// The same, returning data pointers and copying each hit's value into the
// caller's buffers the way our lookup does (prehashed).
void BM_RteHashBulk32Copy(benchmark::State &st)
{
	RteSet *s = rte_set();
	if (s == nullptr || s->h == nullptr) {
		st.SkipWithError("DPDK EAL or rte_hash not available");
		return;
	}
	bool hit = st.range(0) != 0;
	const auto &keys = hit ? s->hit_stream : s->miss_stream;
	const auto &sigs = hit ? s->hit_stream_sig : s->miss_stream_sig;
	OutBufs ob;
	static RteKey bk[kBurst];
	const void *kp[kBurst];
	hash_sig_t sg[kBurst];
	void *data[kBurst];
	unsigned pos = 0;
	uint64_t n = 0, good = 0;
	for (auto _ : st) {
		for (unsigned i = 0; i < kBurst; i++) {
			bk[i] = keys[pos + i];
			kp[i] = &bk[i];
			sg[i] = sigs[pos + i];
		}
		uint64_t mask = 0;
		rte_hash_lookup_with_hash_bulk_data(s->h, kp, sg, kBurst, &mask, data);
		for (unsigned i = 0; i < kBurst; i++) {
			if (!(mask >> i & 1))
				continue;
			const RteVal *v = (const RteVal *)data[i];
			bolt_cache_out *o = &ob.out[i];
			o->val = v->val;
			if (v->val.len > o->cap || v->val.nttl > o->ttl_cap)
				continue;
			std::memcpy(o->ttl_off, v->ttl, 2u * v->val.nttl);
			std::memcpy(o->sections, v->sec, v->val.len);
			good++;
		}
		pos = (pos + kBurst) & (kOrder - 1);
		n += kBurst;
	}
	if (good != (hit ? n : 0))
		st.SkipWithError("unexpected lookup result");
	per_key(st, n);
	st.counters["slot_load"] = (double)kEntries / (double)s->slots;
}
BENCHMARK(BM_RteHashBulk32Copy)->ArgName("hit")->Arg(1)->Arg(0);

void BM_RteHashSingle(benchmark::State &st)
{
	RteSet *s = rte_set();
	if (s == nullptr || s->h == nullptr) {
		st.SkipWithError("DPDK EAL or rte_hash not available");
		return;
	}
	RteKey k;
	unsigned pos = 0;
	uint64_t n = 0, good = 0;
	for (auto _ : st) {
		k = s->hit_stream[pos];
		good += rte_hash_lookup_with_hash(s->h, &k, s->hit_stream_sig[pos]) >= 0;
		pos = (pos + 1) & (kOrder - 1);
		n++;
	}
	if (good != n)
		st.SkipWithError("unexpected lookup result");
	per_key(st, n);
}
BENCHMARK(BM_RteHashSingle);
#endif

} // namespace

int main(int argc, char **argv)
{
#ifdef BENCH_HAVE_DPDK
	// rte_hash needs an EAL; no hugepages or devices are required for it
	char prog[] = "bench_cache";
	char a1[] = "--no-huge", a2[] = "--no-pci", a3[] = "-m", a4[] = "256",
	     a5[] = "--no-telemetry", a6[] = "-l", a7[] = "0", a8[] = "--log-level=error",
	     a9[] = "--no-shconf"; // no runtime files shared with other DPDK processes
	char *eal_argv[] = { prog, a1, a2, a3, a4, a5, a6, a7, a8, a9, nullptr };
	eal_ok = rte_eal_init(9 + 1, eal_argv) >= 0;
	if (!eal_ok)
		std::fprintf(stderr, "rte_eal_init failed: rte_hash reference skipped\n");
#endif
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}
