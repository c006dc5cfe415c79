/*
 * libFuzzer target: bolt_name_from_text / bolt_name_to_text. Accepted text
 * and valid wire names must survive wire -> text -> wire unchanged.
 */
#include <stdlib.h>
#include <string.h>

#include "boltdns/wire.h"

#define CHECK(x) do { if (!(x)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void wire_roundtrip(const uint8_t *name, int len)
{
	/* Worst case: 4 text bytes per wire byte. */
	char text[4 * BOLT_NAME_MAX + 2];
	uint8_t back[BOLT_NAME_MAX];
	int tl = bolt_name_to_text(name, text, sizeof(text));
	CHECK(tl > 0 && (size_t)tl == strlen(text));
	CHECK(bolt_name_from_text(text, back) == len);
	CHECK(memcmp(back, name, (size_t)len) == 0);
	/* Too small a buffer is an error, never an overrun. */
	CHECK(bolt_name_to_text(name, text, (size_t)tl) == BOLT_ESPACE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char text[4097];
	memcpy(text, data, size);
	text[size] = '\0';
	uint8_t w[BOLT_NAME_MAX];
	int len = bolt_name_from_text(text, w);
	if (len > 0) {
		CHECK(len <= BOLT_NAME_MAX);
		CHECK(bolt_name_len(w, (size_t)len) == len);
		wire_roundtrip(w, len);
	} else {
		CHECK(len == BOLT_ESYNTAX || len == BOLT_ELABEL || len == BOLT_ENAME);
	}

	/* The same bytes read as a wire name. */
	len = bolt_name_len(data, size);
	if (len > 0)
		wire_roundtrip(data, len);
	return 0;
}
