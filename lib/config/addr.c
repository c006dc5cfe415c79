/*
 * Addresses and prefixes as written in the configuration:
 * "198.18.0.1", "198.18.0.1@5300", "2001:db8::1", "[2001:db8::1]@53",
 * "198.18.0.0/15", "2001:db8::/32".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "boltdns/config.h"
#include "lib/config/text.h"

/* inet_pton wants a NUL-terminated string; copy [s, s+len) into a bounded buffer. */
static int parse_ip(const char *s, size_t len, uint8_t *family, uint8_t addr[16])
{
	char buf[INET6_ADDRSTRLEN];

	if (len == 0 || len >= sizeof(buf))
		return BOLT_ESYNTAX;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, addr) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return BOLT_ESYNTAX;
}

int bolt_text_uint(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0)
		return BOLT_ESYNTAX;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return BOLT_ESYNTAX;
		unsigned d = (unsigned)(s[i] - '0');
		/* v * 10 + d > max, written so that it cannot overflow itself */
		if (v > (max - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int bolt_sockaddr_parse(const char *text, struct bolt_sockaddr *out)
{
	const char *addr_s, *port_s = NULL;
	size_t addr_len;
	struct bolt_sockaddr sa;

	if (text == NULL || out == NULL)
		return BOLT_ESYNTAX;
	memset(&sa, 0, sizeof(sa));
	size_t len = strlen(text);

	if (text[0] == '[') {
		/* brackets are the only way to attach a port to an IPv6 address unambiguously */
		const char *close = strchr(text, ']');
		if (close == NULL)
			return BOLT_ESYNTAX;
		addr_s = text + 1;
		addr_len = (size_t)(close - addr_s);
		if (close[1] == '@')
			port_s = close + 2;
		else if (close[1] != '\0')
			return BOLT_ESYNTAX;
		if (parse_ip(addr_s, addr_len, &sa.family, sa.addr) != 0 || sa.family != AF_INET6)
			return BOLT_ESYNTAX;
	} else {
		/* '@' never appears in an address, so the last one separates the port */
		const char *at = strrchr(text, '@');
		addr_s = text;
		addr_len = at != NULL ? (size_t)(at - text) : len;
		if (at != NULL)
			port_s = at + 1;
		if (parse_ip(addr_s, addr_len, &sa.family, sa.addr) != 0)
			return BOLT_ESYNTAX;
	}
	if (port_s != NULL) {
		uint64_t port;
		int ret = bolt_text_uint(port_s, strlen(port_s), 65535, &port);
		if (ret != 0 || port == 0)
			return BOLT_ESYNTAX;
		sa.port = (uint16_t)port;
	}
	*out = sa;
	return 0;
}

int bolt_sockaddr_format(const struct bolt_sockaddr *sa, char *out, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];
	int n;

	if (sa == NULL || out == NULL || cap == 0)
		return BOLT_ESPACE;
	if (inet_ntop(sa->family == AF_INET6 ? AF_INET6 : AF_INET, sa->addr, ip, sizeof(ip)) == NULL)
		return BOLT_ESYNTAX;
	if (sa->port == 0)
		n = snprintf(out, cap, "%s", ip);
	else if (sa->family == AF_INET6)
		n = snprintf(out, cap, "[%s]@%u", ip, (unsigned)sa->port);
	else
		n = snprintf(out, cap, "%s@%u", ip, (unsigned)sa->port);
	if (n < 0 || (size_t)n >= cap)
		return BOLT_ESPACE;
	return n;
}

int bolt_prefix_parse_why(const char *text, struct bolt_prefix *out, const char **why)
{
	struct bolt_prefix p;
	const char *slash;
	size_t addr_len;
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	*why = "not an address or prefix";
	if (text == NULL || out == NULL)
		return BOLT_ESYNTAX;
	memset(&p, 0, sizeof(p));
	slash = strchr(text, '/');
	addr_len = slash != NULL ? (size_t)(slash - text) : strlen(text);
	if (parse_ip(text, addr_len, &p.family, p.addr) != 0)
		return BOLT_ESYNTAX;
	unsigned bits = p.family == AF_INET ? 32 : 128;
	p.len = (uint8_t)bits;
	if (slash != NULL) {
		uint64_t len;
		int ret = bolt_text_uint(slash + 1, strlen(slash + 1), bits, &len);
		if (ret != 0) {
			*why = p.family == AF_INET ? "prefix length must be 0..32"
			                           : "prefix length must be 0..128";
			return BOLT_ESYNTAX;
		}
		p.len = (uint8_t)len;
	}
	/* "10.1.2.3/8" usually means a typo, so bits beyond the length are refused, not masked */
	for (unsigned b = p.len; b < bits; b++) {
		if (p.addr[b / 8] & (0x80u >> (b % 8))) {
			*why = "address has bits set beyond the prefix length";
			return BOLT_ESYNTAX;
		}
	}
	*out = p;
	return 0;
}

int bolt_prefix_parse(const char *text, struct bolt_prefix *out)
{
	return bolt_prefix_parse_why(text, out, NULL);
}

static bool bits_match(const uint8_t *a, const uint8_t *b, unsigned len)
{
	unsigned bytes = len / 8, rest = len % 8;

	if (memcmp(a, b, bytes) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xffu << (8 - rest));
	return (a[bytes] & mask) == (b[bytes] & mask);
}

bool bolt_prefix_match(const struct bolt_prefix *p, uint8_t family, const uint8_t *addr)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (p == NULL || addr == NULL)
		return false;
	if (p->family == family) {
		unsigned max = family == AF_INET ? 32 : 128;
		return bits_match(p->addr, addr, p->len > max ? max : p->len);
	}
	/* a dual-stack socket shows IPv4 clients as ::ffff:a.b.c.d; IPv4 rules must still apply */
	if (p->family == AF_INET && family == AF_INET6 && memcmp(addr, v4mapped, 12) == 0)
		return bits_match(p->addr, addr + 12, p->len > 32 ? 32 : p->len);
	return false;
}

int bolt_sockaddr_to_os(const struct bolt_sockaddr *sa, uint16_t defport,
                        struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	uint16_t port = sa->port != 0 ? sa->port : defport;
	if (sa->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, sa->addr, 4);
		if (len != NULL)
			*len = sizeof(*s4);
		return 0;
	}
	if (sa->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, sa->addr, 16);
		if (len != NULL)
			*len = sizeof(*s6);
		return 0;
	}
	return -EAFNOSUPPORT;
}
