/*
 * Cache entries as text: the entry is turned back into the response a
 * client would receive now (bolt_answer_from_cache, so TTLs are the
 * remaining ones), which is parsed with bolt_msg_parse and printed record by
 * record with bolt_rr_to_text.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "boltdns/answer.h"
#include "boltdns/wire.h"
#include "ctl_internal.h"

#define FMT_RR_MAX 2048
#define FMT_TTL_MAX 4096
#define FMT_MSG (BOLT_MSG_MAX + 1024)
/* Longest RR text: owner, TTL, class, type and RDATA as "\# len hex". */
#define FMT_LINE (BOLT_NAME_MAX * 4 + 64 + 3 * BOLT_MSG_MAX)

/* Scratch space for one formatter (one per thread that formats). */
struct ctl_fmt {
	uint8_t sections[BOLT_MSG_MAX];
	uint16_t ttl_off[FMT_TTL_MAX];
	uint8_t msg[FMT_MSG];
	uint8_t scratch[2 * FMT_MSG];
	struct bolt_rr rrs[FMT_RR_MAX];
	char line[FMT_LINE];
};

struct ctl_fmt *ctl_fmt_new(void)
{
	return malloc(sizeof(struct ctl_fmt));
}

void ctl_fmt_free(struct ctl_fmt *f)
{
	free(f);
}

void ctl_fmt_out(struct ctl_fmt *f, struct bolt_cache_out *out)
{
	memset(out, 0, sizeof(*out));
	out->sections = f->sections;
	out->cap = sizeof(f->sections);
	out->ttl_off = f->ttl_off;
	out->ttl_cap = FMT_TTL_MAX;
}

static const char *kind_name(uint8_t kind)
{
	static const char *const names[] = { "positive", "nxdomain", "nodata", "servfail",
	                                     "static", "drop", "tcp-only" };
	return kind < BOLT_ARRAY_SIZE(names) ? names[kind] : "unknown";
}

/* Which response policy made an entry (bolt_cache_val.policy). */
static const char *policy_tag(uint8_t policy)
{
	switch (policy) {
	case BOLT_CACHE_POLICY_IP: return "rpz-ip";
	case BOLT_CACHE_POLICY_NS: return "rpz-ns";
	default: return "rpz-qname";
	}
}

static const char *const section_names[] = { "answer", "authority", "additional" };

/* Rebuild the response in f->msg; returns its length or a negative code. */
static int rebuild(struct ctl_fmt *f, const struct bolt_cache_key *k,
                   const struct bolt_cache_out *out, uint32_t now)
{
	struct bolt_query q;
	memset(&q, 0, sizeof(q));
	q.qtype = k->qtype;
	q.qclass = k->qclass;
	q.qname_len = k->name_len;
	q.question_len = (uint16_t)(k->name_len + 4);
	/* The data of a bogus answer is rendered as a CD=1 query gets it. */
	if (k->do_bit & BOLT_CACHE_KEY_CD)
		q.flags = BOLT_FLAG_CD;
	if (out->val.qsize != q.question_len)
		return BOLT_EMALF;
	memset(f->msg, 0, BOLT_HDR_LEN);
	memcpy(f->msg + BOLT_HDR_LEN, k->name, k->name_len);
	uint16_t v = htobe16(k->qtype);
	memcpy(f->msg + BOLT_HDR_LEN + k->name_len, &v, 2);
	v = htobe16(k->qclass);
	memcpy(f->msg + BOLT_HDR_LEN + k->name_len + 2, &v, 2);
	/* Expired entries are shown with TTL 0 rather than the stale TTL. A
	 * policy marker (DROP, TCP-only) is shown as the UDP answer would be:
	 * no records. */
	struct bolt_cache_out o = *out;
	if (o.val.kind == BOLT_CACHE_DROP || o.val.kind == BOLT_CACHE_TCP_ONLY)
		o.val.kind = BOLT_CACHE_NODATA;
	return bolt_answer_from_cache(f->msg, sizeof(f->msg), sizeof(f->msg), &q, &o, now,
	                              false, 0);
}

