/*
 * Wire-format domain names: decompression and comparisons.
 */
#include <string.h>

#include "boltdns/wire.h"
#include "internal.h"

int bolt_name_unpack(const uint8_t *msg, size_t len, size_t *pos, uint8_t *out)
{
	size_t p = *pos;
	/* Start of the segment being read: a pointer must point before it, so
	 * every jump moves strictly backwards and no loop is possible. */
	size_t seg_start = p;
	size_t end = 0;
	size_t olen = 0;
	unsigned jumps = 0;

	for (;;) {
		if (p >= len)
			return BOLT_ETRUNC;
		uint8_t l = msg[p];
		if ((l & 0xc0) == 0xc0) {
			if (p + 1 >= len)
				return BOLT_ETRUNC;
			size_t target = ((size_t)(l & 0x3f) << 8) | msg[p + 1];
			if (jumps == 0)
				end = p + 2;
			if (++jumps > BOLT_PTR_CHAIN_MAX)
				return BOLT_EPTR;
			/* Names never start inside the header. */
			if (target >= seg_start || target < BOLT_HDR_LEN)
				return BOLT_EPTR;
			p = seg_start = target;
			continue;
		}
		if (l > BOLT_LABEL_MAX)
			return BOLT_ELABEL; /* 0x40/0x80: obsolete extended label types */
		if (l == 0) {
			out[olen++] = 0;
			if (jumps == 0)
				end = p + 1;
			break;
		}
		/* This label plus the root label must still fit in 255. */
		if (olen + 1 + l + 1 > BOLT_NAME_MAX)
			return BOLT_ENAME;
		if (l >= len - p)
			return BOLT_ETRUNC;
		memcpy(out + olen, msg + p, (size_t)l + 1);
		olen += (size_t)l + 1;
		p += (size_t)l + 1;
	}
	*pos = end;
	return (int)olen;
}

void bolt_name_lower(uint8_t *name, size_t len)
{
	/* Length bytes are <= 63 and so never in A-Z: lower-casing every byte
	 * leaves them intact. */
	for (size_t i = 0; i < len; i++)
		name[i] = wire_lower(name[i]);
}

int bolt_name_len(const uint8_t *name, size_t max)
{
	size_t p = 0;
	for (;;) {
		if (p >= max)
			return BOLT_ETRUNC;
		uint8_t l = name[p];
		if (l == 0)
			break;
		if ((l & 0xc0) == 0xc0)
			return BOLT_ECOMPR;
		if (l > BOLT_LABEL_MAX)
			return BOLT_ELABEL;
		if (p + 1 + l + 1 > BOLT_NAME_MAX)
			return BOLT_ENAME;
		p += (size_t)l + 1;
	}
	return (int)p + 1;
}

bool bolt_name_equal(const uint8_t *a, const uint8_t *b)
{
	size_t p = 0;
	/* Bounded by the name limit so that a corrupt name cannot run away. */
	while (p < BOLT_NAME_MAX) {
		if (a[p] != b[p])
			return false;
		if (a[p] == 0)
			return true;
		if (a[p] > BOLT_LABEL_MAX || p + 1 + a[p] >= BOLT_NAME_MAX)
			return false;
		if (!wire_label_eq(a + p, b + p))
			return false;
		p += (size_t)a[p] + 1;
	}
	return false;
}

int bolt_name_labels(const uint8_t *name)
{
	int n = 0;
	size_t p = 0;
	while (p < BOLT_NAME_MAX && name[p] != 0 && name[p] <= BOLT_LABEL_MAX) {
		p += (size_t)name[p] + 1;
		n++;
	}
	return n;
}

bool bolt_name_in_zone(const uint8_t *name, const uint8_t *zone)
{
	int nl = bolt_name_labels(name);
	int zl = bolt_name_labels(zone);
	if (zl > nl)
		return false;
	size_t p = 0;
	for (int i = 0; i < nl - zl; i++)
		p += (size_t)name[p] + 1;
	return bolt_name_equal(name + p, zone);
}

bool bolt_name_skip(const uint8_t *msg, size_t len, size_t *pos)
{
	while (*pos < len) {
		uint8_t l = msg[*pos];
		if (l == 0) {
			(*pos)++;
			return true;
		}
		if ((l & 0xc0) == 0xc0) {
			*pos += 2;
			return *pos <= len;
		}
		if (l & 0xc0)
			return false;
		*pos += 1u + l;
	}
	return false;
}
