/*
 * Bounds-checked cursor over a byte buffer with a sticky error.
 *
 * Every access is checked against the buffer size. Once an access fails,
 * ctx->err is set and every later access is a no-op: reads return zero (and
 * zero their output), writes write nothing. A sequence of reads or writes is
 * therefore checked once, at the end, by looking at ctx->err.
 *
 * Integers are big-endian on the wire and are moved with memcpy + beXXtoh /
 * htobeXX, never by casting a byte pointer (alignment and aliasing).
 *
 * All functions are inline, pure and thread-safe (they touch only the ctx
 * and the buffer it covers).
 */
#ifndef BOLTDNS_WIRE_CTX_H
#define BOLTDNS_WIRE_CTX_H

#include <endian.h>
#include <string.h>

#include "boltdns/common.h"
#include "boltdns/errcode.h"

struct bolt_wire_ctx {
	uint8_t *base;  /* start of the buffer */
	size_t size;    /* bytes in the buffer */
	size_t pos;     /* offset of the next access */
	int err;        /* 0, or the first error (sticky) */
};

/* Cursor for reading and writing buf[0..size). */
static inline void bolt_wire_init(struct bolt_wire_ctx *c, uint8_t *buf, size_t size)
{
	c->base = buf;
	c->size = size;
	c->pos = 0;
	c->err = 0;
}

/* Cursor for reading a const buffer. The const is cast away so one type
 * serves both directions; never call a write function on such a cursor. */
static inline void bolt_wire_init_const(struct bolt_wire_ctx *c, const uint8_t *buf, size_t size)
{
	bolt_wire_init(c, (uint8_t *)(uintptr_t)buf, size);
}

/* Bytes left between the position and the end (0 once an error is set). */
static inline size_t bolt_wire_available(const struct bolt_wire_ctx *c)
{
	return c->err != 0 ? 0 : c->size - c->pos;
}

/* Pointer to the current position (valid only while err == 0). */
static inline const uint8_t *bolt_wire_ptr(const struct bolt_wire_ctx *c)
{
	return c->base + c->pos;
}

/* Check that n more bytes exist; on failure set err to code (if unset). */
static inline bool bolt_wire_need(struct bolt_wire_ctx *c, size_t n, int code)
{
	if (bolt_unlikely(c->err != 0))
		return false;
	if (bolt_unlikely(n > c->size - c->pos)) {
		c->err = code;
		return false;
	}
	return true;
}

/* Move to absolute offset pos (<= size), or set BOLT_ETRUNC. */
static inline void bolt_wire_seek(struct bolt_wire_ctx *c, size_t pos)
{
	if (c->err != 0)
		return;
	if (pos > c->size) {
		c->err = BOLT_ETRUNC;
		return;
	}
	c->pos = pos;
}

/* Skip n bytes (reading), or set BOLT_ETRUNC. */
static inline void bolt_wire_skip(struct bolt_wire_ctx *c, size_t n)
{
	if (bolt_wire_need(c, n, BOLT_ETRUNC))
		c->pos += n;
}

/* Copy n bytes into dst; on failure dst is zeroed and BOLT_ETRUNC set. */
static inline void bolt_wire_read(struct bolt_wire_ctx *c, void *dst, size_t n)
{
	if (!bolt_wire_need(c, n, BOLT_ETRUNC)) {
		memset(dst, 0, n);
		return;
	}
	memcpy(dst, c->base + c->pos, n);
	c->pos += n;
}

/* Read one byte (0 after an error). */
static inline uint8_t bolt_wire_read_u8(struct bolt_wire_ctx *c)
{
	uint8_t v;
	bolt_wire_read(c, &v, sizeof(v));
	return v;
}

/* Read a big-endian 16-bit integer (0 after an error). */
static inline uint16_t bolt_wire_read_u16(struct bolt_wire_ctx *c)
{
	uint16_t v;
	bolt_wire_read(c, &v, sizeof(v));
	return be16toh(v);
}

/* Read a big-endian 32-bit integer (0 after an error). */
static inline uint32_t bolt_wire_read_u32(struct bolt_wire_ctx *c)
{
	uint32_t v;
	bolt_wire_read(c, &v, sizeof(v));
	return be32toh(v);
}

/* Peek at the next byte without moving (0 and BOLT_ETRUNC at the end). */
static inline uint8_t bolt_wire_peek_u8(struct bolt_wire_ctx *c)
{
	if (!bolt_wire_need(c, 1, BOLT_ETRUNC))
		return 0;
	return c->base[c->pos];
}

/* Write n bytes from src, or set BOLT_ESPACE and write nothing. */
static inline void bolt_wire_write(struct bolt_wire_ctx *c, const void *src, size_t n)
{
	if (!bolt_wire_need(c, n, BOLT_ESPACE))
		return;
	if (n > 0)
		memcpy(c->base + c->pos, src, n);
	c->pos += n;
}

/* Write one byte. */
static inline void bolt_wire_write_u8(struct bolt_wire_ctx *c, uint8_t v)
{
	bolt_wire_write(c, &v, sizeof(v));
}

/* Write a 16-bit integer big-endian. */
static inline void bolt_wire_write_u16(struct bolt_wire_ctx *c, uint16_t v)
{
	uint16_t be = htobe16(v);
	bolt_wire_write(c, &be, sizeof(be));
}

/* Write a 32-bit integer big-endian. */
static inline void bolt_wire_write_u32(struct bolt_wire_ctx *c, uint32_t v)
{
	uint32_t be = htobe32(v);
	bolt_wire_write(c, &be, sizeof(be));
}

/* Load a big-endian 16-bit integer from p (caller has checked the bounds). */
static inline uint16_t bolt_wire_get_u16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return be16toh(v);
}

/* Load a big-endian 32-bit integer from p (caller has checked the bounds). */
static inline uint32_t bolt_wire_get_u32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return be32toh(v);
}

/* Store a 16-bit integer big-endian at p (caller has checked the bounds). */
static inline void bolt_wire_put_u16(uint8_t *p, uint16_t v)
{
	uint16_t be = htobe16(v);
	memcpy(p, &be, sizeof(be));
}

/* Store a 32-bit integer big-endian at p (caller has checked the bounds). */
static inline void bolt_wire_put_u32(uint8_t *p, uint32_t v)
{
	uint32_t be = htobe32(v);
	memcpy(p, &be, sizeof(be));
}

#endif
