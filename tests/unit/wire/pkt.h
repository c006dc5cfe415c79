/*
 * Hand assembly of test packets: bytes are appended exactly as given, so
 * tests can build messages the library's own builder would refuse to write.
 */
#ifndef BOLTDNS_TEST_WIRE_PKT_H
#define BOLTDNS_TEST_WIRE_PKT_H

#include <assert.h>
#include <string.h>

#include "boltdns/wire.h"
#include "boltdns/wire_ctx.h"

struct tpkt {
	uint8_t b[BOLT_MSG_MAX + 1024];
	size_t n;
};

static inline void tp_bytes(struct tpkt *t, const void *p, size_t n)
{
	assert(t->n + n <= sizeof(t->b));
	memcpy(t->b + t->n, p, n);
	t->n += n;
}

static inline void tp_u8(struct tpkt *t, uint8_t v)
{
	tp_bytes(t, &v, 1);
}

static inline void tp_u16(struct tpkt *t, uint16_t v)
{
	uint8_t b[2];
	bolt_wire_put_u16(b, v);
	tp_bytes(t, b, 2);
}

static inline void tp_u32(struct tpkt *t, uint32_t v)
{
	uint8_t b[4];
	bolt_wire_put_u32(b, v);
	tp_bytes(t, b, 4);
}

static inline void tp_hdr(struct tpkt *t, uint16_t id, uint16_t flags, uint16_t qd,
                          uint16_t an, uint16_t ns, uint16_t ar)
{
	t->n = 0;
	tp_u16(t, id);
	tp_u16(t, flags);
	tp_u16(t, qd);
	tp_u16(t, an);
	tp_u16(t, ns);
	tp_u16(t, ar);
}

/* Append a name given in text (uncompressed). */
static inline void tp_name(struct tpkt *t, const char *text)
{
	uint8_t w[BOLT_NAME_MAX];
	int n = bolt_name_from_text(text, w);
	assert(n > 0);
	tp_bytes(t, w, (size_t)n);
}

/* Append a compression pointer to off. */
static inline void tp_ptr(struct tpkt *t, uint16_t off)
{
	tp_u16(t, (uint16_t)(0xc000 | off));
}

/* Append type, class, TTL and RDLENGTH (the RDATA follows separately). */
static inline void tp_rrhdr(struct tpkt *t, uint16_t type, uint16_t rclass, uint32_t ttl,
                            uint16_t rdlen)
{
	tp_u16(t, type);
	tp_u16(t, rclass);
	tp_u32(t, ttl);
	tp_u16(t, rdlen);
}

/* Append an OPT RR with the given fields and no options. */
static inline void tp_opt(struct tpkt *t, uint16_t udp, uint8_t version, bool do_bit)
{
	tp_u8(t, 0);
	tp_rrhdr(t, BOLT_TYPE_OPT, udp, (uint32_t)version << 16 | (do_bit ? 0x8000u : 0u), 0);
}

/* Patch a 16-bit header field (offset 2 = flags, 4 = QDCOUNT, ...). */
static inline void tp_set16(struct tpkt *t, size_t off, uint16_t v)
{
	bolt_wire_put_u16(t->b + off, v);
}

#endif
