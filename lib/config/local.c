/*
 * [local] data lines, "NAME TTL [IN] TYPE RDATA", into wire form. The
 * configuration loader runs every line through this so a bad record stops
 * start-up with FILE:LINE; the control plane runs it again to build answers.
 */
#include <string.h>

#include "boltdns/config.h"
#include "boltdns/wire.h"
#include "lib/config/text.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Next blank-separated field of *p into buf (NUL-terminated); false when missing or too long. */
static bool field(const char **p, char *buf, size_t cap, size_t *len)
{
	const char *s = *p;
	while (is_blank(*s))
		s++;
	const char *start = s;
	/* a '\' escapes the next character of a name, a blank included */
	while (*s != '\0' && !is_blank(*s)) {
		if (*s == '\\' && s[1] != '\0')
			s++;
		s++;
	}
	*len = (size_t)(s - start);
	*p = s;
	if (*len == 0 || *len >= cap)
		return false;
	memcpy(buf, start, *len);
	buf[*len] = '\0';
	return true;
}

int bolt_local_data_parse(const char *line, struct bolt_local_rr *rr, const char **why)
{
	const char *dummy;
	char name[1024], ttl[16], type[24];
	size_t len;
	uint64_t v;

	if (why == NULL)
		why = &dummy;
	*why = "expected 'NAME TTL [IN] TYPE RDATA'";
	if (line == NULL || rr == NULL)
		return BOLT_ESYNTAX;
	for (const char *q = line; *q != '\0'; q++) {
		if ((unsigned char)*q < 0x20 && *q != '\t') {
			*why = "control character in data";
			return BOLT_ESYNTAX;
		}
	}
	const char *p = line;
	if (!field(&p, name, sizeof(name), &len)) {
		if (len > 0)
			*why = "NAME too long";
		return BOLT_ESYNTAX;
	}
	if (!field(&p, ttl, sizeof(ttl), &len) || bolt_text_uint(ttl, len, 2147483647u, &v) != 0) {
		*why = len == 0 ? "expected 'NAME TTL [IN] TYPE RDATA'" : "TTL must be a number 0..2147483647";
		return BOLT_ESYNTAX;
	}
	rr->ttl = (uint32_t)v;
	if (!field(&p, type, sizeof(type), &len)) {
		*why = len == 0 ? "expected 'NAME TTL [IN] TYPE RDATA'" : "unknown TYPE";
		return BOLT_ESYNTAX;
	}
	/* "NAME TTL IN TYPE ..." is the zone-file habit: the class may be written, if it is IN */
	if (strcasecmp(type, "IN") == 0 && !field(&p, type, sizeof(type), &len)) {
		*why = len == 0 ? "expected 'NAME TTL [IN] TYPE RDATA'" : "unknown TYPE";
		return BOLT_ESYNTAX;
	}
	if (strcasecmp(type, "CH") == 0 || strcasecmp(type, "HS") == 0 ||
	    strcasecmp(type, "IN") == 0) {
		*why = "only class IN is served (and it need not be written)";
		return BOLT_ESYNTAX;
	}
	while (is_blank(*p))
		p++;
	if (*p == '\0') {
		*why = "expected 'NAME TTL [IN] TYPE RDATA' (RDATA missing)";
		return BOLT_ESYNTAX;
	}

	int ret = bolt_name_from_text(name, rr->owner);
	if (ret < 0) {
		*why = ret == BOLT_ELABEL ? "NAME has a label longer than 63 bytes"
		       : ret == BOLT_ENAME ? "NAME longer than 255 bytes" : "NAME is not a domain name";
		return ret;
	}
	rr->owner_len = (uint16_t)ret;

	ret = bolt_type_from_text(type);
	if (ret < 0) {
		*why = "unknown TYPE (a mnemonic such as A, AAAA, TXT, or TYPEnnn)";
		return BOLT_ETYPE;
	}
	rr->type = (uint16_t)ret;
	if (rr->type == BOLT_TYPE_OPT || rr->type == BOLT_TYPE_ANY || rr->type == 251 ||
	    rr->type == 252 || rr->type == 249 || rr->type == 250) {
		*why = "TYPE is not a record that can be served (OPT, ANY, AXFR, IXFR, TKEY, TSIG)";
		return BOLT_ETYPE;
	}

	ret = bolt_rdata_from_text(rr->type, p, rr->rdata, sizeof(rr->rdata));
	if (ret < 0) {
		*why = ret == BOLT_ETYPE ? "RDATA of this TYPE has no text form here: write it as "
		                           "'\\# LENGTH HEX' (RFC 3597)"
		       : ret == BOLT_ESPACE ? "RDATA too long" : "RDATA malformed for its TYPE";
		return ret;
	}
	rr->rdlen = (uint16_t)ret;
	*why = NULL;
	return 0;
}
