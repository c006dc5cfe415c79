/*
 * The RFC 5011 state file: the trust points as zone-file DS/DNSKEY lines
 * (so it is a trust anchor file too) with each key's state and times in a
 * ";;" comment after it and the point's timers in a ";;point" line:
 *
 *   ;;boltdns-ta-state 1
 *   ;;point . ttl=172800 last_queried=T last_success=T next_probe=T query_failed=0
 *   . 172800 IN DNSKEY 257 3 8 AwEA... ;;state=Valid tag=20326 added=0 changed=T
 *
 * Written whole and atomically (temporary file, fsync, rename, fsync of
 * the directory), as Unbound writes its auto-trust-anchor-file.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "anchor.h"
#include "boltdns/errcode.h"
#include "tafile.h"

#define STATE_MAGIC "boltdns-ta-state 1"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void put_base64(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		fputc(b64[(v >> 18) & 63], f);
		fputc(b64[(v >> 12) & 63], f);
		fputc(i + 1 < n ? b64[(v >> 6) & 63] : '=', f);
		fputc(i + 2 < n ? b64[v & 63] : '=', f);
	}
}

/* mkdir -p of path's directory (mode 0755). */
static int make_dir(const char *path)
{
	char dir[512];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static void write_points(FILE *f, const struct ta_set *s)
{
	fprintf(f, "; RFC 5011 trust anchor state, written by boltdns-cp. While this file exists\n"
	           "; boltdns-cp reads it at start-up instead of [dnssec] trust-anchor-file.\n"
	           "; Edit it only while boltdns-cp is stopped.\n"
	           ";;" STATE_MAGIC "\n");
	for (unsigned i = 0; i < s->n; i++) {
		const struct ta_point *p = &s->point[i];
		char name[1100];
		if (bolt_name_to_text(p->name, name, sizeof(name)) < 0)
			continue;
		fprintf(f, ";;point %s ttl=%" PRIu32 " last_queried=%" PRId64 " last_success=%" PRId64
		           " next_probe=%" PRId64 " query_failed=%" PRIu32 "\n",
		        name, p->ttl, p->last_queried, p->last_success, p->next_probe, p->query_failed);
		for (unsigned k = 0; k < p->nkeys; k++) {
			const struct ta_key *key = &p->keys[k];
			const uint8_t *rd = key->rdata;
			if (key->type == TA_TYPE_DS) {
				fprintf(f, "%s %" PRIu32 " IN DS %u %u %u ", name, p->ttl,
				        (unsigned)((rd[0] << 8) | rd[1]), rd[2], rd[3]);
				for (unsigned b = 4; b < key->rdlen; b++)
					fprintf(f, "%02X", rd[b]);
			} else {
				fprintf(f, "%s %" PRIu32 " IN DNSKEY %u %u %u ", name, p->ttl,
				        (unsigned)((rd[0] << 8) | rd[1]), rd[2], rd[3]);
				put_base64(f, rd + 4, key->rdlen - 4u);
			}
			fprintf(f, " ;;state=%s tag=%u added=%" PRId64 " changed=%" PRId64 "\n",
			        ta_state_name(key->state), key->tag, key->added, key->changed);
		}
	}
}

int ta_state_save(const struct ta_set *s, const char *path, char *err, size_t errlen)
{
	char tmp[600];
	char dummy[8];
	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	int ret = make_dir(path);
	if (ret < 0) {
		snprintf(err, errlen, "%s: cannot create its directory: %s", path, strerror(-ret));
		return ret;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return ret;
	}
	FILE *f = fdopen(fd, "w");
	if (f == NULL) {
		ret = -errno;
		close(fd);
		unlink(tmp);
		snprintf(err, errlen, "%s: %s", tmp, strerror(-ret));
		return ret;
	}
	write_points(f, s);
	/* the data must be on disk before the rename makes it the state */
	if (fflush(f) != 0 || ferror(f) || fsync(fd) != 0) {
		ret = errno != 0 ? -errno : -EIO;
		fclose(f);
		unlink(tmp);
		snprintf(err, errlen, "%s: write: %s", tmp, strerror(-ret));
		return ret;
	}
	if (fclose(f) != 0) {
		ret = -errno;
		unlink(tmp);
		snprintf(err, errlen, "%s: close: %s", tmp, strerror(-ret));
		return ret;
	}
	if (rename(tmp, path) != 0) {
		ret = -errno;
		unlink(tmp);
		snprintf(err, errlen, "rename %s to %s: %s", tmp, path, strerror(-ret));
		return ret;
	}
	/* and the rename itself must survive a crash */
	char dir[600];
	snprintf(dir, sizeof(dir), "%s", path);
	int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
}

/* ---- reading ---- */

struct point_timers {
	uint8_t name[BOLT_NAME_MAX];
	uint32_t ttl, query_failed;
	int64_t last_queried, last_success, next_probe;
};

struct state_ctx {
	struct ta_set *s;
	unsigned nkeys;
	unsigned ntimers;
	struct point_timers timers[TA_MAX_POINTS];
};

/* "key=NUMBER" inside text (a word of its own), false when absent or not a number. */
static bool field_i64(const char *text, const char *key, int64_t *out)
{
	size_t kl = strlen(key);
	for (const char *p = text; (p = strstr(p, key)) != NULL; p += kl) {
		if ((p != text && p[-1] != ' ' && p[-1] != ';') || p[kl] != '=')
			continue;
		char *end;
		errno = 0;
		long long v = strtoll(p + kl + 1, &end, 10);
		if (errno != 0 || end == p + kl + 1 || (*end != '\0' && *end != ' '))
			return false;
		*out = v;
		return true;
	}
	return false;
}

static int on_comment(void *arg, const char *c)
{
	struct state_ctx *x = arg;
	if (strncmp(c, ";point ", 7) != 0)
		return 0;
	if (x->ntimers >= TA_MAX_POINTS)
		return -1;
	struct point_timers *t = &x->timers[x->ntimers];
	char name[1100];
	const char *p = c + 7;
	size_t nl = strcspn(p, " ");
	if (nl == 0 || nl >= sizeof(name))
		return -1;
	memcpy(name, p, nl);
	name[nl] = '\0';
	int64_t ttl = 0, qf = 0;
	if (bolt_name_from_text(name, t->name) < 0 || !field_i64(p, "ttl", &ttl) ||
	    !field_i64(p, "last_queried", &t->last_queried) ||
	    !field_i64(p, "last_success", &t->last_success) ||
	    !field_i64(p, "next_probe", &t->next_probe) || !field_i64(p, "query_failed", &qf) ||
	    ttl < 0 || ttl > INT32_MAX || qf < 0 || qf > INT32_MAX)
		return -1;
	t->ttl = (uint32_t)ttl;
	t->query_failed = (uint32_t)qf;
	x->ntimers++;
	return 0;
}

static int on_rr(void *arg, const struct zp_rr *rr, const char *comment, const char **why)
{
	struct state_ctx *x = arg;
	enum ta_state st = TA_VALID;
	int64_t added = 0, changed = 0;
	const char *sp = strstr(comment, "state=");
	if (sp != NULL) {
		static const enum ta_state all[] = { TA_START, TA_ADDPEND, TA_VALID, TA_MISSING,
		                                     TA_REVOKED, TA_REMOVED };
		size_t wl = strcspn(sp + 6, " ");
		bool found = false;
		for (size_t i = 0; i < BOLT_ARRAY_SIZE(all); i++) {
			const char *n = ta_state_name(all[i]);
			if (strlen(n) == wl && strncasecmp(sp + 6, n, wl) == 0) {
				st = all[i];
				found = true;
			}
		}
		if (!found || st == TA_START) {
			*why = "bad state= (AddPend, Valid, Missing, Revoked or Removed)";
			return BOLT_ESYNTAX;
		}
		if (!field_i64(comment, "added", &added) || !field_i64(comment, "changed", &changed)) {
			*why = "state comment needs added= and changed=";
			return BOLT_ESYNTAX;
		}
		if (rr->type == TA_TYPE_DS && st != TA_VALID) {
			*why = "a DS anchor is always Valid";
			return BOLT_ESYNTAX;
		}
	}
	int ret = ta_set_add(x->s, rr->owner, rr->type, rr->rdata, rr->rdlen, rr->ttl, st, added,
	                     changed, why);
	if (ret == 0)
		x->nkeys++;
	return ret;
}

int ta_state_load(struct ta_set *s, const char *path, char *err, size_t errlen)
{
	char dummy[8];
	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	char *text;
	size_t len;
	int ret = ta_read_file(path, &text, &len, err, errlen);
	if (ret < 0)
		return ret;
	struct state_ctx *x = calloc(1, sizeof(*x));
	if (x == NULL) {
		free(text);
		return -ENOMEM;
	}
	x->s = s;
	struct zp z = { .name = path, .err = err, .errlen = errlen, .on_rr = on_rr,
	                .on_comment = on_comment, .arg = x };
	ret = zp_run(&z, text, len);
	if (ret == 0 && x->nkeys == 0) {
		snprintf(err, errlen, "%s: no DS or DNSKEY record", path);
		ret = BOLT_ECONFIG;
	}
	if (ret == 0) {
		for (unsigned i = 0; i < x->ntimers; i++) {
			struct ta_point *p = ta_set_find(s, x->timers[i].name);
			if (p == NULL)
				continue;
			p->ttl = x->timers[i].ttl;
			p->last_queried = x->timers[i].last_queried;
			p->last_success = x->timers[i].last_success;
			p->next_probe = x->timers[i].next_probe;
			p->query_failed = x->timers[i].query_failed;
		}
		snprintf(s->source, sizeof(s->source), "%s", path);
		s->from_state = true;
	}
	free(x);
	free(text);
	return ret;
}

int ta_load_startup(struct ta_set *s, const char *anchor_file, const char *state_file,
                    uint32_t hold_down, int64_t now, char *err, size_t errlen)
{
	ta_set_init(s, hold_down);
	int ret;
	if (state_file != NULL && state_file[0] != '\0' && access(state_file, F_OK) == 0) {
		ret = ta_state_load(s, state_file, err, errlen);
		if (ret < 0)
			return ret;
	} else {
		ret = ta_load_file(s, anchor_file, now, err, errlen);
		if (ret < 0)
			return ret;
	}
	unsigned trusted = 0;
	for (unsigned i = 0; i < s->n; i++)
		trusted += ta_point_trusted(&s->point[i]);
	if (trusted == 0) {
		snprintf(err, errlen, "%s: no trusted key left (every key revoked, removed or pending)%s",
		         s->source, s->from_state ? "; delete it to start again from "
		                                    "trust-anchor-file" : "");
		return BOLT_ECONFIG;
	}
	return 0;
}

static struct anchor_ctx *active;

struct anchor_ctx *anchor_active(void)
{
	return active;
}

void anchor_set_active(struct anchor_ctx *a)
{
	active = a;
}

void anchor_set_counts_source(struct anchor_ctx *a, anchor_counts_fn fn, void *arg)
{
	a->counts = fn;
	a->counts_arg = arg;
}

int anchor_save_state(struct anchor_ctx *a)
{
	if (a->set == NULL || a->state_path[0] == '\0')
		return 0;
	int ret = ta_state_save(a->set, a->state_path, a->state_error, sizeof(a->state_error));
	if (ret == 0)
		a->state_error[0] = '\0';
	return ret;
}

int anchor_5011_observe(struct anchor_ctx *a, const uint8_t *name, const struct ta_dnskey_in *keys,
                        unsigned nkeys, bool validated, uint32_t ttl, int64_t sig_expire,
                        int64_t now, bool *changed)
{
	bool dummy;
	if (changed == NULL)
		changed = &dummy;
	*changed = false;
	if (a->set == NULL)
		return -EINVAL;
	struct ta_point *p = ta_set_find(a->set, name);
	if (p == NULL)
		return BOLT_ENOENT;
	int n = ta_5011_update(p, keys, nkeys, validated, ttl, sig_expire, now, a->set->hold_down,
	                       changed);
	/* the timers change on every probe, but only a key's state is worth a write */
	if (*changed) {
		int ret = anchor_save_state(a);
		if (ret < 0)
			return ret;
	}
	return n;
}
