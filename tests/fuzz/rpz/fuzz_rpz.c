/*
 * libFuzzer target: policy zone text (control/rpz/parse.c, rules.c). The
 * input is parsed as a zone with a configured origin and as one without;
 * whatever loads must answer look-ups of every kind and build its answers
 * without faults, and a zone's difference with itself must be empty. The
 * input is also a transfer answer whose TSIG is verified (twice, as the
 * first message and as a later one): an error or a verified message, never
 * a fault.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "boltdns/errcode.h"
#include "rpz.h"
#include "tsig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned logged;

static void log_cb(void *arg, const char *file, unsigned line, const char *msg)
{
	(void)arg;
	if (strcmp(file, "fuzz") != 0 || line == 0 || msg == NULL || msg[0] == '\0')
		abort();
	logged++;
}

static void probe(const struct rpz_zone *z)
{
	static const char *const names[] = {
		"bad.example.", "a.b.example.", "example.", ".", "x.rpz.test.",
	};
	uint8_t n[BOLT_NAME_MAX], buf[4096], target[BOLT_NAME_MAX];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct rpz_hit h;
		if (bolt_name_from_text(names[i], n) <= 0)
			abort();
		if (rpz_zone_match_qname(z, n, &h) &&
		    (h.action == RPZ_ACT_NXDOMAIN || h.action == RPZ_ACT_NODATA ||
		     h.action == RPZ_ACT_LOCAL)) {
			struct bolt_build b;
			uint8_t kind;
			uint32_t ttl;
			int len = rpz_answer(&h, n, 1, buf, sizeof(buf), &b, &kind, &ttl, target);
			(void)len;
			char text[300];
			(void)rpz_rule_text(z, h.rule, text, sizeof(text));
		}
		(void)rpz_zone_match_nsdname(z, n, &h);
	}
	uint8_t a4[4] = { 192, 0, 2, 1 }, a6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	struct rpz_hit h;
	(void)rpz_zone_match_addr(z, RPZ_TRIG_IP, AF_INET, a4, &h);
	(void)rpz_zone_match_addr(z, RPZ_TRIG_IP, AF_INET6, a6, &h);
	(void)rpz_zone_match_addr(z, RPZ_TRIG_NSIP, AF_INET, a4, &h);
	struct rpz_zone *d = rpz_zone_diff(z, z);
	if (d == NULL || rpz_zone_rules(d) != 0)
		abort();
	rpz_zone_free(d);
}

static void tsig(const uint8_t *data, size_t size)
{
	static struct rpz_tsig_key key;
	static uint8_t msg[65535];
	static const uint8_t mac[RPZ_TSIG_MAC_LEN] = { 1, 2, 3 };
	if (key.secret_len == 0 && rpz_tsig_key_parse("rpzkey:hmac-sha256:c2VjcmV0", &key) < 0)
		abort();
	if (size > sizeof(msg))
		size = sizeof(msg);
	struct rpz_tsig_stream s;
	rpz_tsig_stream_init(&s, &key, mac);
	for (int i = 0; i < 2; i++) {
		memcpy(msg, data, size);
		size_t out = 0;
		const char *why = NULL;
		if (rpz_tsig_verify(&s, msg, size, 1767225600, &out, &why) == 0 && out > size)
			abort();
		s.first = false;
	}
	rpz_tsig_stream_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tsig(data, size);
	static const uint8_t origin[] = { 3, 'r', 'p', 'z', 4, 't', 'e', 's', 't', 0 };
	struct rpz_zone *z = rpz_zone_new(origin);
	if (z == NULL)
		return 0;
	if (rpz_zone_parse(z, (const char *)data, size, "fuzz", log_cb, NULL) == 0)
		probe(z);
	rpz_zone_free(z);
	z = rpz_zone_new(NULL);
	if (z != NULL && rpz_zone_parse(z, (const char *)data, size, "fuzz", log_cb, NULL) == 0)
		probe(z);
	rpz_zone_free(z);
	return 0;
}
