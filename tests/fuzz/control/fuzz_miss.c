/*
 * libFuzzer target: miss messages as the dataplane writes them on a miss
 * ring, taken by boltdns-cp's ring service: validation of the question,
 * coalescing key, cache lookup, and (offline) the whole resolution and
 * answer path down to the answer ring. The input is the raw slot content.
 * dnstap is on (to /dev/null), so every message is also logged, and a slot
 * flagged BOLT_MISS_F_TAP takes the sampled-hit path (seed miss4-sample).
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
#include "ringsvc.h"
#include "tap.h"

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

/* Cache one answer so that some inputs take the hit path. */
static void put(const char *name)
{
	uint8_t msg[512], qname[BOLT_NAME_MAX];
	static const uint8_t a[4] = { 192, 0, 2, 1 };
	struct bolt_build b;
	int ql = bolt_name_from_text(name, qname);
	bolt_build_init(&b, msg, sizeof(msg), 0, BOLT_FLAG_QR | BOLT_FLAG_RA);
	bolt_build_question(&b, qname, (size_t)ql, BOLT_TYPE_A, BOLT_CLASS_IN);
	bolt_build_rr(&b, BOLT_SEC_ANSWER, qname, BOLT_TYPE_A, BOLT_CLASS_IN, 300, a, 4);
	int len = bolt_build_finish(&b);
	if (len < 0 || bolt_answer_insert(region->cache, msg, (size_t)len, b.ttl_off, b.nttl, false,
	                                  bolt_now(), 300, BOLT_CACHE_POSITIVE) < 0)
		abort();
}

static void init(void)
{
	bolt_config_defaults(&cfg);
	snprintf(cfg.dnstap_file, sizeof(cfg.dnstap_file), "/dev/null");
	cfg.dnstap_sample = 1;
	cp.cfg = &cfg;
	cp.loop = uv_default_loop();
	cp.offline = true;
	cp.upstream_port = 53;
	char err[256];
	if (hints_parse(". NS a.root.test.\na.root.test. A 198.18.1.1\n", "hints", 53, &cp.hints,
	                err, sizeof(err)) != 0)
		abort();
	cp.infra = infra_new(64);
	if (cp.infra == NULL || pend_init(&cp.pend, 16, 4) != 0 || ring_svc_start(&cp) != 0)
		abort();
	snprintf(path, sizeof(path), "/dev/shm/boltdns-fuzz-cp-miss-%d", (int)getpid());
	struct bolt_region_params p = { .path = path, .size = 32u << 20, .ring_slots = 16, .wipe = true };
	int e = 0;
	region = bolt_region_create(&p, &e);
	if (region == NULL) {
		fprintf(stderr, "region %s: %s\n", path, bolt_strerror(e));
		abort();
	}
	atexit(cleanup);
	cp.region = region;
	if (tap_start(&cp, &cfg) != 0)
		abort();
	put("a.example.");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (region == NULL)
		init();
	struct bolt_miss_msg m;
	memset(&m, 0, sizeof(m));
	memcpy(&m, data, size < sizeof(m) ? size : sizeof(m));
	/* Keep most inputs fresh: the age check would drop everything else. */
	if (m.received != 0)
		m.received = bolt_now();
	unsigned lcore = m.client.queue_id % 4;
	ring_handle_miss(&cp, lcore, &m);
	if (cp.pend.count != 0 || res_alive() != 0)
		abort();
	for (unsigned k = 0; k < 4; k++) {
		struct bolt_ring *ring = bolt_region_answer_ring(region, k);
		const struct bolt_answer_msg *a;
		while ((a = bolt_ring_peek(ring)) != NULL) {
			if (a->len < BOLT_HDR_LEN || a->len > BOLT_ANSWER_PAYLOAD_MAX)
				abort();
			bolt_ring_release(ring);
		}
	}
	return 0;
}
