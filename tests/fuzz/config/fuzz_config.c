/*
 * libFuzzer target: bolt_config_load_string, and the address and prefix
 * parsers on the same text. Checks the promises of config.h: only 0 or
 * BOLT_ECONFIG, an error always "NAME:LINE: ...", counts within their arrays,
 * a loaded configuration prints to a file that loads to the same print,
 * addresses that format and parse back to the same value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "boltdns/config.h"
#include "boltdns/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool pow2_or_zero(unsigned v)
{
	return (v & (v - 1)) == 0;
}

static void check_config(const struct bolt_config *c)
{
	if (c->naddress > BOLT_CFG_MAX_ADDRS || c->nlisten > BOLT_CFG_MAX_ADDRS ||
	    c->ntcp_listen > BOLT_CFG_MAX_ADDRS || c->noutgoing > BOLT_CFG_MAX_ADDRS ||
	    c->nallow > BOLT_CFG_MAX_PREFIXES || c->nlocal_data > BOLT_CFG_MAX_LOCAL)
		abort();
	/* 0 is "automatic" for both */
	if (!pow2_or_zero(c->cache_shards) || !pow2_or_zero(c->ring_slots) || c->cache_shards > 256)
		abort();
	if (c->workers == 0 || c->cache_size < (32ull << 20))
		abort();
	if (c->io == BOLT_IO_SOCKET && c->nlisten == 0)
		abort();
	if (memchr(c->eal, '\0', sizeof(c->eal)) == NULL ||
	    memchr(c->cache_path, '\0', sizeof(c->cache_path)) == NULL ||
	    memchr(c->control_socket, '\0', sizeof(c->control_socket)) == NULL)
		abort();
	for (unsigned i = 0; i < c->nallow; i++)
		if (c->allow[i].len > (c->allow[i].family == AF_INET ? 32 : 128))
			abort();
	/* [zone]: within the array, each with a server and a name unlike the others' */
	if (c->nzones > BOLT_CFG_MAX_ZONES)
		abort();
	for (unsigned i = 0; i < c->nzones; i++) {
		const struct bolt_cfg_zone *z = &c->zones[i];
		if (z->nservers == 0 || z->nservers > BOLT_CFG_MAX_ADDRS ||
		    (z->type != BOLT_ZONE_FORWARD && z->type != BOLT_ZONE_STUB) ||
		    bolt_name_len(z->name, sizeof(z->name)) <= 0)
			abort();
		for (unsigned j = 0; j < i; j++)
			if (bolt_name_equal(c->zones[j].name, z->name))
				abort();
	}
	/* [rpz]: within the array, each named, with a file or a primary (not
	 * both), a known policy and EDE, names distinct */
	if (c->nrpz > BOLT_CFG_MAX_RPZ)
		abort();
	for (unsigned i = 0; i < c->nrpz; i++) {
		const struct bolt_cfg_rpz *r = &c->rpz[i];
		if (bolt_name_len(r->name, sizeof(r->name)) <= 0 ||
		    (r->file[0] == '\0') == !r->has_primary ||
		    memchr(r->file, '\0', sizeof(r->file)) == NULL ||
		    r->policy < BOLT_RPZ_GIVEN || r->policy > BOLT_RPZ_DROP ||
		    r->ede < BOLT_RPZ_EDE_NONE || r->ede > BOLT_RPZ_EDE_FILTERED)
			abort();
		for (unsigned j = 0; j < i; j++)
			if (bolt_name_equal(c->rpz[j].name, r->name))
				abort();
	}
	for (unsigned i = 0; i < c->nlocal_data; i++)
		if (memchr(c->local_data[i], '\0', BOLT_CFG_STR) == NULL || c->local_data[i][0] == '\0')
			abort();
}

static void check_addr(const char *text)
{
	struct bolt_sockaddr sa, back;
	struct bolt_prefix p;
	char buf[64];

	if (bolt_sockaddr_parse(text, &sa) == 0) {
		if (bolt_sockaddr_format(&sa, buf, sizeof(buf)) <= 0)
			abort();
		if (bolt_sockaddr_parse(buf, &back) != 0 || memcmp(&sa, &back, sizeof(sa)) != 0)
			abort();
	}
	if (bolt_prefix_parse(text, &p) == 0) {
		/* a prefix contains its own network address */
		if (!bolt_prefix_match(&p, p.family, p.addr))
			abort();
	}
}

/* Print into a malloc'ed string (NULL when the stream cannot be made). */
static char *print_cfg(const struct bolt_config *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL)
		return NULL;
	if (bolt_config_print(c, f) != 0)
		abort();
	fclose(f);
	return buf;
}

static void check_roundtrip(const struct bolt_config *c)
{
	static struct bolt_config back;
	char err[512];
	char *text = print_cfg(c);
	if (text == NULL)
		return;
	if (bolt_config_load_string(&back, text, "printed", err, sizeof(err)) != 0) {
		fprintf(stderr, "printed config refused: %s\n%s", err, text);
		abort();
	}
	char *again = print_cfg(&back);
	if (again != NULL && strcmp(text, again) != 0) {
		fprintf(stderr, "print differs:\n%s\n---\n%s", text, again);
		abort();
	}
	free(again);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the struct is large (local data); keep it off the stack */
	static struct bolt_config cfg;
	char err[512];
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	bolt_config_defaults(&cfg);
	int ret = bolt_config_load_string(&cfg, text, "fuzz", err, sizeof(err));
	if (ret == 0) {
		check_config(&cfg);
		check_roundtrip(&cfg);
	}
	else if (ret != BOLT_ECONFIG || strncmp(err, "fuzz:", 5) != 0)
		abort();

	if (size < 128)
		check_addr(text);
	free(text);
	return 0;
}
