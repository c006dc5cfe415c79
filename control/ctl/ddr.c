/*
 * The DDR records (RFC 9462) that announce boltdns-edge's encrypted
 * endpoints, as [local] data lines.
 */
#include <stdio.h>
#include <string.h>

#include "boltdns/config.h"
#include "boltdns/wire.h"
#include "ctl_internal.h"

/*
 * DDR (RFC 9462): the encrypted endpoints of [tls] as SVCB records of
 * _dns.resolver.arpa (discovery by any client) and _dns.<ddr-name>
 * (verified discovery: the name the certificate holds), target ddr-name:
 * DoT (alpn dot, its port) at priority 1, DoH (alpn h2, its port, dohpath
 * RFC 9461) at 2. Local data like [local] data, so they are cached static
 * and the dataplane answers them over UDP too.
 */
int ctl_ddr_records(const struct bolt_config *cfg, ctl_ddr_add_fn add, void *arg, char *err,
                    size_t errlen)
{
	if (cfg->ddr_name[0] == '\0' || (cfg->ndot_listen == 0 && cfg->ndoh_listen == 0))
		return 0;
	uint8_t target[BOLT_NAME_MAX];
	int tlen = bolt_name_from_text(cfg->ddr_name, target);
	if (tlen < 0) {
		snprintf(err, errlen, "%s: [tls] ddr-name '%s': %s", cfg->path, cfg->ddr_name,
		         bolt_strerror(tlen));
		return tlen;
	}
	char owners[2][BOLT_CFG_STR + 8];
	snprintf(owners[0], sizeof(owners[0]), "_dns.resolver.arpa.");
	snprintf(owners[1], sizeof(owners[1]), "_dns.%s", cfg->ddr_name);
	for (unsigned kind = 0; kind < 2; kind++) {
		const struct bolt_sockaddr *a = kind == 0 ? cfg->dot_listen : cfg->doh_listen;
		if ((kind == 0 ? cfg->ndot_listen : cfg->ndoh_listen) == 0)
			continue;
		uint16_t port = a->port != 0 ? a->port : kind == 0 ? 853 : 443;
		uint8_t rd[600];
		size_t n = 0;
		rd[n++] = 0;
		rd[n++] = (uint8_t)(kind + 1);                 /* SvcPriority */
		memcpy(rd + n, target, (size_t)tlen);
		n += (size_t)tlen;
		const char *alpn = kind == 0 ? "dot" : "h2";
		size_t al = strlen(alpn);
		rd[n++] = 0; rd[n++] = 1;                      /* alpn */
		rd[n++] = 0; rd[n++] = (uint8_t)(al + 1);
		rd[n++] = (uint8_t)al;
		memcpy(rd + n, alpn, al);
		n += al;
		rd[n++] = 0; rd[n++] = 3;                      /* port */
		rd[n++] = 0; rd[n++] = 2;
		rd[n++] = (uint8_t)(port >> 8); rd[n++] = (uint8_t)port;
		if (kind == 1) {
			char tmpl[300];
			int tl = snprintf(tmpl, sizeof(tmpl), "%s{?dns}", cfg->doh_path);
			if (tl < 0 || (size_t)tl >= sizeof(tmpl))
				return BOLT_ESPACE;
			rd[n++] = 0; rd[n++] = 7;              /* dohpath (RFC 9461) */
			rd[n++] = (uint8_t)(tl >> 8); rd[n++] = (uint8_t)tl;
			memcpy(rd + n, tmpl, (size_t)tl);
			n += (size_t)tl;
		}
		char line[BOLT_CFG_STR * 2 + 1400];
		for (unsigned o = 0; o < 2; o++) {
			int m = snprintf(line, sizeof(line), "%s 300 IN TYPE64 \\# %zu ", owners[o], n);
			for (size_t i = 0; i < n && m > 0 && (size_t)m + 3 < sizeof(line); i++)
				m += snprintf(line + m, sizeof(line) - (size_t)m, "%02x", rd[i]);
			char why[256];
			int ret = add(arg, line, why, sizeof(why));
			if (ret < 0) {
				snprintf(err, errlen, "%s: DDR record '%s': %s", cfg->path, line, why);
				return ret;
			}
		}
	}
	return 0;
}

