/*
 * Reader for hosts-format files (/etc/hosts syntax), the simplest form of
 * local data: "ADDRESS NAME [NAME...]" per line, '#' starts a comment.
 *
 * Implementation: lib/config/hosts.c.
 */
#ifndef BOLTDNS_HOSTS_H
#define BOLTDNS_HOSTS_H

#include "boltdns/common.h"
#include "boltdns/errcode.h"

/* Longest name accepted, in presentation form without the final dot. */
#define BOLT_HOSTS_NAME_MAX 253

/*
 * Called once per (name, address) pair, in file order. name: NUL-terminated,
 * as written (case kept, any final dot removed), valid only during the call.
 * family: AF_INET or AF_INET6; addr: 4 or 16 bytes in network order.
 * Return 0 to go on; a negative value stops the parse and is returned.
 */
typedef int (*bolt_hosts_cb)(const char *name, int family, const uint8_t *addr, void *arg);

/*
 * Parse the hosts file at path, calling cb for every name of every line.
 * Blank lines and comments are skipped; an address followed by several names
 * gives one call per name. Lines are validated before any of their names is
 * reported, so a bad line reports nothing. On a bad line writes
 * "PATH:LINE: what is wrong" into err (when errlen > 0) and returns
 * BOLT_ECONFIG; a file that cannot be read gives -errno; a callback's
 * negative value is returned as it is. Thread: any; no global state.
 */
BOLT_API int bolt_hosts_parse(const char *path, bolt_hosts_cb cb, void *arg,
                              char *err, size_t errlen);

/* Same, from a NUL-terminated string; name stands in for PATH in errors. */
BOLT_API int bolt_hosts_parse_string(const char *text, const char *name, bolt_hosts_cb cb,
                                     void *arg, char *err, size_t errlen);

#endif
