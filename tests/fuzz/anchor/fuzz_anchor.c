/*
 * libFuzzer target: trust anchor files (control/anchor/tafile.c, state.c).
 * The input is read as an anchor file (zone-file DS/DNSKEY lines or RFC 7958
 * XML) and as an RFC 5011 state file. Errors must be "fuzz:LINE: ..."; an
 * accepted set must hold only checked anchors, and survive a save and load
 * of the state file unchanged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "anchor.h"
#include "boltdns/errcode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ta_set *a, *b;
static char path[64];

static void check_set(const struct ta_set *s)
{
	if (s->n > TA_MAX_POINTS)
		abort();
	for (unsigned i = 0; i < s->n; i++) {
		const struct ta_point *p = &s->point[i];
		if (p->nkeys > TA_MAX_KEYS || bolt_name_len(p->name, BOLT_NAME_MAX) != p->name_len)
			abort();
		for (unsigned k = 0; k < p->nkeys; k++) {
			const struct ta_key *key = &p->keys[k];
			if (key->rdlen < 5 || key->rdlen > TA_RDATA_MAX ||
			    (key->type != TA_TYPE_DS && key->type != TA_TYPE_DNSKEY))
				abort();
			if (key->type == TA_TYPE_DNSKEY &&
			    (key->tag != ta_key_tag(key->rdata, key->rdlen) || key->rdata[2] != 3))
				abort();
		}
	}
}

static bool same(const struct ta_set *x, const struct ta_set *y)
{
	if (x->n != y->n)
		return false;
	for (unsigned i = 0; i < x->n; i++) {
		const struct ta_point *p = &x->point[i], *q = &y->point[i];
		if (p->nkeys != q->nkeys || !bolt_name_equal(p->name, q->name) ||
		    p->next_probe != q->next_probe || p->query_failed != q->query_failed)
			return false;
		for (unsigned k = 0; k < p->nkeys; k++)
			if (p->keys[k].rdlen != q->keys[k].rdlen || p->keys[k].state != q->keys[k].state ||
			    p->keys[k].added != q->keys[k].added ||
			    memcmp(p->keys[k].rdata, q->keys[k].rdata, p->keys[k].rdlen) != 0)
				return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	if (a == NULL) {
		a = malloc(sizeof(*a));
		b = malloc(sizeof(*b));
		snprintf(path, sizeof(path), "/dev/shm/fuzz-anchor-%d.key", (int)getpid());
		if (a == NULL || b == NULL)
			abort();
	}
	ta_set_init(a, 0);
	int ret = ta_load_text(a, (const char *)data, size, "fuzz", 1767225600, err, sizeof(err));
	if (ret != 0 && (ret != BOLT_ECONFIG || strncmp(err, "fuzz:", 5) != 0))
		abort();
	if (ret == 0)
		check_set(a);

	/* the same bytes as a state file, saved and read back */
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	ta_set_init(a, 0);
	ret = ta_state_load(a, path, err, sizeof(err));
	if (ret == 0) {
		check_set(a);
		if (ta_state_save(a, path, err, sizeof(err)) != 0)
			abort();
		ta_set_init(b, 0);
		if (ta_state_load(b, path, err, sizeof(err)) != 0) {
			fprintf(stderr, "saved state does not load: %s\n", err);
			abort();
		}
		if (!same(a, b)) {
			fprintf(stderr, "saved state loads differently\n");
			abort();
		}
	}
	unlink(path);
	return 0;
}
