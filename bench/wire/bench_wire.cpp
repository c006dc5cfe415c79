// Micro-benchmarks of the wire library: query parsing (dataplane hot path),
// response building and full message parsing. Reports figures only.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

extern "C" {
#include "boltdns/wire.h"
}

namespace {

size_t name(const char *text, uint8_t *out)
{
	int n = bolt_name_from_text(text, out);
	if (n < 0) {
		std::fprintf(stderr, "bad name %s\n", text);
		std::abort();
	}
	return static_cast<size_t>(n);
}

// A typical client query: www.example.com A, with or without EDNS (DO set).
size_t make_query(uint8_t *buf, size_t cap, bool edns)
{
	uint8_t q[BOLT_NAME_MAX];
	struct bolt_build b;
	bolt_build_init(&b, buf, cap, 0x1234, BOLT_FLAG_RD);
	bolt_build_question(&b, q, name("WwW.Example.COM", q), BOLT_TYPE_A, BOLT_CLASS_IN);
	if (edns)
		bolt_build_opt(&b, 1232, 0, true);
	return static_cast<size_t>(bolt_build_finish(&b));
}

void BM_query_parse(benchmark::State &state)
{
	uint8_t pkt[512];
	size_t len = make_query(pkt, sizeof(pkt), state.range(0) != 0);
	struct bolt_query q;
	for (auto _ : state) {
		int ret = bolt_query_parse(pkt, len, &q);
		benchmark::DoNotOptimize(ret);
		benchmark::DoNotOptimize(q.qname_lc[1]);
	}
	state.SetItemsProcessed(state.iterations());
	state.SetLabel(state.range(0) != 0 ? "www.example.com A, EDNS" : "www.example.com A");
}
BENCHMARK(BM_query_parse)->Arg(0)->Arg(1);

struct names {
	uint8_t qname[BOLT_NAME_MAX], www[BOLT_NAME_MAX], zone[BOLT_NAME_MAX];
	uint8_t ns1_rd[BOLT_NAME_MAX], ns2_rd[BOLT_NAME_MAX];
	uint8_t ns1[BOLT_NAME_MAX], ns2[BOLT_NAME_MAX], cname_rd[BOLT_NAME_MAX];
	uint8_t edge[BOLT_NAME_MAX];
	size_t qname_len;
	uint16_t ns1_len, ns2_len, cname_len;
	names()
	{
		qname_len = name("WwW.Example.COM", qname);
		name("www.example.com", www);
		name("example.com", zone);
		ns1_len = static_cast<uint16_t>(name("ns1.example.com", ns1_rd));
		ns2_len = static_cast<uint16_t>(name("ns2.example.com", ns2_rd));
		name("ns1.example.com", ns1);
		name("ns2.example.com", ns2);
		cname_len = static_cast<uint16_t>(name("www.example.com.edge.example.net", cname_rd));
		name("www.example.com.edge.example.net", edge);
	}
};

const uint8_t addr1[4] = { 198, 18, 0, 1 };
const uint8_t addr2[4] = { 198, 18, 0, 2 };

// Typical A answer: question, 2 A RRs, OPT.
int build_a2(const names &n, uint8_t *buf, size_t cap)
{
	struct bolt_build b;
	bolt_build_init(&b, buf, cap, 0x1234, BOLT_FLAG_QR | BOLT_FLAG_RD | BOLT_FLAG_RA);
	bolt_build_reserve_opt(&b);
	bolt_build_question(&b, n.qname, n.qname_len, BOLT_TYPE_A, BOLT_CLASS_IN);
	bolt_build_rr(&b, BOLT_SEC_ANSWER, n.www, BOLT_TYPE_A, BOLT_CLASS_IN, 300, addr1, 4);
	bolt_build_rr(&b, BOLT_SEC_ANSWER, n.www, BOLT_TYPE_A, BOLT_CLASS_IN, 300, addr2, 4);
	bolt_build_opt(&b, 1232, 0, false);
	return bolt_build_finish(&b);
}

// 6-RR answer: CNAME + A in the answer, 2 NS in the authority section,
// 2 glue A in the additional section, OPT; every name compressible.
int build_6(const names &n, uint8_t *buf, size_t cap)
{
	struct bolt_build b;
	bolt_build_init(&b, buf, cap, 0x1234, BOLT_FLAG_QR | BOLT_FLAG_RD | BOLT_FLAG_RA);
	bolt_build_reserve_opt(&b);
	bolt_build_question(&b, n.qname, n.qname_len, BOLT_TYPE_A, BOLT_CLASS_IN);
	bolt_build_rr(&b, BOLT_SEC_ANSWER, n.www, BOLT_TYPE_CNAME, BOLT_CLASS_IN, 300,
	              n.cname_rd, n.cname_len);
	bolt_build_rr(&b, BOLT_SEC_ANSWER, n.edge, BOLT_TYPE_A, BOLT_CLASS_IN, 60, addr1, 4);
	bolt_build_rr(&b, BOLT_SEC_AUTHORITY, n.zone, BOLT_TYPE_NS, BOLT_CLASS_IN, 86400,
	              n.ns1_rd, n.ns1_len);
	bolt_build_rr(&b, BOLT_SEC_AUTHORITY, n.zone, BOLT_TYPE_NS, BOLT_CLASS_IN, 86400,
	              n.ns2_rd, n.ns2_len);
	bolt_build_rr(&b, BOLT_SEC_ADDITIONAL, n.ns1, BOLT_TYPE_A, BOLT_CLASS_IN, 86400, addr1, 4);
	bolt_build_rr(&b, BOLT_SEC_ADDITIONAL, n.ns2, BOLT_TYPE_A, BOLT_CLASS_IN, 86400, addr2, 4);
	bolt_build_opt(&b, 1232, 0, false);
	return bolt_build_finish(&b);
}

void BM_build_a2(benchmark::State &state)
{
	names n;
	uint8_t buf[1232];
	int len = 0;
	for (auto _ : state) {
		len = build_a2(n, buf, sizeof(buf));
		benchmark::DoNotOptimize(len);
		benchmark::ClobberMemory();
	}
	state.SetItemsProcessed(state.iterations());
	state.counters["bytes"] = len;
}
BENCHMARK(BM_build_a2);

void BM_build_6rr(benchmark::State &state)
{
	names n;
	uint8_t buf[1232];
	int len = 0;
	for (auto _ : state) {
		len = build_6(n, buf, sizeof(buf));
		benchmark::DoNotOptimize(len);
		benchmark::ClobberMemory();
	}
	state.SetItemsProcessed(state.iterations());
	state.counters["bytes"] = len;
}
BENCHMARK(BM_build_6rr);

// The control plane's side: parse the 6-RR response completely.
void BM_msg_parse_6rr(benchmark::State &state)
{
	names n;
	uint8_t buf[1232];
	int len = build_6(n, buf, sizeof(buf));
	struct bolt_msg m;
	struct bolt_rr rrs[8];
	uint8_t scratch[2 * 1232];
	for (auto _ : state) {
		int ret = bolt_msg_parse(buf, static_cast<size_t>(len), &m, rrs, 8, scratch,
		                         sizeof(scratch));
		benchmark::DoNotOptimize(ret);
		benchmark::ClobberMemory();
	}
	state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_msg_parse_6rr);

} // namespace

BENCHMARK_MAIN();
