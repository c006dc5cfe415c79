/*
 * hosts-format local data: "ADDRESS NAME [NAME...]  # comment".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "boltdns/hosts.h"
#include "lib/config/text.h"

/* Names per line are bounded so a validated line can be reported in one pass. */
#define MAX_NAMES 256

struct token {
	const char *s;
	size_t len;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == '\n';
}

const char *bolt_text_hostname_check(const char *name, size_t len)
{
	size_t label = 0;

	/* the final dot only says the name is absolute; it is not part of the length */
	if (len > 1 && name[len - 1] == '.')
		len--;
	if (len == 0)
		return "empty name";
	if (len > BOLT_HOSTS_NAME_MAX)
		return "name longer than 253 characters";
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (c == '.') {
			if (label == 0)
				return "empty label";
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return "name has a character other than letters, digits, '-', '_' and '.'";
		if (++label > 63)
			return "label longer than 63 characters";
	}
	return NULL;
}

static void set_err(char *err, size_t errlen, const char *src, unsigned line,
                    const char *fmt, ...)
{
	if (err == NULL || errlen == 0)
		return;
	int n = snprintf(err, errlen, "%s:%u: ", src, line);
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/* One line (without its newline); returns 0, BOLT_ECONFIG or the callback's error. */
static int parse_line(char *s, size_t len, unsigned line, const char *src, bolt_hosts_cb cb,
                      void *arg, char *err, size_t errlen)
{
	struct token tok[MAX_NAMES + 1];
	unsigned ntok = 0;
	uint8_t addr[16] = { 0 };
	int family;
	char name[BOLT_HOSTS_NAME_MAX + 2];

	if (memchr(s, '\0', len) != NULL) {
		set_err(err, errlen, src, line, "NUL byte in line");
		return BOLT_ECONFIG;
	}
	char *hash = memchr(s, '#', len);
	if (hash != NULL)
		len = (size_t)(hash - s);

	for (size_t i = 0; i < len;) {
		while (i < len && is_space(s[i]))
			i++;
		if (i == len)
			break;
		size_t start = i;
		while (i < len && !is_space(s[i]))
			i++;
		if (ntok == BOLT_ARRAY_SIZE(tok)) {
			set_err(err, errlen, src, line, "more than %u names on one line", MAX_NAMES);
			return BOLT_ECONFIG;
		}
		tok[ntok].s = s + start;
		tok[ntok].len = i - start;
		ntok++;
	}
	if (ntok == 0)
		return 0;

	char abuf[INET6_ADDRSTRLEN];
	if (tok[0].len >= sizeof(abuf)) {
		set_err(err, errlen, src, line, "bad address '%.*s'", 64, tok[0].s);
		return BOLT_ECONFIG;
	}
	memcpy(abuf, tok[0].s, tok[0].len);
	abuf[tok[0].len] = '\0';
	if (inet_pton(AF_INET, abuf, addr) == 1) {
		family = AF_INET;
	} else if (inet_pton(AF_INET6, abuf, addr) == 1) {
		family = AF_INET6;
	} else {
		/* a scope ID ("fe80::1%eth0") names an interface, which a DNS answer cannot carry */
		set_err(err, errlen, src, line, "bad address '%s'%s", abuf,
		        strchr(abuf, '%') != NULL ? " (scope IDs are not supported)" : "");
		return BOLT_ECONFIG;
	}
	if (ntok == 1) {
		set_err(err, errlen, src, line, "address '%s' without a name", abuf);
		return BOLT_ECONFIG;
	}
	/* validate the whole line first so that a bad line adds nothing */
	for (unsigned i = 1; i < ntok; i++) {
		const char *why = bolt_text_hostname_check(tok[i].s, tok[i].len);
		if (why != NULL) {
			set_err(err, errlen, src, line, "bad name '%.*s': %s",
			        (int)(tok[i].len > 64 ? 64 : tok[i].len), tok[i].s, why);
			return BOLT_ECONFIG;
		}
	}
	for (unsigned i = 1; i < ntok; i++) {
		size_t n = tok[i].len;
		if (n > 1 && tok[i].s[n - 1] == '.')
			n--;
		memcpy(name, tok[i].s, n);
		name[n] = '\0';
		int ret = cb(name, family, addr, arg);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int parse_stream(FILE *f, const char *src, bolt_hosts_cb cb, void *arg,
                        char *err, size_t errlen)
{
	char *buf = NULL;
	size_t cap = 0;
	unsigned line = 0;
	int ret = 0;
	ssize_t n;

	errno = 0;
	while ((n = getline(&buf, &cap, f)) >= 0) {
		line++;
		size_t len = (size_t)n;
		if (len > 0 && buf[len - 1] == '\n')
			len--;
		ret = parse_line(buf, len, line, src, cb, arg, err, errlen);
		if (ret != 0)
			break;
	}
	if (ret == 0 && ferror(f)) {
		ret = errno != 0 ? -errno : -EIO;
		set_err(err, errlen, src, line + 1, "read error: %s", strerror(-ret));
	}
	free(buf);
	return ret;
}

int bolt_hosts_parse(const char *path, bolt_hosts_cb cb, void *arg, char *err, size_t errlen)
{
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (path == NULL || cb == NULL)
		return -EINVAL;
	FILE *f = fopen(path, "re");
	if (f == NULL) {
		int ret = -errno;
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	int ret = parse_stream(f, path, cb, arg, err, errlen);
	fclose(f);
	return ret;
}

int bolt_hosts_parse_string(const char *text, const char *name, bolt_hosts_cb cb, void *arg,
                            char *err, size_t errlen)
{
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (text == NULL || cb == NULL)
		return -EINVAL;
	if (name == NULL)
		name = "<string>";
	size_t len = strlen(text);
	/* fmemopen refuses an empty buffer on some libcs; an empty text is simply no data */
	if (len == 0)
		return 0;
	FILE *f = fmemopen((void *)text, len, "r");
	if (f == NULL)
		return -errno;
	int ret = parse_stream(f, name, cb, arg, err, errlen);
	fclose(f);
	return ret;
}
