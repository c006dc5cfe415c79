/*
 * boltctl's DNSSEC commands over the anchor context of boltdns-cp:
 * `dnssec status`, `nta add NAME [SECONDS]`, `nta remove NAME`, `nta list`.
 * The control socket library parses the request and calls this through its
 * dnssec hook (control/main.c); replies go through bolt_ctl_reply_*.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "anchor.h"
#include "boltdns/errcode.h"
#include "ctl.h"

static void name_text(const uint8_t *name, char *out, size_t cap)
{
	if (bolt_name_to_text(name, out, cap) < 0)
		snprintf(out, cap, "?");
}

static const char *type_name(uint16_t type)
{
	return type == TA_TYPE_DS ? "DS" : "DNSKEY";
}

static void key_out(struct bolt_ctl_reply *r, const struct ta_key *k, unsigned i, int64_t now,
                    uint32_t hold_down)
{
	char key[16];
	snprintf(key, sizeof(key), "%u", i);
	bolt_ctl_reply_obj_begin(r, key);
	bolt_ctl_reply_u64(r, "tag", k->tag);
	bolt_ctl_reply_str(r, "type", type_name(k->type));
	bolt_ctl_reply_u64(r, "algorithm", k->alg);
	if (k->type == TA_TYPE_DS)
		bolt_ctl_reply_u64(r, "digest_type", k->digest_type);
	else
		bolt_ctl_reply_u64(r, "flags", k->flags);
	bolt_ctl_reply_str(r, "state", ta_state_name(k->state));
	bolt_ctl_reply_bool(r, "trusted", ta_key_trusted(k));
	if (k->added != 0)
		bolt_ctl_reply_i64(r, "added", k->added);
	if (k->changed != 0)
		bolt_ctl_reply_i64(r, "changed", k->changed);
	/* when the running hold-down ends (AddPend: trusted; Revoked: removed) */
	if (k->state == TA_ADDPEND || k->state == TA_REVOKED) {
		int64_t from = k->state == TA_ADDPEND ? k->added : k->changed;
		int64_t left = from + (int64_t)hold_down - now;
		bolt_ctl_reply_i64(r, "hold_down_left", left > 0 ? left : 0);
	}
	bolt_ctl_reply_obj_end(r);
}

static void nta_out(struct bolt_ctl_reply *r, const struct nta_table *t, int64_t now)
{
	char key[16], name[1100];
	unsigned shown = 0;
	bolt_ctl_reply_obj_begin(r, "nta");
	for (unsigned i = 0; t != NULL && i < t->n; i++) {
		const struct nta *e = &t->e[i];
		if (e->expires != 0 && e->expires <= now)
			continue;
		snprintf(key, sizeof(key), "%u", shown++);
		bolt_ctl_reply_obj_begin(r, key);
		name_text(e->name, name, sizeof(name));
		bolt_ctl_reply_str(r, "name", name);
		bolt_ctl_reply_str(r, "source", e->from_config ? "config" : "runtime");
		if (e->expires == 0)
			bolt_ctl_reply_str(r, "expires_in", "never");
		else
			bolt_ctl_reply_i64(r, "expires_in", e->expires - now);
		bolt_ctl_reply_obj_end(r);
	}
	bolt_ctl_reply_obj_end(r);
	bolt_ctl_reply_u64(r, "nta_count", shown);
}

static int status(struct anchor_ctx *a, struct bolt_ctl_reply *r, int64_t now)
{
	char name[1100];
	bolt_ctl_reply_bool(r, "validation", a->validation);
	bolt_ctl_reply_bool(r, "permissive", a->permissive);
	const struct ta_set *s = a->set;
	bolt_ctl_reply_obj_begin(r, "anchors");
	if (s != NULL) {
		bolt_ctl_reply_str(r, "source", s->source);
		bolt_ctl_reply_bool(r, "from_state_file", s->from_state);
		bolt_ctl_reply_str(r, "state_file", a->state_path);
		if (a->state_error[0] != '\0')
			bolt_ctl_reply_str(r, "state_file_error", a->state_error);
		bolt_ctl_reply_u64(r, "hold_down", s->hold_down);
		bolt_ctl_reply_obj_begin(r, "point");
		for (unsigned i = 0; i < s->n; i++) {
			const struct ta_point *p = &s->point[i];
			char key[16];
			snprintf(key, sizeof(key), "%u", i);
			bolt_ctl_reply_obj_begin(r, key);
			name_text(p->name, name, sizeof(name));
			bolt_ctl_reply_str(r, "name", name);
			bolt_ctl_reply_u64(r, "trusted_keys", ta_point_trusted(p));
			bolt_ctl_reply_i64(r, "last_success", p->last_success);
			bolt_ctl_reply_i64(r, "next_probe", p->next_probe);
			bolt_ctl_reply_u64(r, "query_failed", p->query_failed);
			bolt_ctl_reply_obj_begin(r, "key");
			for (unsigned k = 0; k < p->nkeys; k++)
				key_out(r, &p->keys[k], k, now, s->hold_down);
			bolt_ctl_reply_obj_end(r);
			bolt_ctl_reply_obj_end(r);
		}
		bolt_ctl_reply_obj_end(r);
	}
	bolt_ctl_reply_obj_end(r);
	nta_out(r, a->nta, now);
	/* Counts only from a validator that registered: never made-up zeros. */
	bolt_ctl_reply_obj_begin(r, "answers");
	if (a->counts != NULL) {
		struct anchor_counts c;
		memset(&c, 0, sizeof(c));
		a->counts(a->counts_arg, &c);
		bolt_ctl_reply_bool(r, "available", true);
		bolt_ctl_reply_u64(r, "secure", c.secure);
		bolt_ctl_reply_u64(r, "insecure", c.insecure);
		bolt_ctl_reply_u64(r, "bogus", c.bogus);
		bolt_ctl_reply_u64(r, "indeterminate", c.indeterminate);
	} else {
		bolt_ctl_reply_bool(r, "available", false);
		bolt_ctl_reply_str(r, "why", "no validator has registered its counts");
	}
	bolt_ctl_reply_obj_end(r);
	return 0;
}

