/*
 * bolt_config_print: the configuration as INI text that loads back to the
 * same values (boltctl config, the fuzz target's round trip).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "boltdns/config.h"
#include "boltdns/wire.h"
#include "lib/config/internal.h"


/*
 * "name = value" that reads back the same: quoted when blanks at its ends
 * would be trimmed, no blank before a leading ';'. A loaded value never holds a blank followed by ';'
 * (inih cut it there) nor starts and ends with '"' around no other '"'
 * (unquote stripped those), so nothing else needs care.
 */
static void print_str(FILE *f, const char *name, const char *v)
{
	size_t len = strlen(v);
	if (len > 0 && (cfg_is_blank(v[0]) || cfg_is_blank(v[len - 1])))
		fprintf(f, "%s = \"%s\"\n", name, v);
	else if (v[0] == ';')
		fprintf(f, "%s =%s\n", name, v); /* " ;" would start a comment */
	else
		fprintf(f, "%s = %s\n", name, v);
}

static void print_addr(FILE *f, const void *item)
{
	const struct bolt_sockaddr *sa = item;
	char buf[64];
	if (bolt_sockaddr_format(sa, buf, sizeof(buf)) > 0)
		fputs(buf, f);
}

static void print_prefix(FILE *f, const void *item)
{
	const struct bolt_prefix *p = item;
	char buf[64];
	if (inet_ntop(p->family == AF_INET6 ? AF_INET6 : AF_INET, p->addr, buf, sizeof(buf)) != NULL)
		fprintf(f, "%s/%u", buf, (unsigned)p->len);
}

/* "name = a, b, c": the count items of size each from items, each printed by
 * one; nothing for an empty list unless the key takes one. */
static void print_list(FILE *f, const struct key *k, const void *items, size_t size,
                       unsigned count, void (*one)(FILE *, const void *))
{
	if (count == 0 && !(k->flags & F_EMPTY_OK))
		return;
	fprintf(f, "%s = ", k->name);
	for (unsigned i = 0; i < count; i++) {
		if (i > 0)
			fputs(", ", f);
		one(f, (const char *)items + (size_t)i * size);
	}
	fputc('\n', f);
}

/* Key k of the struct at cfg (struct bolt_config, or an instance of a
 * repeatable section). */
static void print_key(FILE *f, const void *cfg, const struct key *k)
{
	unsigned count = k->count_off != 0 ? *CCOUNT_AT(cfg, k) : 0;

	switch ((enum kind)k->kind) {
	case K_STR:
	case K_IFNAME:
	case K_USER:
		print_str(f, k->name, CAT(cfg, k, char));
		return;
	case K_UINT:
	case K_MSEC:
	case K_SECS:
		if ((k->flags & F_AUTO_WORD) && *CAT(cfg, k, unsigned) == 0xffffffffu) {
			fprintf(f, "%s = auto\n", k->name);
			return;
		}
		fprintf(f, "%s = %u\n", k->name, *CAT(cfg, k, unsigned));
		return;
	case K_SIZE:
		fprintf(f, "%s = %llu\n", k->name, (unsigned long long)*CAT(cfg, k, uint64_t));
		return;
	case K_BOOL:
		fprintf(f, "%s = %s\n", k->name, *CAT(cfg, k, bool) ? "yes" : "no");
		return;
	case K_OCTAL:
		fprintf(f, "%s = %04o\n", k->name, *CAT(cfg, k, unsigned));
		return;
	case K_ENUM: {
		int v = *CAT(cfg, k, int), n = 0;
		while (k->choices[n] != NULL)
			n++;
		fprintf(f, "%s = %s\n", k->name, k->choices[v >= 0 && v < n ? v : 0]);
		return;
	}
	case K_ADDRS:
		print_list(f, k, CAT(cfg, k, struct bolt_sockaddr), sizeof(struct bolt_sockaddr),
		           count, print_addr);
		return;
	case K_ADDR_OPT:
		fprintf(f, "%s = ", k->name);
		if (*(const bool *)(const void *)((const char *)cfg + k->aux_off))
			print_addr(f, CAT(cfg, k, struct bolt_sockaddr));
		fputc('\n', f);
		return;
	case K_PREFIXES:
		print_list(f, k, CAT(cfg, k, struct bolt_prefix), sizeof(struct bolt_prefix), count,
		           print_prefix);
		return;
	case K_NAMES: {
		const uint8_t (*names)[BOLT_CFG_NAME_WIRE] =
			(const uint8_t (*)[BOLT_CFG_NAME_WIRE])(const void *)CAT(cfg, k, uint8_t);
		char text[1024];
		/* one name a line (the key repeats): escaped names (\DDD) of a
		 * long list would not fit one line of LINE_MAX_BYTES */
		if (count == 0)
			fprintf(f, "%s = \n", k->name);
		for (unsigned i = 0; i < count && i < BOLT_CFG_MAX_NTA; i++)
			if (bolt_name_to_text(names[i], text, sizeof(text)) > 0)
				fprintf(f, "%s = %s\n", k->name, text);
		return;
	}
	case K_NAME: {
		char text[1024];
		if (bolt_name_to_text(CAT(cfg, k, uint8_t), text, sizeof(text)) > 0)
			fprintf(f, "%s = %s\n", k->name, text);
		return;
	}
	case K_DATA:
		for (unsigned i = 0; i < count && i < k->size / BOLT_CFG_STR; i++)
			print_str(f, k->name, CAT(cfg, k, char) + (size_t)i * BOLT_CFG_STR);
		return;
	}
}

int bolt_config_print(const struct bolt_config *cfg, FILE *f)
{
	const char *section = "";

	if (cfg == NULL || f == NULL)
		return -EINVAL;
	for (size_t i = 0; i < cfg_nkeys; i++) {
		if (strcmp(section, cfg_keys[i].section) != 0) {
			section = cfg_keys[i].section;
			fprintf(f, "%s[%s]\n", i == 0 ? "" : "\n", section);
		}
		print_key(f, cfg, &cfg_keys[i]);
	}
	/* repeatable sections: one "[name]" and its keys per instance */
	for (size_t m = 0; m < cfg_nmultis; m++) {
		const struct cfg_multi *sec = cfg_multis[m];
		unsigned n = cfg_multi_count(sec, cfg);
		for (unsigned i = 0; i < n; i++) {
			const void *inst = cfg_multi_cinst(sec, cfg, i);
			fprintf(f, "\n[%s]\n", sec->name);
			for (size_t j = 0; j < sec->nkeys; j++)
				print_key(f, inst, &sec->keys[j]);
		}
	}
	return ferror(f) ? -EIO : 0;
}
