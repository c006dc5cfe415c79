/*
 * Response building with name compression.
 *
 * Compression: every name written as labels (the question, owners, names in
 * NS/CNAME/PTR/MX/SOA RDATA) below offset 0x3fff has its offset remembered
 * in b->compr_off (when full, the first entry stays and the others are
 * replaced in turn). A new
 * name is compared, label by label from the right, with each remembered name
 * (following the pointers we wrote ourselves); the longest common suffix is
 * replaced by a pointer. Matching is case-insensitive, as DNS names are: a
 * suffix then shows the case of its first occurrence, which for cached
 * answers is the client's own question.
 *
 * Truncation: an RR that does not fit below cap (minus the OPT reserve) is
 * not written at all; b->truncated is set, so finish sets TC, and
 * BOLT_ESPACE is returned. The error is not sticky: the caller decides
 * whether to stop (answer section) or go on (e.g. skip glue).
 */
#include <errno.h>
#include <string.h>

#include "boltdns/wire.h"
#include "boltdns/wire_ctx.h"
#include "internal.h"

#define LABELS_MAX 128 /* a 255-byte name has at most 127 labels */
#define PTR_OFF_MAX 0x3fff

/* Offsets of the labels of a name written at off in buf (following our own
 * pointers). Returns the number of labels (root excluded), or -1 if the
 * buffer does not hold a sane name there. */
static int buf_labels(const uint8_t *buf, size_t end, size_t off, uint16_t *lab)
{
	int n = 0;
	unsigned jumps = 0;
	while (off < end) {
		uint8_t l = buf[off];
		if (l == 0)
			return n;
		if ((l & 0xc0) == 0xc0) {
			if (off + 1 >= end || ++jumps > BOLT_PTR_CHAIN_MAX)
				return -1;
			size_t t = ((size_t)(l & 0x3f) << 8) | buf[off + 1];
			if (t >= off)
				return -1;
			off = t;
			continue;
		}
		if (l > BOLT_LABEL_MAX || n >= LABELS_MAX)
			return -1;
		lab[n++] = (uint16_t)off;
		off += (size_t)l + 1;
	}
	return -1;
}

/* Offsets of the labels of an uncompressed name. */
static int name_labels(const uint8_t *name, uint16_t *lab)
{
	int n = 0;
	size_t p = 0;
	while (name[p] != 0) {
		lab[n++] = (uint16_t)p;
		p += (size_t)name[p] + 1;
	}
	return n;
}

/* Names written by the RR being built: remembered only once it fits, so
 * that a rolled-back RR never leaves offsets into bytes that are gone. */
struct pending {
	uint16_t off[3]; /* owner + at most two names in RDATA (SOA) */
	unsigned n;
};

/* Longest common suffix of name (nn labels at nlab) with the name at off in
 * buf; updates *best / *best_off when it beats them. */
static void match(const uint8_t *buf, size_t end, uint16_t off, const uint8_t *name,
                  const uint16_t *nlab, int nn, int *best, uint16_t *best_off)
{
	uint16_t clab[LABELS_MAX];
	int cn = buf_labels(buf, end, off, clab);
	int k = 0;
	while (k < nn && k < cn && wire_label_eq(name + nlab[nn - 1 - k], buf + clab[cn - 1 - k]))
		k++;
	if (k > *best && clab[cn - k] <= PTR_OFF_MAX) {
		*best = k;
		*best_off = clab[cn - k];
	}
}

/*
 * Write name (validated, uncompressed) at the cursor, compressing against
 * the remembered names and those of the same RR (pd).
 */
