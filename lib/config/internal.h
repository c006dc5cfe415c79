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

struct bolt_config;

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
	K_NAME,     /* one domain name: uint8_t[BOLT_CFG_NAME_WIRE], lower-case wire form */
};

enum {
	F_EMPTY_OK = 1 << 0, /* "" is a valid value */
	F_POW2 = 1 << 1,     /* power of two */
	F_NO_PORT = 1 << 2,  /* addresses without @port */
	F_REPEAT = 1 << 3,   /* may appear several times (lists append) */
	F_ZERO_AUTO = 1 << 4, /* 0 (automatic) besides [min, max] */
	F_AUTO_WORD = 1 << 5, /* "auto" (stored as 0xffffffff) besides [min, max] */
	F_ONE_IN = 1 << 6,   /* K_UINT: "1/N" means N (a sampling rate) */
	F_ZERO_OFF = 1 << 7, /* 0 (off) besides [min, max] */
};

struct key {
	const char *section;
	const char *name;
	uint8_t kind;
	uint8_t flags;
	uint16_t port;        /* default port for addresses */
	size_t off;           /* field in struct bolt_config (in the instance struct for the
	                         keys of a repeatable section; so are the offsets below) */
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

/*
 * A repeatable section ([zone], ...): every "[name]" line starts a new
 * instance, a struct of elem_size bytes appended to the array at arr_off in
 * struct bolt_config (its count, an unsigned, at count_off; at most max).
 * Its keys (keys[0..nkeys), section = name) are looked up and set like the
 * others, on the instance: their offsets are offsets in the instance struct,
 * and "already set" means in this instance. defaults (may be NULL) fills a
 * new instance (zeroed before). check (may be NULL) runs when the instance
 * ends (the next section line, or the end of the file): seen[j] is the line
 * where keys[j] was first set in it (0: not set), *line is preset to the
 * "[name]" line; it returns NULL, or a one-line reason (in buf or static)
 * after setting *line to where the error is (seen[j], or left as is).
 * To add one: its struct and array in struct bolt_config, a struct cfg_multi
 * in a file of its own (zone.c is the model), a line in cfg_multis (multi.c).
 */
struct cfg_multi {
	const char *name;
	const struct key *keys;
	size_t nkeys;
	size_t arr_off, count_off, elem_size;
	unsigned max;
	void (*defaults)(void *inst);
	const char *(*check)(const struct bolt_config *cfg, unsigned idx, const unsigned *seen,
	                     unsigned *line, char *buf, size_t cap);
};

/* Keys one repeatable section may have at most. */
#define CFG_MULTI_KEYS_MAX 32

/* Every repeatable section, in the order bolt_config_print writes them (multi.c). */
extern const struct cfg_multi *const cfg_multis[];
extern const size_t cfg_nmultis;

/* The sections themselves, each in a file of its own. */
extern const struct cfg_multi cfg_zone_section;   /* zone.c */
extern const struct cfg_multi cfg_rpz_section;    /* rpz.c */

/* The instance being read (multi.c; the loader holds one). */
struct cfg_multi_cur {
	const struct cfg_multi *sec;   /* NULL: not inside a repeatable section */
	void *inst;
	unsigned idx;                  /* its index in the array */
	unsigned line;                 /* its "[name]" line */
	unsigned seen[CFG_MULTI_KEYS_MAX];
};

/* The repeatable section called s[0..len), or NULL. */
const struct cfg_multi *cfg_multi_find(const char *s, size_t len);

/* Instance idx of sec in cfg. */
void *cfg_multi_inst(const struct cfg_multi *sec, void *cfg, unsigned idx);
const void *cfg_multi_cinst(const struct cfg_multi *sec, const void *cfg, unsigned idx);
unsigned cfg_multi_count(const struct cfg_multi *sec, const void *cfg);

/*
 * Start a new instance of sec in cfg at "[name]" line: zeroed, its
 * defaults, counted. Returns NULL, or the reason (into buf) when sec
 * already has its maximum number of instances (c is then outside any).
 */
const char *cfg_multi_begin(struct cfg_multi_cur *c, struct bolt_config *cfg,
                            const struct cfg_multi *sec, unsigned line, char *buf, size_t cap);

/*
 * End the instance being read (nothing when none): run its check. Returns
 * NULL, or the reason with *line where it is. c is then outside any.
 */
const char *cfg_multi_end(struct cfg_multi_cur *c, const struct bolt_config *cfg, unsigned *line,
                          char *buf, size_t cap);

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
