/*
 * Signed zones of fixtures/ (gen.sh) loaded as struct bolt_rr, and helpers
 * to pick RRsets and their RRSIGs out of them.
 */
#ifndef VAL_FIXTURE_H
#define VAL_FIXTURE_H

#include "validator.h"

#define FX_MAX_RRS 128

struct fx_zone {
	uint8_t apex[BOLT_NAME_MAX];
	size_t n;
	struct bolt_rr rr[FX_MAX_RRS];
	uint8_t data[FX_MAX_RRS][2048];
};

/* A selection of records (pointers into a zone or a test's own copies). */
struct fx_set {
	size_t n;
	const struct bolt_rr *p[FX_MAX_RRS];
};

/* The fixture directory (argv[1] of the test). */
extern const char *fx_dir;

/* Load fixtures/<name>.zone (apex is name). Aborts the test on error. */
void fx_load(struct fx_zone *z, const char *name);

/* Wire form of a text name (a rotation of 1024 static buffers: enough for
 * the pointers one test keeps). */
const uint8_t *fx_name(const char *text);

/* Records of owner (NULL: any) and type; RRSIGs: pass BOLT_TYPE_RRSIG and
 * covered (0: any). */
void fx_select(const struct fx_zone *z, const char *owner, uint16_t type,
               uint16_t covered, struct fx_set *out);

/* An RRset with its RRSIGs from a zone. */
struct fx_rrset {
	struct fx_set rrs, sigs;
	struct bolt_val_rrset set;
};
void fx_rrset(const struct fx_zone *z, const char *owner, uint16_t type, struct fx_rrset *s);

/* A private copy of rr whose RDATA and owner may be changed. */
struct fx_copy {
	struct bolt_rr rr;
	uint8_t data[2048];
};
void fx_copy(struct fx_copy *c, const struct bolt_rr *rr);

/* Seconds of 2030-01-01, inside every fixture's validity. */
#define FX_NOW 1893456000u
/* Inception and expiration of every fixture signature. */
#define FX_INCEPTION 1767225600u  /* 2026-01-01 */
#define FX_EXPIRATION 2082758400u /* 2036-01-01 */

#endif
