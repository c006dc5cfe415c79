/*
 * libFuzzer target: an upstream response for a pending query, through the
 * whole answer path of boltdns-cp: RFC 5452 match check, parsing, scrubbing,
 * referral/CNAME/negative handling (infra cache updates), the final
 * response, its insertion into a real cache in a /dev/shm region, and the
 * rendering onto an answer ring. Nothing is sent: the control plane runs
 * offline, so any follow-up query fails at once.
 *
 * Input: byte 0 picks the pending question (table below), the rest is the
 * response as received.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boltdns/answer.h"
#include "boltdns/config.h"
#include "boltdns/region.h"
#include "cp.h"
#include "iter/resolve.h"
#include "iter/zones.h"
#include "net/upstream.h"
#include "ringsvc.h"
#include "serve.h"

static const struct {
	const char *zone, *qname;
	uint16_t qtype;
} cases[] = {
	{ ".", "www.dom1.boltnet.", BOLT_TYPE_A },
	{ "boltnet.", "www.dom1.boltnet.", BOLT_TYPE_A },
	{ "dom1.boltnet.", "www.dom1.boltnet.", BOLT_TYPE_A },
	{ "dom1.boltnet.", "a.dom1.boltnet.", BOLT_TYPE_A },
	{ "dom1.boltnet.", "nx.dom1.boltnet.", BOLT_TYPE_A },
	{ "evil.boltorg.", "www.evil.boltorg.", BOLT_TYPE_A },
	{ "dom1.boltnet.", "big.dom1.boltnet.", BOLT_TYPE_TXT },
	{ "boltnet.", "www.nxns.boltnet.", BOLT_TYPE_A },
	/* DNAME chains, DS at the parent, AAAA (NODATA from an A), HTTPS. */
	{ "dom1.boltnet.", "www.old.dom1.boltnet.", BOLT_TYPE_A },
	{ "boltnet.", "dom1.boltnet.", BOLT_TYPE_DS },
	{ "dom1.boltnet.", "www.dom1.boltnet.", BOLT_TYPE_AAAA },
	{ "dom1.boltnet.", "www.dom1.boltnet.", BOLT_TYPE_HTTPS },
	/* [zone]s (init): a forwarder's answer (RD=1, read as a recursive
	 * server's), a stub zone's server */
	{ "fwd.boltnet.", "www.fwd.boltnet.", BOLT_TYPE_A },
	{ "fwd.boltnet.", "nx.fwd.boltnet.", BOLT_TYPE_AAAA },
	{ "stub.boltnet.", "www.stub.boltnet.", BOLT_TYPE_A },
};

static struct bolt_config cfg;
static struct cp cp;
static struct bolt_region *region;
static char path[128];

static void cleanup(void)
{
	if (region != NULL)
		bolt_region_detach(region);
	unlink(path);
}

static void init(void)
{
	bolt_config_defaults(&cfg);
	cfg.infra_entries = 64; /* small: evictions happen while fuzzing */
	cp.cfg = &cfg;
	cp.loop = uv_default_loop();
	cp.offline = true;
	cp.upstream_port = 53;
	char err[256];
	if (hints_parse(". NS a.root.boltnet.\na.root.boltnet. A 198.18.1.1\n", "hints", 53,
	                &cp.hints, err, sizeof(err)) != 0)
		abort();
	cp.infra = infra_new(cfg.infra_entries);
	static const char *const zone_text[] = {
		"[zone]\nname = fwd.boltnet\nservers = 198.18.1.20\n"
		"[zone]\nname = stub.boltnet\ntype = stub\nservers = 198.18.1.20\n",
	};
	static struct bolt_config zcfg;
	if (bolt_config_load_string(&zcfg, zone_text[0], "zones", err, sizeof(err)) != 0)
		abort();
	zones_configure(zcfg.zones, zcfg.nzones, NULL, NULL);
	if (cp.infra == NULL || pend_init(&cp.pend, 16, 4) != 0 || ring_svc_start(&cp) != 0)
		abort();
	snprintf(path, sizeof(path), "/dev/shm/boltdns-fuzz-cp-%d", (int)getpid());
	struct bolt_region_params p = { .path = path, .size = 32u << 20, .ring_slots = 16, .wipe = true };
	int e = 0;
	region = bolt_region_create(&p, &e);
	if (region == NULL) {
		fprintf(stderr, "region %s: %s\n", path, bolt_strerror(e));
		abort();
	}
	atexit(cleanup);
	cp.region = region;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (region == NULL)
		init();
	if (size < 1)
		return 0;
	unsigned c = data[0] % BOLT_ARRAY_SIZE(cases);
	const uint8_t *pkt = data + 1;
	size_t len = size - 1;

	uint8_t zone[BOLT_NAME_MAX], qname[BOLT_NAME_MAX];
	int ql = bolt_name_from_text(cases[c].qname, qname);
	bolt_name_from_text(cases[c].zone, zone);
	/* The check upstream I/O applies before anything else sees a response. */
	uint16_t id = len >= 2 ? (uint16_t)(pkt[0] << 8 | pkt[1]) : 0;
	(void)upq_response_matches(pkt, len, id, qname, cases[c].qtype, BOLT_CLASS_IN);

	struct waiter w;
	ring_waiter_init(&w, &cp, 0, NULL);
	w.q.id = 0x4242;
	w.q.flags = BOLT_FLAG_RD;
	w.q.qtype = cases[c].qtype;
	w.q.qclass = BOLT_CLASS_IN;
	w.q.qname_len = (uint16_t)ql;
	w.q.question_len = (uint16_t)(ql + 4);
	w.q.has_edns = (data[0] & 0x80) != 0;
	w.q.edns_udp_size = w.q.has_edns ? 1232 : 0;
	memcpy(w.question, qname, (size_t)ql);
	w.question[ql] = (uint8_t)(cases[c].qtype >> 8);
	w.question[ql + 1] = (uint8_t)cases[c].qtype;
	w.question[ql + 2] = 0;
	w.question[ql + 3] = BOLT_CLASS_IN;

	struct pkey key;
	pkey_make(&key, qname, cases[c].qtype, BOLT_CLASS_IN, false);
	struct infra_addr server = { .family = AF_INET, .port = 53, .addr = { 198, 18, 1, 20 } };
	serve_inject(&cp, &key, &w, zone, &server, pkt, len);

	/* Offline, every resolution ends inside serve_inject. */
	if (cp.pend.count != 0 || res_alive() != 0)
		abort();
	/* Drain the answer ring like the dataplane would, checking each message. */
	struct bolt_ring *ring = bolt_region_answer_ring(region, 0);
	const struct bolt_answer_msg *m;
	while ((m = bolt_ring_peek(ring)) != NULL) {
		if (m->len < BOLT_HDR_LEN || m->len > BOLT_ANSWER_PAYLOAD_MAX)
			abort();
		bolt_ring_release(ring);
	}
	return 0;
}
