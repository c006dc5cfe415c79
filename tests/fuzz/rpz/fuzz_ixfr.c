/*
 * libFuzzer target: reading a zone transfer answer (control/rpz/ixfr.c) and
 * applying it to a zone's records (ixfr_set.c), and a NOTIFY (notify.c, the
 * request's TSIG check in tsig.c).
 *
 * Input: byte 0 picks AXFR (odd) or IXFR from serial 1 (even); then
 * messages, each a 2-byte length and that many bytes, parsed as the
 * transfer client parses them and fed record by record until the reader
 * says the answer is complete or fails. A complete answer is applied to a
 * base zone (serial 1: a SOA and a few rules) and built into a policy store;
 * the base must come out unchanged. The whole input is also read as a
 * NOTIFY and answered (signed and not): an error or an answer, never a
 * fault.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boltdns/errcode.h"
#include "boltdns/wire_ctx.h"
#include "ixfr.h"
#include "notify.h"
#include "rpz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RR_MAX 512

static struct rpz_rrset *base_zone(uint8_t *origin)
{
	static const char *const rules[] = { "www.example.rpz.test.", "*.bad.rpz.test.",
	                                     "24.0.2.0.192.rpz-ip.rpz.test." };
	static const uint8_t dot[1] = { 0 };
	if (bolt_name_from_text("rpz.test.", origin) <= 0)
		abort();
	struct rpz_rrset *s = rpz_rrset_new();
	uint8_t soa[64], n[BOLT_NAME_MAX];
	int l1 = bolt_name_from_text("ns.rpz.test.", soa);
	int l2 = bolt_name_from_text("admin.rpz.test.", soa + l1);
	if (s == NULL || l1 <= 0 || l2 <= 0)
		abort();
	uint8_t *p = soa + l1 + l2;
	bolt_wire_put_u32(p, 1);
	bolt_wire_put_u32(p + 4, 3600);
	bolt_wire_put_u32(p + 8, 60);
	bolt_wire_put_u32(p + 12, 86400);
	bolt_wire_put_u32(p + 16, 60);
	if (rpz_rrset_add(s, origin, BOLT_TYPE_SOA, 60, soa, (uint16_t)(l1 + l2 + 20)) < 0)
		abort();
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (bolt_name_from_text(rules[i], n) <= 0 ||
		    rpz_rrset_add(s, n, BOLT_TYPE_CNAME, 60, dot, 1) < 0)
			abort();
	return s;
}

static void notify(const uint8_t *data, size_t size)
{
	static struct rpz_tsig_key key;
	static uint8_t msg[RPZ_NOTIFY_MAX];
	uint8_t out[1024], mac[RPZ_TSIG_MAC_LEN];
	if (key.secret_len == 0 && rpz_tsig_key_parse("rpzkey:hmac-sha256:c2VjcmV0", &key) < 0)
		abort();
	struct rpz_notify n;
	int rc = rpz_notify_parse(data, size, &n);
	if (rc == 0 && (n.zone_len == 0 || size > RPZ_NOTIFY_MAX))
		abort();
	if (size >= BOLT_HDR_LEN && rpz_notify_answer(&n, 5, NULL, NULL, out, sizeof(out)) < 0 &&
	    n.zone_len == 0)
		abort();
	if (rc != 0)
		return;
	memcpy(msg, data, size);
	size_t ol = 0;
	const char *why = NULL;
	if (rpz_tsig_verify_request(&key, msg, size, 1767225600, &ol, mac, &why) == 0) {
		if (ol > size)
			abort();
		(void)rpz_notify_answer(&n, 0, &key, mac, out, sizeof(out));
	} else if (why == NULL || why[0] == '\0') {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rpz_rrset *base;
	static uint8_t origin[BOLT_NAME_MAX];
	static struct bolt_rr rrs[RR_MAX];
	static uint8_t scratch[2 * 65536];
	if (base == NULL)
		base = base_zone(origin);
	notify(data, size);
	if (size < 1)
		return 0;
	struct rpz_ixfr x;
	rpz_ixfr_init(&x, data[0] & 1, 1);
	size_t pos = 1;
	int st = 0;
	while (st == 0 && pos + 2 <= size) {
		size_t len = bolt_wire_get_u16(data + pos);
		pos += 2;
		if (len > size - pos)
			len = size - pos;
		struct bolt_msg m;
		if (bolt_msg_parse(data + pos, len, &m, rrs, RR_MAX, scratch, sizeof(scratch)) < 0)
			break;
		pos += len;
		for (unsigned i = 0; i < m.rrcount && st == 0; i++) {
			const char *why = NULL;
			st = rpz_ixfr_feed(&x, m.rrs[i].owner, m.rrs[i].type, m.rrs[i].ttl, m.rrs[i].rdata,
			                   m.rrs[i].rdlen, &why);
			if (st < 0 && (why == NULL || why[0] == '\0'))
				abort();
		}
		if (st == 0)
			st = rpz_ixfr_message_end(&x);
	}
	size_t before = rpz_rrset_count(base);
	struct rpz_rrset *out = NULL;
	const char *why = NULL;
	int rc = rpz_ixfr_apply(&x, base, &out, &why);
	if (st == 1 && (x.kind == RPZ_IXFR_FULL || x.kind == RPZ_IXFR_INCREMENTAL) &&
	    rc != 0 && rc != BOLT_ENOENT && rc != -12 /* ENOMEM */ && rc != BOLT_ENAME)
		abort();
	if (rc == 0) {
		uint16_t sl;
		uint32_t serial;
		if (out == NULL || rpz_rrset_soa(out, &sl, &serial) == NULL || serial != x.to)
			abort();
		struct rpz_zone *z = rpz_rrset_build(out, origin, NULL, NULL);
		struct rpz_rrset *c = rpz_rrset_clone(out);
		if (z == NULL || c == NULL || rpz_rrset_count(c) != rpz_rrset_count(out))
			abort();
		rpz_zone_free(z);
		rpz_rrset_free(c);
		rpz_rrset_free(out);
	}
	if (rpz_rrset_count(base) != before)
		abort();
	rpz_ixfr_free(&x);
	return 0;
}