void ctl_fmt_entry(struct ctl_fmt *f, struct sbuf *b, bool json,
                   const struct bolt_cache_key *k, const struct bolt_cache_out *out,
                   uint32_t now)
{
	const struct bolt_cache_val *val = &out->val;
	char name[BOLT_NAME_MAX * 4 + 1], type[32];
	struct bolt_msg m;

	if (bolt_name_to_text(k->name, name, sizeof(name)) < 0)
		strcpy(name, "?");
	bolt_type_to_text(k->qtype, type, sizeof(type));
	bool never = val->expires == BOLT_CACHE_EXPIRES_NEVER;
	bool expired = !never && val->expires <= now;
	uint32_t ttl = never || expired ? 0 : val->expires - now;
	const char *rcode = bolt_rcode_to_text(BOLT_RCODE(val->flags));

	int len = rebuild(f, k, out, now);
	int perr = len;
	if (len >= 0)
		perr = bolt_msg_parse(f->msg, (size_t)len, &m, f->rrs, FMT_RR_MAX, f->scratch,
		                      sizeof(f->scratch));

	if (json) {
		struct ctl_out o;
		ctl_sbuf_puts(b, "{");
		ctl_out_init(&o, b, true);
		ctl_out_str(&o, "name", name);
		ctl_out_str(&o, "type", type);
		ctl_out_u64(&o, "class", k->qclass);
		ctl_out_bool(&o, "do", (k->do_bit & ~BOLT_CACHE_KEY_CD) != 0);
		ctl_out_bool(&o, "cd", (k->do_bit & BOLT_CACHE_KEY_CD) != 0);
		ctl_out_str(&o, "security", bolt_sec_status_name(val->status));
		ctl_out_str(&o, "kind", kind_name(val->kind));
		if (val->policy != BOLT_CACHE_POLICY_NONE)
			ctl_out_str(&o, "policy", policy_tag(val->policy));
		ctl_out_str(&o, "rcode", rcode);
		if (!never)
			ctl_out_u64(&o, "ttl", ttl);
		ctl_out_bool(&o, "expired", expired);
		if (perr < 0) {
			ctl_out_str(&o, "error", bolt_strerror(perr));
		} else {
			for (unsigned s = 0; s < 3; s++) {
				ctl_out_arr_begin(&o, section_names[s]);
				for (unsigned i = 0; i < m.rrcount; i++) {
					if (m.rrs[i].section != s)
						continue;
					if (bolt_rr_to_text(&m.rrs[i], f->line, sizeof(f->line)) < 0)
						strcpy(f->line, "?");
					ctl_out_str(&o, NULL, f->line);
				}
				ctl_out_arr_end(&o);
			}
		}
		ctl_sbuf_puts(b, "}");
		return;
	}

	ctl_sbuf_printf(b, ";; %s %s", name, type);
	if (k->qclass != BOLT_CLASS_IN)
		ctl_sbuf_printf(b, " CLASS%u", k->qclass);
	ctl_sbuf_printf(b, " do=%u", (k->do_bit & ~BOLT_CACHE_KEY_CD) != 0);
	if (k->do_bit & BOLT_CACHE_KEY_CD)
		ctl_sbuf_puts(b, " cd=1");
	ctl_sbuf_printf(b, " %s %s", kind_name(val->kind), rcode);
	if (never)
		ctl_sbuf_puts(b, " ttl=static");
	else
		ctl_sbuf_printf(b, " ttl=%u%s", ttl, expired ? " expired" : "");
	/* Last and only once validation has looked at the entry, so lines of
	 * unchecked entries read as they always did. */
	if (val->status != BOLT_SEC_UNCHECKED)
		ctl_sbuf_printf(b, " dnssec=%s", bolt_sec_status_name(val->status));
	if (val->policy != BOLT_CACHE_POLICY_NONE)
		ctl_sbuf_printf(b, " policy=%s", policy_tag(val->policy));
	ctl_sbuf_puts(b, "\n");
	if (perr < 0) {
		ctl_sbuf_printf(b, ";; unreadable entry: %s\n", bolt_strerror(perr));
		return;
	}
	int sec = 0;
	for (unsigned i = 0; i < m.rrcount; i++) {
		const struct bolt_rr *rr = &m.rrs[i];
		if (rr->section != sec && rr->section < 3) {
			sec = rr->section;
			ctl_sbuf_printf(b, ";; %s\n", section_names[sec]);
		}
		if (bolt_rr_to_text(rr, f->line, sizeof(f->line)) < 0)
			strcpy(f->line, "?");
		/* One record, one line, whatever the RDATA holds. */
		for (char *p = f->line; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		ctl_sbuf_puts(b, f->line);
		ctl_sbuf_puts(b, "\n");
	}
}