static int parse_seconds(const char *t, uint32_t *out)
{
	uint64_t v = 0;
	if (*t == '\0')
		return BOLT_ESYNTAX;
	for (; *t != '\0'; t++) {
		if (*t < '0' || *t > '9')
			return BOLT_ESYNTAX;
		v = v * 10 + (uint64_t)(*t - '0');
		if (v > NTA_MAX_SECONDS)
			return -ERANGE;
	}
	if (v == 0)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

int anchor_ctl_command(struct anchor_ctx *a, unsigned argc, char **argv, struct bolt_ctl_reply *r,
                       int64_t now, char *err, size_t errlen)
{
	if (argc < 2) {
		snprintf(err, errlen, "usage: dnssec status | nta add NAME [SECONDS] | nta remove NAME | nta list");
		return BOLT_ESYNTAX;
	}
	if (strcmp(argv[0], "dnssec") == 0 && strcmp(argv[1], "status") == 0 && argc == 2)
		return status(a, r, now);
	if (strcmp(argv[0], "nta") != 0) {
		snprintf(err, errlen, "usage: dnssec status");
		return BOLT_ESYNTAX;
	}
	if (strcmp(argv[1], "list") == 0 && argc == 2) {
		nta_out(r, a->nta, now);
		return 0;
	}
	bool add = strcmp(argv[1], "add") == 0 && (argc == 3 || argc == 4);
	bool del = strcmp(argv[1], "remove") == 0 && argc == 3;
	if (!add && !del) {
		snprintf(err, errlen, "usage: nta add NAME [SECONDS] | nta remove NAME | nta list");
		return BOLT_ESYNTAX;
	}
	uint8_t name[BOLT_NAME_MAX];
	int len = bolt_name_from_text(argv[2], name);
	if (len < 0) {
		snprintf(err, errlen, "bad name '%.300s': %s", argv[2], bolt_strerror(len));
		return len;
	}
	bolt_name_lower(name, (size_t)len);
	char text[1100];
	name_text(name, text, sizeof(text));
	if (a->nta == NULL) {
		snprintf(err, errlen, "no negative trust anchor table");
		return -ENOTSUP;
	}
	if (del) {
		int ret = nta_remove(a->nta, name);
		if (ret == BOLT_ENOENT)
			snprintf(err, errlen, "%s is not a negative trust anchor", text);
		else if (ret == -EPERM)
			snprintf(err, errlen, "%s comes from [dnssec] negative-trust-anchors: remove it "
			         "there and reload", text);
		if (ret < 0)
			return ret;
		bolt_ctl_reply_str(r, "removed", text);
		return 0;
	}
	uint32_t secs = NTA_DEFAULT_SECONDS;
	if (argc == 4) {
		int ret = parse_seconds(argv[3], &secs);
		if (ret < 0) {
			snprintf(err, errlen, "SECONDS must be 1..%u (RFC 7646: a week at most)",
			         NTA_MAX_SECONDS);
			return ret;
		}
	}
	/* the configured entry, if any, wins: it never expires */
	for (unsigned i = 0; i < a->nta->n; i++)
		if (a->nta->e[i].from_config && bolt_name_equal(a->nta->e[i].name, name)) {
			bolt_ctl_reply_str(r, "added", text);
			bolt_ctl_reply_str(r, "expires_in", "never");
			bolt_ctl_reply_str(r, "source", "config");
			return 0;
		}
	int ret = nta_add(a->nta, name, false, now + secs);
	if (ret < 0) {
		snprintf(err, errlen, "negative trust anchor table full (%u entries)", NTA_MAX);
		return ret;
	}
	bolt_ctl_reply_str(r, "added", text);
	bolt_ctl_reply_u64(r, "expires_in", secs);
	return 0;
}
