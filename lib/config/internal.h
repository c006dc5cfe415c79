/*
 * Inside the configuration loader (lib/config): the key table and the value
 * parsers, shared by the loader (config.c), the key table (keys.c), the
 * value parsers (values.c) and the printer (print.c). Not a public API.
 */
#ifndef BOLTDNS_LIB_CONFIG_INTERNAL_H
#define BOLTDNS_LIB_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A physical line longer than this is refused whole (no value needs more). */
#define LINE_MAX_BYTES 4096
/* The largest signed 32-bit TTL (RFC 2181 section 8). */
#define TTL_MAX 2147483647u
/* An upper bound of the key table's size (keys.c checks it at build time). */
#define CFG_KEYS_MAX 192

enum kind {
	K_STR,      /* text; max = longest length */
	K_UINT,     /* unsigned decimal in [min, max] */
	K_SIZE,     /* bytes with K/M/G/T suffix (uint64_t) */
	K_BOOL,
	K_MSEC,     /* milliseconds: "800", "800ms", "2s" */
	K_SECS,     /* seconds: "300", "5m", "1h", "1d", "1w" */
	K_OCTAL,
	K_ENUM,     /* one of choices[], stored as its index (int) */
	K_ADDRS,    /* list of bolt_sockaddr; port = default port */
	K_ADDR_OPT, /* one bolt_sockaddr or "" (off) */
	K_PREFIXES, /* list of bolt_prefix */
	K_DATA,     /* "NAME TTL TYPE RDATA" (repeatable) */
	K_IFNAME,
	K_USER,     /* user or group name */
	K_NAMES,    /* list of domain names (stored lower-case, absolute, as text) */
};

enum {
	F_EMPTY_OK = 1 << 0, /* "" is a valid value */
	F_POW2 = 1 << 1,     /* power of two */
	F_NO_PORT = 1 << 2,  /* addresses without @port */
	F_REPEAT = 1 << 3,   /* may appear several times (lists append) */
	F_ZERO_AUTO = 1 << 4, /* 0 (automatic) besides [min, max] */
	F_AUTO_WORD = 1 << 5, /* "auto" (stored as 0xffffffff) besides [min, max] */
};

struct key {
	const char *section;
	const char *name;
	uint8_t kind;
	uint8_t flags;
	uint16_t port;        /* default port for addresses */
	size_t off;           /* field in struct bolt_config */
	size_t size;          /* field size (strings, arrays) */
	size_t count_off;     /* list count field */
	size_t aux_off;       /* K_ADDR_OPT: the bool "enabled" field */
	uint64_t min, max;
	const char *const *choices;
};


/* The key table, in the order bolt_config_print writes it, and the sections. */
extern const struct key cfg_keys[];
extern const size_t cfg_nkeys;
extern const char *const cfg_sections[];
extern const size_t cfg_nsections;

#define AT(cfg, k, type) ((type *)(void *)((char *)(cfg) + (k)->off))
#define COUNT_AT(cfg, k) ((unsigned *)(void *)((char *)(cfg) + (k)->count_off))
#define CAT(cfg, k, type) ((const type *)(const void *)((const char *)(cfg) + (k)->off))
#define CCOUNT_AT(cfg, k) ((const unsigned *)(const void *)((const char *)(cfg) + (k)->count_off))

static inline bool cfg_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Value parsers (values.c): 0 or a negative error; the checks return true when valid. */
bool cfg_is_pow2(uint64_t v);
int cfg_number_unit(const char *v, uint64_t max, uint64_t *out,
                       const char *const *units, const uint64_t *mults);
int cfg_parse_size(const char *v, uint64_t *out);
int cfg_parse_msec(const char *v, uint64_t *out);
int cfg_parse_secs(const char *v, uint64_t *out);
int cfg_parse_bool(const char *v, bool *out);
int cfg_parse_octal(const char *v, uint64_t max, uint64_t *out);
bool cfg_valid_ifname(const char *v);
bool cfg_valid_user(const char *v, size_t cap);
const char *cfg_unquote(const char *v, char *buf, size_t cap);
bool cfg_next_item(const char **p, char *buf, size_t cap, bool *too_long);

#endif
