/*
 * The control socket test harness shared by test_ctl.c, test_ctl_local.c and
 * test_ctl_metrics.c (ctl_harness.c): one server S on a libuv loop in its own
 * thread, over a fresh region and socket path made by setup().
 */
#ifndef BOLTDNS_TEST_CTL_HARNESS_H
#define BOLTDNS_TEST_CTL_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "boltdns/answer.h"
#include "boltdns/config.h"
#include "boltdns/region.h"
#include "boltdns/wire.h"
#include "boltdns_config.h"
#include "ctl.h"
#include "ctl_internal.h"

/* What the server's hooks saw and what they are to do. */
struct hooks_state {
	int reloads;
	int reload_fail;       /* next reload fails with this code (atomic) */
	int reload_nlocal;     /* >= 0: a reload sets cfg.nlocal_data to it */
	int verbosity;
	int verbosity_calls;
	uint64_t upstream;     /* reported counter */
};

struct srv {
	uv_loop_t loop;
	uv_async_t stop;
	uv_async_t switch_region;  /* runs bolt_ctl_set_region(next) on the loop */
	uv_sem_t switched;
	struct bolt_region *next;
	struct bolt_region *use;   /* region given to bolt_ctl_start */
	uv_thread_t thr;
	struct bolt_ctl *ctl;
	struct bolt_config cfg;
	struct bolt_region *region;
	struct hooks_state hs;
};

/* The region file, the socket's directory and path of the current test. */
extern char region_path[128];
extern char sock_dir[80];
extern char sock_path[100];
/* The server under test: S.region and S.cfg are ready after setup(). */
extern struct srv S;
/* When set, the server closes idle connections after this many ms. */
extern uint64_t idle_override;

/* The stats hook (S.hs as arg): a counter, a gauge, a histogram, a bad name. */
void h_stats(void *arg, struct bolt_ctl_sink *s);

/* Start the server (on S.use, with the hooks, or without any) in its own
 * thread; stop it and check that it left no handle and no socket file
 * behind. */
void srv_start(void);
void srv_start_without_hooks(void);
void srv_stop(void);
/* Switch the server's region from the test thread, as the control plane
 * does when it detaches and attaches again. */
void srv_set_region(struct bolt_region *r);

/* A client connection to sock_path. */
int cconnect(void);
void send_all(int fd, const char *data, size_t len);
/* Read until the server closes; returns a malloc'd NUL-terminated string. */
char *read_all(int fd);
/* One request, the whole reply (the server closes after it); malloc'd. */
char *req(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The reply ends with "ok"; the reply is one "error: " line. */
bool ends_ok(const char *r);
bool is_error(const char *r);
/* One request whose reply must succeed (or fail), containing contains when
 * it is not NULL. */
void expect_ok(const char *line, const char *contains);
void expect_error(const char *line, const char *contains);
/* How many times needle occurs in hay. */
unsigned count(const char *hay, const char *needle);

/* Insert a cache entry for (name, type, DO) of kind: nrr A records for a
 * positive one, an SOA in the authority section for a negative one. */
void put_entry(const char *name, uint16_t type, uint8_t kind, uint32_t ttl,
               unsigned nrr, bool do_bit);
/* The cache holds (name, type, DO), live or expired. */
int cache_has(const char *name, uint16_t type, bool do_bit);
/* Store v (atomically) in lcore's counter at byte offset off of its stats. */
void set_counter(unsigned lcore, size_t off, uint64_t v);

/* cmocka fixtures: a fresh region and socket path for each test. */
int setup(void **state);
int teardown(void **state);

#endif