static void write_name(struct bolt_build *b, struct bolt_wire_ctx *c,
                       const uint8_t *name, struct pending *pd)
{
	uint16_t nlab[LABELS_MAX];
	int nn = name_labels(name, nlab);
	int best = 0;           /* labels matched by the best candidate */
	uint16_t best_off = 0;  /* where the matched suffix starts in buf */

	for (unsigned i = 0; i < pd->n && best < nn; i++)
		match(b->buf, c->pos, pd->off[i], name, nlab, nn, &best, &best_off);
	for (uint16_t i = 0; i < b->ncompr && best < nn; i++)
		match(b->buf, c->pos, b->compr_off[i], name, nlab, nn, &best, &best_off);

	size_t start = c->pos;
	size_t plain = nn - best; /* labels written in full */
	size_t plain_len = 0; /* bytes of those labels */
	if (plain < (size_t)nn)
		plain_len = nlab[plain];
	else if (nn > 0)
		plain_len = (size_t)nlab[nn - 1] + name[nlab[nn - 1]] + 1;
	bolt_wire_write(c, name, plain_len);
	if (best > 0)
		bolt_wire_write_u16(c, 0xc000 | best_off);
	else
		bolt_wire_write_u8(c, 0);
	if (c->err == 0 && plain > 0 && start <= PTR_OFF_MAX && pd->n < BOLT_ARRAY_SIZE(pd->off))
		pd->off[pd->n++] = (uint16_t)start;
}

/* Remember the names of an RR that fitted. When the table is full, slot 0
 * (normally the question, the most shared name) stays and the others are
 * replaced in turn: recent names are the likeliest to repeat. */
static void remember(struct bolt_build *b, const struct pending *pd)
{
	for (unsigned i = 0; i < pd->n; i++) {
		if (b->ncompr < BOLT_BUILD_COMPR_MAX) {
			b->compr_off[b->ncompr++] = pd->off[i];
			continue;
		}
		b->compr_off[1 + b->compr_next % (BOLT_BUILD_COMPR_MAX - 1)] = pd->off[i];
		b->compr_next++;
	}
}

int bolt_build_init(struct bolt_build *b, uint8_t *buf, size_t cap, uint16_t id, uint16_t flags)
{
	/* Scalars only: the offset tables (1 KiB) are valid up to their counts,
	 * and clearing them would cost more than building a small answer. */
	b->buf = buf;
	b->pos = 0;
	b->err = 0;
	b->truncated = false;
	b->cur_section = 0;
	memset(b->counts, 0, sizeof(b->counts));
	b->ncompr = 0;
	b->nttl = 0;
	b->opt_reserve = 0;
	b->compr_next = 0;
	b->cap = cap > BOLT_MSG_MAX ? BOLT_MSG_MAX : cap;
	if (cap < BOLT_HDR_LEN) {
		b->err = BOLT_ESPACE;
		return BOLT_ESPACE;
	}
	bolt_wire_put_u16(buf, id);
	bolt_wire_put_u16(buf + 2, flags);
	memset(buf + 4, 0, 8);
	b->pos = BOLT_HDR_LEN;
	return 0;
}

void bolt_build_reserve_opt(struct bolt_build *b)
{
	b->opt_reserve = WIRE_OPT_LEN;
}

/* Space RRs may use: the OPT reserve stays free. */
static size_t rr_limit(const struct bolt_build *b)
{
	return b->cap > b->opt_reserve ? b->cap - b->opt_reserve : 0;
}

int bolt_build_question(struct bolt_build *b, const uint8_t *qname, size_t qname_len,
                        uint16_t qtype, uint16_t qclass)
{
	if (b->err != 0)
		return b->err;
	if (b->counts[0] != 0 || b->counts[1] != 0 || b->counts[2] != 0 || b->counts[3] != 0)
		return -EINVAL; /* the question comes first and only once */
	int nl = bolt_name_len(qname, qname_len);
	if (nl < 0 || (size_t)nl != qname_len)
		return nl < 0 ? nl : BOLT_EMALF;

	struct bolt_wire_ctx c;
	bolt_wire_init(&c, b->buf, rr_limit(b));
	bolt_wire_seek(&c, b->pos);
	bolt_wire_write(&c, qname, qname_len);
	bolt_wire_write_u16(&c, qtype);
	bolt_wire_write_u16(&c, qclass);
	if (c.err != 0) {
		/* Without its question a response is useless: sticky. */
		b->err = BOLT_ESPACE;
		return b->err;
	}
	if (qname_len > 1 && b->pos <= PTR_OFF_MAX && b->ncompr < BOLT_BUILD_COMPR_MAX)
		b->compr_off[b->ncompr++] = (uint16_t)b->pos;
	b->pos = c.pos;
	b->counts[0] = 1;
	return 0;
}

