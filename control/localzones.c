/*
 * Locally served zones (see localzones.h).
 */
#include <stdio.h>
#include <string.h>

#include "boltdns/answer.h"
#include "boltdns/wire_ctx.h"
#include "iter/zones.h"
#include "localzones.h"
#include "respond.h"

/* The zones, as text; turned into wire form once. */
static const char *const zone_text[] = {
	"localhost.",
	"invalid.",
	"onion.",
	/* RFC 6303 4.1-4.5: IPv4 */
	"10.in-addr.arpa.",
	"16.172.in-addr.arpa.", "17.172.in-addr.arpa.", "18.172.in-addr.arpa.",
	"19.172.in-addr.arpa.", "20.172.in-addr.arpa.", "21.172.in-addr.arpa.",
	"22.172.in-addr.arpa.", "23.172.in-addr.arpa.", "24.172.in-addr.arpa.",
	"25.172.in-addr.arpa.", "26.172.in-addr.arpa.", "27.172.in-addr.arpa.",
	"28.172.in-addr.arpa.", "29.172.in-addr.arpa.", "30.172.in-addr.arpa.",
	"31.172.in-addr.arpa.",
	"168.192.in-addr.arpa.",
	"0.in-addr.arpa.",
	"127.in-addr.arpa.",
	"254.169.in-addr.arpa.",
	"2.0.192.in-addr.arpa.",
	"100.51.198.in-addr.arpa.",
	"113.0.203.in-addr.arpa.",
	"255.255.255.255.in-addr.arpa.",
	/* RFC 6303 4.6-4.8: IPv6 (:: and ::1 are filled in by zones_init) */
	"",
	"",
	"d.f.ip6.arpa.",
	"8.e.f.ip6.arpa.", "9.e.f.ip6.arpa.", "a.e.f.ip6.arpa.", "b.e.f.ip6.arpa.",
	"8.b.d.0.1.0.0.2.ip6.arpa.",
};

#define NZONES (sizeof(zone_text) / sizeof(zone_text[0]))
#define Z_LOCALHOST 0

static uint8_t zones[NZONES][BOLT_NAME_MAX];
static bool zones_ready;

static void zones_init(void)
{
	if (zones_ready)
		return;
	char v6[2][80];
	/* ::/128 and ::1/128: 32 nibbles, least significant first. */
	for (int k = 0; k < 2; k++) {
		char *p = v6[k];
		for (int i = 0; i < 32; i++)
			p += sprintf(p, "%c.", i == 0 && k == 1 ? '1' : '0');
		strcpy(p, "ip6.arpa.");
	}
	for (size_t i = 0; i < NZONES; i++) {
		const char *t = zone_text[i];
		if (t[0] == '\0')
			t = v6[zone_text[i - 1][0] == '\0' ? 1 : 0];
		if (bolt_name_from_text(t, zones[i]) < 0)
			zones[i][0] = 0xff; /* never matches (cannot happen) */
	}
	zones_ready = true;
}

/* SOA RDATA: localhost. nobody.invalid. 1 3600 1200 604800 10800 */
static const uint8_t soa_rdata[] = {
	9, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't', 0,
	6, 'n', 'o', 'b', 'o', 'd', 'y', 7, 'i', 'n', 'v', 'a', 'l', 'i', 'd', 0,
	0, 0, 0, 1,
	0, 0, 0x0e, 0x10,
	0, 0, 0x04, 0xb0,
	0, 0x09, 0x3a, 0x80,
	0, 0, 0x2a, 0x30,
};
static const uint8_t ns_rdata[] = { 9, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't', 0 };
static const uint8_t lo4[4] = { 127, 0, 0, 1 };
static const uint8_t lo6[16] = { [15] = 1 };

const uint8_t *localzones_name(unsigned i)
{
	zones_init();
	return i < NZONES ? zones[i] : NULL;
}

/* The local zone of qname: its index, NZONES when none. */
static size_t find_zone(const uint8_t *qname)
{
	zones_init();
	size_t z = 0;
	while (z < NZONES && !bolt_name_in_zone(qname, zones[z]))
		z++;
	return z;
}

