/*
 * Splitting a control request line into its command and arguments.
 * Everything arrives from a socket: every byte is checked, nothing is
 * trusted to be terminated or short.
 */
#include <string.h>

#include "ctl_internal.h"

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

int ctl_req_parse(struct ctl_req *r, const char *line, size_t len, const char **why)
{
	r->json = false;
	r->argc = 0;
	r->more = NULL;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > BOLT_CTL_LINE_MAX) {
		*why = "request line too long";
		return BOLT_ESPACE;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		/* Control bytes would end up in replies and logs; tabs are blanks. */
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			*why = "control character in request";
			return BOLT_ESYNTAX;
		}
	}
	memcpy(r->orig, line, len);
	r->orig[len] = '\0';

	size_t i = 0, o = 0;
	while (i < len) {
		while (i < len && blank(line[i]))
			i++;
		if (i == len)
			break;
		if (r->argc == CTL_ARGS_MAX) {
			/* Only a command taking the rest of the line verbatim
			 * accepts more; ctl_command checks. */
			r->more = r->orig + i;
			break;
		}
		r->raw[r->argc] = r->orig + i;
		r->argv[r->argc] = r->buf + o;
		if (line[i] == '"') {
			i++;
			bool closed = false;
			while (i < len) {
				char c = line[i++];
				if (c == '"') {
					closed = true;
					break;
				}
				if (c == '\\') {
					if (i == len)
						break;
					c = line[i++];
				}
				r->buf[o++] = c;
			}
			if (!closed) {
				*why = "unterminated quoted argument";
				return BOLT_ESYNTAX;
			}
			if (i < len && !blank(line[i])) {
				*why = "text after a closing quote";
				return BOLT_ESYNTAX;
			}
		} else {
			while (i < len && !blank(line[i])) {
				if (line[i] == '"') {
					*why = "quote inside an argument";
					return BOLT_ESYNTAX;
				}
				r->buf[o++] = line[i++];
			}
		}
		/* The copy never outgrows the line: quotes and escapes shrink it. */
		r->buf[o++] = '\0';
		r->argc++;
	}

	if (r->argc > 0 && strcmp(r->argv[0], "json") == 0) {
		r->json = true;
		memmove(r->argv, r->argv + 1, (r->argc - 1) * sizeof(r->argv[0]));
		memmove(r->raw, r->raw + 1, (r->argc - 1) * sizeof(r->raw[0]));
		r->argc--;
	}
	if (r->argc == 0) {
		*why = "empty request";
		return BOLT_ESYNTAX;
	}
	return 0;
}