/* Check that rdata of a type whose names we compress has the expected shape;
 * returns the number of leading fixed bytes (MX preference) or -1. */
static int rdata_shape(uint16_t type, const uint8_t *rdata, uint16_t rdlen)
{
	int l1, l2;
	switch (type) {
	case BOLT_TYPE_NS:
	case BOLT_TYPE_CNAME:
	case BOLT_TYPE_PTR:
		l1 = bolt_name_len(rdata, rdlen);
		return l1 == rdlen ? 0 : -1;
	case BOLT_TYPE_MX:
		if (rdlen < 3)
			return -1;
		l1 = bolt_name_len(rdata + 2, rdlen - 2u);
		return l1 == rdlen - 2 ? 2 : -1;
	case BOLT_TYPE_SOA:
		l1 = bolt_name_len(rdata, rdlen);
		if (l1 < 0)
			return -1;
		l2 = bolt_name_len(rdata + l1, rdlen - (size_t)l1);
		if (l2 < 0 || (size_t)l1 + l2 + 20 != rdlen)
			return -1;
		return 0;
	default:
		return -1;
	}
}

static bool compressible(uint16_t type)
{
	return type == BOLT_TYPE_NS || type == BOLT_TYPE_CNAME || type == BOLT_TYPE_PTR ||
	       type == BOLT_TYPE_MX || type == BOLT_TYPE_SOA;
}

int bolt_build_rr(struct bolt_build *b, uint8_t sec, const uint8_t *owner,
                  uint16_t type, uint16_t rclass, uint32_t ttl,
                  const uint8_t *rdata, uint16_t rdlen)
{
	if (b->err != 0)
		return b->err;
	if (sec > BOLT_SEC_ADDITIONAL || sec < b->cur_section)
		return -EINVAL;
	int ol = bolt_name_len(owner, BOLT_NAME_MAX);
	if (ol < 0)
		return ol;
	int fixed = 0;
	if (compressible(type)) {
		fixed = rdata_shape(type, rdata, rdlen);
		if (fixed < 0)
			return BOLT_ERDATA;
	}
	b->cur_section = sec;
	if (b->counts[1 + sec] == UINT16_MAX || b->nttl >= BOLT_BUILD_TTL_MAX) {
		/* Nothing more can be described: treat as not fitting. */
		b->truncated = true;
		return BOLT_ESPACE;
	}

	struct pending pd = { .n = 0 };
	struct bolt_wire_ctx c;
	bolt_wire_init(&c, b->buf, rr_limit(b));
	bolt_wire_seek(&c, b->pos);
	write_name(b, &c, owner, &pd);
	bolt_wire_write_u16(&c, type);
	bolt_wire_write_u16(&c, rclass);
	size_t ttl_pos = c.pos;
	bolt_wire_write_u32(&c, ttl);
	size_t rdlen_pos = c.pos;
	bolt_wire_write_u16(&c, 0);
	size_t rd_start = c.pos;
	if (compressible(type)) {
		bolt_wire_write(&c, rdata, (size_t)fixed);
		const uint8_t *p = rdata + fixed;
		write_name(b, &c, p, &pd);
		if (type == BOLT_TYPE_SOA) {
			p += bolt_name_len(p, BOLT_NAME_MAX);
			write_name(b, &c, p, &pd);
			p += bolt_name_len(p, BOLT_NAME_MAX);
			bolt_wire_write(&c, p, 20);
		}
	} else {
		bolt_wire_write(&c, rdata, rdlen);
	}
	if (c.err != 0) {
		/* Nothing of it stays: pos and the compression table are unchanged
		 * (its names were only pending). */
		b->truncated = true;
		return BOLT_ESPACE;
	}
	bolt_wire_put_u16(b->buf + rdlen_pos, (uint16_t)(c.pos - rd_start));
	remember(b, &pd);
	b->ttl_off[b->nttl++] = (uint16_t)ttl_pos;
	b->counts[1 + sec]++;
	b->pos = c.pos;
	return 0;
}

