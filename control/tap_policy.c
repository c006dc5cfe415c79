/*
 * RPZ policies described as the dnstap schema's Policy (tap_policy.h).
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "dnstap/dnstap.h"
#include "rpz/rpz.h"
#include "tap_policy.h"

/* The RPZ owner name of an address trigger "ADDR/LEN": LEN then the
 * address's labels in reverse (IPv4 octets; IPv6 16-bit groups in hex, the
 * longest run of two or more zero groups as "zz"), then "rpz-ip" or
 * "rpz-nsip". */
static int addr_owner(const char *text, bool ns, char *out, size_t cap)
{
	char a[INET6_ADDRSTRLEN];
	const char *slash = strchr(text, '/');
	if (slash == NULL || (size_t)(slash - text) >= sizeof(a))
		return -1;
	memcpy(a, text, (size_t)(slash - text));
	a[slash - text] = '\0';
	uint8_t b[16];
	size_t pos = 0;
	int n = snprintf(out, cap, "%s", slash + 1);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	pos = (size_t)n;
	if (inet_pton(AF_INET, a, b) == 1) {
		for (int i = 3; i >= 0 && pos < cap; i--)
			pos += (size_t)snprintf(out + pos, cap - pos, ".%u", b[i]);
	} else if (inet_pton(AF_INET6, a, b) == 1) {
		unsigned g[8], zs = 8, zl = 0;
		for (unsigned i = 0; i < 8; i++)
			g[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
		for (unsigned i = 0; i < 8;) {
			unsigned j = i;
			while (j < 8 && g[j] == 0)
				j++;
			if (j - i > zl && j - i >= 2) {
				zs = i;
				zl = j - i;
			}
			i = j > i ? j : i + 1;
		}
		for (int i = 7; i >= 0 && pos < cap; i--) {
			if (zl > 0 && (unsigned)i >= zs && (unsigned)i < zs + zl) {
				if ((unsigned)i == zs)
					pos += (size_t)snprintf(out + pos, cap - pos, ".zz");
				continue;
			}
			pos += (size_t)snprintf(out + pos, cap - pos, ".%x", g[i]);
		}
	} else {
		return -1;
	}
	if (pos < cap)
		pos += (size_t)snprintf(out + pos, cap - pos, ".%s", ns ? "rpz-nsip" : "rpz-ip");
	return pos < cap ? (int)pos : -1;
}

/* The rule's owner name (wire form) into tp->rule: its trigger as the zone
 * file writes it, then the zone's origin. */
static void rule_owner(struct tap_policy *tp, const struct rpz_hit *h)
{
	char trig[300], owner[300], otext[1024], text[1400];
	const uint8_t *origin = rpz_zone_origin(h->zone);
	tp->rule_len = 0;
	if (origin == NULL || rpz_rule_text(h->zone, h->rule, trig, sizeof(trig)) < 0 ||
	    bolt_name_to_text(origin, otext, sizeof(otext)) < 0)
		return;
	if (h->trigger == RPZ_TRIG_IP || h->trigger == RPZ_TRIG_NSIP) {
		if (addr_owner(trig, h->trigger == RPZ_TRIG_NSIP, owner, sizeof(owner)) < 0)
			return;
	} else {
		/* "bad.example." or "*.bad.example." (the root: "." or "*") */
		size_t tl = strlen(trig);
		if (tl > 0 && trig[tl - 1] == '.')
			trig[--tl] = '\0';
		bool ns = h->trigger == RPZ_TRIG_NSDNAME || h->trigger == RPZ_TRIG_NSDNAME_WILD;
		snprintf(owner, sizeof(owner), "%s%s%s", trig, tl > 0 && ns ? "." : "",
		         ns ? "rpz-nsdname" : "");
	}
	/* owner, then the origin ("." for the root zone) */
	int n = snprintf(text, sizeof(text), "%s%s%s", owner, owner[0] != '\0' ? "." : "",
	                 strcmp(otext, ".") == 0 ? "" : otext);
	uint8_t wire[BOLT_NAME_MAX];
	int wl = n > 0 && (size_t)n < sizeof(text) ? bolt_name_from_text(text, wire) : -1;
	if (wl <= 0 || wl > BOLT_NAME_MAX)
		return;
	memcpy(tp->rule, wire, (size_t)wl);
	tp->rule_len = (uint8_t)wl;
}

void tap_policy_fill(const struct cp *cp, struct tap_policy *tp, const struct rpz_hit *h,
                     const uint8_t *value, size_t vlen)
{
	memset(tp, 0, offsetof(struct tap_policy, rule));
	if (!dnstap_wants(cp->tap, DNSTAP_CLIENT_RESPONSE))
		return;
	static const uint8_t action[] = {
		[RPZ_ACT_NXDOMAIN] = DNSTAP_ACTION_NXDOMAIN,
		[RPZ_ACT_NODATA] = DNSTAP_ACTION_NODATA,
		[RPZ_ACT_PASSTHRU] = DNSTAP_ACTION_PASS,
		[RPZ_ACT_DROP] = DNSTAP_ACTION_DROP,
		[RPZ_ACT_TCP_ONLY] = DNSTAP_ACTION_TRUNCATE,
		[RPZ_ACT_LOCAL] = DNSTAP_ACTION_LOCAL_DATA,
	};
	static const uint8_t match[RPZ_TRIG_COUNT] = {
		[RPZ_TRIG_QNAME] = DNSTAP_MATCH_QNAME,
		[RPZ_TRIG_QNAME_WILD] = DNSTAP_MATCH_QNAME,
		[RPZ_TRIG_IP] = DNSTAP_MATCH_RESPONSE_IP,
		[RPZ_TRIG_NSDNAME] = DNSTAP_MATCH_NS_NAME,
		[RPZ_TRIG_NSDNAME_WILD] = DNSTAP_MATCH_NS_NAME,
		[RPZ_TRIG_NSIP] = DNSTAP_MATCH_NS_IP,
	};
	if (h->action >= sizeof(action) || action[h->action] == 0 || h->trigger >= RPZ_TRIG_COUNT)
		return;
	tp->action = action[h->action];
	tp->match = match[h->trigger];
	if (value != NULL && vlen <= sizeof(tp->value)) {
		memcpy(tp->value, value, vlen);
		tp->value_len = (uint8_t)vlen;
	}
	rule_owner(tp, h);
}