int localzones_build(const uint8_t *qname, size_t qname_len, uint16_t qtype, uint8_t *buf,
                     size_t cap, struct bolt_build *b, uint8_t *kind)
{
	size_t z = find_zone(qname);
	if (z == NZONES)
		return 0;
	const uint8_t *zone = zones[z];
	bool apex = bolt_name_equal(qname, zone);
	bool lo = z == Z_LOCALHOST;
	bool any = qtype == BOLT_TYPE_ANY;
	uint16_t rcode = BOLT_RCODE_NOERROR;
	bool soa_ans = false, ns_ans = false, a_ans = false, aaaa_ans = false;

	if (apex && (qtype == BOLT_TYPE_SOA || any))
		soa_ans = true;
	if (apex && (qtype == BOLT_TYPE_NS || any))
		ns_ans = true;
	if (lo && (qtype == BOLT_TYPE_A || any))
		a_ans = true;
	if (lo && (qtype == BOLT_TYPE_AAAA || any))
		aaaa_ans = true;
	if (!apex && !lo)
		rcode = BOLT_RCODE_NXDOMAIN;

	int ret = bolt_build_init(b, buf, cap, 0,
	                          BOLT_FLAG_QR | BOLT_FLAG_AA | BOLT_FLAG_RA | rcode);
	if (ret == 0)
		ret = bolt_build_question(b, qname, qname_len, qtype, BOLT_CLASS_IN);
	if (ret < 0)
		return ret;
	uint32_t ttl = LOCALZONES_TTL;
	if (soa_ans)
		bolt_build_rr(b, BOLT_SEC_ANSWER, zone, BOLT_TYPE_SOA, BOLT_CLASS_IN, ttl, soa_rdata,
		              sizeof(soa_rdata));
	if (ns_ans)
		bolt_build_rr(b, BOLT_SEC_ANSWER, zone, BOLT_TYPE_NS, BOLT_CLASS_IN, ttl, ns_rdata,
		              sizeof(ns_rdata));
	if (a_ans)
		bolt_build_rr(b, BOLT_SEC_ANSWER, qname, BOLT_TYPE_A, BOLT_CLASS_IN, ttl, lo4,
		              sizeof(lo4));
	if (aaaa_ans)
		bolt_build_rr(b, BOLT_SEC_ANSWER, qname, BOLT_TYPE_AAAA, BOLT_CLASS_IN, ttl, lo6,
		              sizeof(lo6));
	bool answered = soa_ans || ns_ans || a_ans || aaaa_ans;
	/* Negative answers carry the zone's SOA (RFC 2308). */
	if (!answered)
		bolt_build_rr(b, BOLT_SEC_AUTHORITY, zone, BOLT_TYPE_SOA, BOLT_CLASS_IN, ttl,
		              soa_rdata, sizeof(soa_rdata));
	*kind = answered ? BOLT_CACHE_POSITIVE
	        : rcode == BOLT_RCODE_NXDOMAIN ? BOLT_CACHE_NXDOMAIN : BOLT_CACHE_NODATA;
	return bolt_build_finish(b);
}

bool localzones_answer(struct cp *cp, const struct pkey *key, const struct waiter *w)
{
	static uint8_t buf[4096];
	if (cp->cfg->local_zones == BOLT_LOCAL_ZONES_NONE || key->qclass != BOLT_CLASS_IN)
		return false;
	/* A forward or stub zone at or below the local zone's apex takes its
	 * names over (a private reverse zone served inside the network). */
	size_t z = find_zone(key->name);
	if (z < NZONES && zones_match(key->name, -1, NULL) != NULL &&
	    zones_match(key->name, -1, NULL)->labels >= bolt_name_labels(zones[z]))
		return false;
	struct bolt_build b;
	uint8_t kind = BOLT_CACHE_SERVFAIL;
	int len = localzones_build(key->name, key->name_len, key->qtype, buf, sizeof(buf), &b,
	                           &kind);
	if (len == 0)
		return false;
	cp->ctr.local_zone_answers++;
	if (len < 0) {
		if (w != NULL)
			respond_error(cp, w, BOLT_RCODE_SERVFAIL, BOLT_EDE_OTHER, "local zone");
		return true;
	}
	if (cp->region != NULL) {
		if (bolt_answer_insert(cp->region->cache, buf, (size_t)len, b.ttl_off, b.nttl,
		                       key->do_bit, bolt_now(), LOCALZONES_TTL, kind) == 0)
			cp->ctr.cache_inserts++;
		else
			cp->ctr.cache_errors++;
	}
	if (w != NULL)
		respond_msg(cp, w, buf, (size_t)len, b.ttl_off, b.nttl, LOCALZONES_TTL, kind, 0);
	return true;
}