int bolt_build_opt(struct bolt_build *b, uint16_t udp_size, uint8_t ext_rcode, bool do_bit)
{
	if (b->err != 0)
		return b->err;
	if (b->counts[3] == UINT16_MAX)
		return BOLT_ESPACE;
	struct bolt_wire_ctx c;
	bolt_wire_init(&c, b->buf, b->cap);
	bolt_wire_seek(&c, b->pos);
	bolt_wire_write_u8(&c, 0);
	bolt_wire_write_u16(&c, BOLT_TYPE_OPT);
	bolt_wire_write_u16(&c, udp_size);
	bolt_wire_write_u32(&c, (uint32_t)ext_rcode << 24 | (do_bit ? 0x8000u : 0u));
	bolt_wire_write_u16(&c, 0);
	if (c.err != 0) {
		b->truncated = true;
		return BOLT_ESPACE;
	}
	b->pos = c.pos;
	b->opt_reserve = 0;
	b->cur_section = BOLT_SEC_ADDITIONAL;
	b->counts[3]++;
	return 0;
}

int bolt_build_finish(struct bolt_build *b)
{
	if (b->err != 0)
		return b->err;
	uint16_t flags = bolt_wire_get_u16(b->buf + 2);
	if (b->truncated)
		flags |= BOLT_FLAG_TC;
	bolt_wire_put_u16(b->buf + 2, flags);
	for (int i = 0; i < 4; i++)
		bolt_wire_put_u16(b->buf + 4 + 2 * i, b->counts[i]);
	return (int)b->pos;
}

int bolt_build_error(uint8_t *buf, size_t cap, uint16_t id, uint16_t qflags,
                     const uint8_t *question, size_t question_len,
                     uint16_t rcode, bool with_opt)
{
	/* Echo the opcode, RD and CD of the query; boltdns always offers
	 * recursion, so RA is set. */
	uint16_t flags = BOLT_FLAG_QR | BOLT_FLAG_RA |
	                 (qflags & (0x7800 | BOLT_FLAG_RD | BOLT_FLAG_CD)) | (rcode & 0xf);
	if (rcode > 0xf)
		with_opt = true; /* the upper bits live in OPT */
	if (rcode > 0xfff)
		return -EINVAL;

	/* The question may sit inside buf (a query answered in place): copy it
	 * out before the header is written over anything. */
	uint8_t q[BOLT_NAME_MAX + 4];
	if (question != NULL && question_len > 0) {
		if (question_len < 5 || question_len > sizeof(q))
			return BOLT_EMALF;
		memmove(q, question, question_len);
	}

	struct bolt_build b;
	int ret = bolt_build_init(&b, buf, cap, id, flags);
	if (ret != 0)
		return ret;
	if (question != NULL && question_len > 0) {
		ret = bolt_build_question(&b, q, question_len - 4,
		                          bolt_wire_get_u16(q + question_len - 4),
		                          bolt_wire_get_u16(q + question_len - 2));
		if (ret != 0)
			return ret;
	}
	if (with_opt) {
		ret = bolt_build_opt(&b, BOLT_EDNS_DEFAULT, (uint8_t)(rcode >> 4), false);
		if (ret != 0)
			return ret;
	}
	return bolt_build_finish(&b);
}
