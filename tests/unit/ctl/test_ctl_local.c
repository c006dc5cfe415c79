/*
 * Local data through the control socket (local_data add/remove/list, the
 * configuration's hosts file and data lines, reload) and the answers it
 * gives on the resolver's miss path (NODATA, CNAME chains inside and leaving
 * local data), with the harness of ctl_harness.c.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_harness.h"
#include "ut_cache.h"

static void test_local_data(void **state)
{
	(void)state;
	srv_start();
	expect_ok("local_data add \"svc.example. 120 A 198.18.5.1\"", "records: 1\n");
	/* unquoted: the rest of the line, class IN accepted */
	expect_ok("local_data add svc.example. 120 IN A 198.18.5.2", "records: 2\n");
	/* same record twice is one record */
	expect_ok("local_data add svc.example. 120 A 198.18.5.2", "records: 2\n");
	expect_ok("local_data add \"txt.example. 60 TXT \\\"hello world\\\" two\"", NULL);
	/* more words than request arguments: SOA RDATA */
	expect_ok("local_data add soa.example. 60 IN SOA ns.example. h.example. 1 2 3 4 5", NULL);

	char *r = req("lookup svc.example.");
	assert_non_null(strstr(r, ";; svc.example. A do=0 static NOERROR ttl=static\n"));
	assert_non_null(strstr(r, ";; svc.example. A do=1 static"));
	assert_int_equal(count(r, "svc.example.\t120\tIN\tA\t198.18.5."), 4);
	free(r);
	expect_ok("lookup txt.example. TXT", "\"hello world\" \"two\"\n");
	expect_ok("lookup soa.example. SOA", "ns.example. h.example. 1 2 3 4 5\n");

	/* local data survives every flush */
	expect_ok("flush_all", NULL);
	assert_true(cache_has("svc.example.", BOLT_TYPE_A, false));
	assert_true(cache_has("svc.example.", BOLT_TYPE_A, true));
	expect_ok("flush svc.example.", "deleted: 2\n");
	assert_true(cache_has("svc.example.", BOLT_TYPE_A, false));
	expect_ok("flush_zone example.", NULL);
	assert_true(cache_has("txt.example.", BOLT_TYPE_TXT, true));

	expect_error("local_data remove svc.example. TXT", "no local data");
	/* an RRset of two records and a second type at the same name */
	expect_ok("local_data add \"svc.example. 120 AAAA 2001:db8::1\"", NULL);
	expect_ok("local_data remove svc.example.", "removed: 3\n");
	assert_false(cache_has("svc.example.", BOLT_TYPE_A, false));
	assert_false(cache_has("svc.example.", BOLT_TYPE_AAAA, true));
	assert_true(cache_has("txt.example.", BOLT_TYPE_TXT, false));
	srv_stop();
}

static void test_local_data_errors(void **state)
{
	(void)state;
	srv_start();
	expect_ok("local_data add \"svc.example. 120 A 198.18.5.1\"", NULL);
	expect_ok("local_data add \"svc.example. 120 AAAA 2001:db8::5\"", NULL);
	expect_ok("local_data remove SVC.example. AAAA", "removed: 1\n");
	assert_false(cache_has("svc.example.", BOLT_TYPE_AAAA, false));
	assert_true(cache_has("svc.example.", BOLT_TYPE_A, false));
	expect_ok("local_data remove svc.example.", "removed: 1\n");
	assert_false(cache_has("svc.example.", BOLT_TYPE_A, false));
	assert_false(cache_has("svc.example.", BOLT_TYPE_A, true));
	expect_error("local_data remove svc.example.", "no local data");

	expect_error("local_data add \"bad..example. 60 A 198.18.0.1\"", "bad name");
	expect_error("local_data add \"x.example. 99999999999 A 198.18.0.1\"", "bad TTL");
	expect_error("local_data add \"x.example. 6x A 198.18.0.1\"", "bad TTL");
	expect_error("local_data add \"x.example. 60 NOPE 198.18.0.1\"", "bad type");
	expect_error("local_data add \"x.example. 60 OPT 198.18.0.1\"", "bad type");
	expect_error("local_data add \"x.example. 60 A 198.18.0\"", "bad A RDATA");
	expect_error("local_data add \"x.example. 60 A\"", NULL);
	expect_error("local_data add \"x.example.\"", NULL);
	expect_error("local_data add", "usage");
	expect_error("local_data", "usage");
	expect_error("local_data frobnicate x", "usage");
	expect_error("local_data remove", "usage");
	expect_error("local_data remove x.example. A extra", "usage");
	expect_error("local_data remove x..example.", "bad name");
	expect_ok("local_data list", "records: 0\n");
	srv_stop();
}

/* Local data from the configuration: hosts file with PTRs, data lines. */
static void test_local_config(void **state)
{
	(void)state;
	char hosts[200];
	snprintf(hosts, sizeof(hosts), "%s.hosts", region_path);
	FILE *f = fopen(hosts, "w");
	assert_non_null(f);
	fputs("# comment\n198.18.7.1 gw.example gw\n198.18.7.1 alias.example\n"
	      "2001:db8::7 six.example\n", f);
	fclose(f);
	snprintf(S.cfg.hosts_file, sizeof(S.cfg.hosts_file), "%s", hosts);
	snprintf(S.cfg.local_data[0], sizeof(S.cfg.local_data[0]), "cfg.example. 30 A 198.18.8.8");
	snprintf(S.cfg.local_data[1], sizeof(S.cfg.local_data[1]),
	         "cfg.example. 30 MX 10 mail.example.");
	S.cfg.nlocal_data = 2;

	char err[256] = "";
	assert_int_equal(bolt_local_load(&S.cfg, S.region->cache, err, sizeof(err)), 0);
	assert_true(cache_has("gw.example.", BOLT_TYPE_A, false));
	assert_true(cache_has("gw.", BOLT_TYPE_A, true));
	assert_true(cache_has("six.example.", BOLT_TYPE_AAAA, false));
	assert_true(cache_has("1.7.18.198.in-addr.arpa.", BOLT_TYPE_PTR, false));
	assert_true(cache_has("7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
	                      BOLT_TYPE_PTR, true));
	assert_true(cache_has("cfg.example.", BOLT_TYPE_MX, false));

	/* the server loads the same and shows the PTR of the first name only */
	S.hs.reload_nlocal = 1;
	srv_start();
	char *r = req("lookup 1.7.18.198.in-addr.arpa. PTR");
	assert_int_equal(count(r, "\tPTR\tgw.example.\n"), 2);
	assert_null(strstr(r, "alias"));
	free(r);
	expect_ok("status", "cache.local_records: 8\n");

	/* reload: the hook runs (and drops the MX line from the configuration),
	 * then local data follows the configuration */
	expect_ok("reload", "local_records: 7\n");
	assert_false(cache_has("cfg.example.", BOLT_TYPE_MX, false));
	assert_true(cache_has("cfg.example.", BOLT_TYPE_A, false));
	srv_stop();
	assert_int_equal(S.hs.reloads, 1);

	/* a bad data line is reported with the configuration's name */
	snprintf(S.cfg.local_data[0], sizeof(S.cfg.local_data[0]), "bad 30 A 1.2.3");
	snprintf(S.cfg.path, sizeof(S.cfg.path), "test.conf");
	assert_true(bolt_local_load(&S.cfg, S.region->cache, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "test.conf: local data 'bad 30 A 1.2.3'"));
	/* and stops the server from starting */
	int e = 0;
	uv_loop_t loop;
	uv_loop_init(&loop);
	assert_null(bolt_ctl_start(&loop, &S.cfg, S.region, NULL, &e));
	assert_true(e < 0);
	assert_int_equal(uv_loop_close(&loop), 0);
	/* a missing hosts file too */
	S.cfg.nlocal_data = 0;
	snprintf(S.cfg.hosts_file, sizeof(S.cfg.hosts_file), "/nonexistent/hosts");
	assert_true(bolt_local_load(&S.cfg, S.region->cache, err, sizeof(err)) < 0);
	unlink(hosts);
}

/* ---- local data answers (the resolver's miss path) ---- */

/* The kind of the cache entry of (name, type, DO=0), -1 when absent. */
static int cache_kind(const char *name, uint16_t type, uint32_t *expires)
{
	struct bolt_cache_out out;
	if (ut_cache_find(S.region->cache, name, type, false, bolt_now(), &out) != 0)
		return -1;
	if (expires)
		*expires = out.val.expires;
	return out.val.kind;
}

/* Query name/type; parse the answer into m (rrs/scratch static). */
static int lquery(struct ctl_local *l, struct bolt_local_answer *a, const char *name,
                  uint16_t type, struct bolt_msg *m)
{
	static struct bolt_rr rrs[64];
	static uint8_t scratch[2 * BOLT_MSG_MAX];
	uint8_t wire[BOLT_NAME_MAX];
	int len = bolt_name_from_text(name, wire);
	assert_true(len > 0);
	int r = bolt_local_query(l, S.region->cache, wire, (size_t)len, type, a);
	if (r > 0)
		assert_int_equal(bolt_msg_parse(a->msg, a->len, m, rrs, 64, scratch, sizeof(scratch)),
		                 0);
	return r;
}

static void add(struct ctl_local *l, const char *text)
{
	char err[256] = "";
	assert_int_equal(ctl_local_add_text(l, text, err, sizeof(err)), 0);
}

static void test_local_answers(void **state)
{
	(void)state;
	struct bolt_local_answer *a = malloc(sizeof(*a));
	struct bolt_msg m;
	char err[256];
	assert_non_null(a);
	struct ctl_local *l = ctl_local_new(S.region->cache);
	assert_non_null(l);
	assert_ptr_equal(bolt_local_active(), l);
	add(l, "gw.example. 60 A 198.18.7.1");
	add(l, "alias.example. 60 CNAME GW.example.");
	add(l, "ext.example. 60 CNAME www.remote.example.");
	add(l, "l1.example. 60 CNAME l2.example.");
	add(l, "l2.example. 60 CNAME l1.example.");

	/* NODATA for another type of a local name: authoritative, empty,
	 * inserted static for both DO values */
	assert_int_equal(lquery(l, a, "GW.example.", BOLT_TYPE_AAAA, &m), BOLT_LOCAL_ANSWER);
	assert_int_equal(BOLT_RCODE(m.flags), 0);
	assert_true(m.flags & BOLT_FLAG_AA);
	assert_int_equal(m.rrcount, 0);
	assert_int_equal(cache_kind("gw.example.", BOLT_TYPE_AAAA, NULL), BOLT_CACHE_STATIC);
	assert_true(cache_has("gw.example.", BOLT_TYPE_AAAA, true));
	assert_int_equal(ctl_local_derived_count(l), 1);
	/* its own RRset; names below and elsewhere are not local */
	assert_int_equal(lquery(l, a, "gw.example.", BOLT_TYPE_A, &m), BOLT_LOCAL_ANSWER);
	assert_int_equal(m.rrcount, 1);
	assert_int_equal(lquery(l, a, "sub.gw.example.", BOLT_TYPE_A, &m), BOLT_LOCAL_NONE);
	assert_int_equal(lquery(l, a, "example.", BOLT_TYPE_A, &m), BOLT_LOCAL_NONE);

	/* a CNAME answers every type, followed through local data */
	assert_int_equal(lquery(l, a, "alias.example.", BOLT_TYPE_A, &m), BOLT_LOCAL_ANSWER);
	assert_int_equal(m.rrcount, 2);
	assert_int_equal(m.rrs[0].type, BOLT_TYPE_CNAME);
	assert_int_equal(m.rrs[1].type, BOLT_TYPE_A);
	assert_int_equal(cache_kind("alias.example.", BOLT_TYPE_A, NULL), BOLT_CACHE_STATIC);
	assert_int_equal(lquery(l, a, "alias.example.", BOLT_TYPE_MX, &m), BOLT_LOCAL_ANSWER);
	assert_int_equal(m.rrcount, 1);
	assert_int_equal(lquery(l, a, "alias.example.", BOLT_TYPE_CNAME, &m), BOLT_LOCAL_ANSWER);
	assert_int_equal(m.rrcount, 1);
	/* a loop ends the chain: each CNAME once */
	assert_int_equal(lquery(l, a, "l1.example.", BOLT_TYPE_A, &m), BOLT_LOCAL_ANSWER);
	assert_int_equal(m.rrcount, 2);
	assert_int_equal(BOLT_RCODE(m.flags), 0);
	/* ANY: every RRset of the name */
	add(l, "gw.example. 60 TXT \"x\"");
	assert_int_equal(lquery(l, a, "gw.example.", BOLT_TYPE_ANY, &m), BOLT_LOCAL_ANSWER);
	assert_int_equal(m.rrcount, 2);

	/* a chain that leaves local data: the target to resolve */
	assert_int_equal(lquery(l, a, "ext.example.", BOLT_TYPE_A, &m), BOLT_LOCAL_CHAIN);
	assert_int_equal(a->target_len, 20);
	assert_memory_equal(a->target, "\x03www\x06remote\x07" "example", 20);
	assert_int_equal(cache_kind("ext.example.", BOLT_TYPE_A, NULL), -1);
	/* completed with the target's answer: not authoritative, not static,
	 * it lives as long as the resolved part */
	uint8_t *ext = malloc(BOLT_MSG_MAX), *out = malloc(BOLT_MSG_MAX);
	uint8_t tname[BOLT_NAME_MAX], rd[4] = { 198, 51, 100, 7 };
	struct bolt_build b;
	int tl = bolt_name_from_text("www.remote.example.", tname);
	assert_int_equal(bolt_build_init(&b, ext, BOLT_MSG_MAX, 0, BOLT_FLAG_QR | BOLT_FLAG_RA), 0);
	assert_int_equal(bolt_build_question(&b, tname, (size_t)tl, BOLT_TYPE_A, BOLT_CLASS_IN), 0);
	assert_int_equal(bolt_build_rr(&b, BOLT_SEC_ANSWER, tname, BOLT_TYPE_A, BOLT_CLASS_IN, 30,
	                               rd, 4), 0);
	int elen = bolt_build_finish(&b);
	assert_true(elen > 0);
	int n = bolt_local_complete(a, ext, (size_t)elen, out, BOLT_MSG_MAX, &b);
	assert_true(n > 0);
	static struct bolt_rr rrs[8];
	static uint8_t scratch[2 * BOLT_MSG_MAX];
	assert_int_equal(bolt_msg_parse(out, (size_t)n, &m, rrs, 8, scratch, sizeof(scratch)), 0);
	assert_int_equal(m.rrcount, 2);
	assert_false(m.flags & BOLT_FLAG_AA);
	assert_int_equal(m.qtype, BOLT_TYPE_A);
	assert_int_equal(m.rrs[0].type, BOLT_TYPE_CNAME);
	assert_int_equal(m.rrs[1].type, BOLT_TYPE_A);
	assert_int_equal(m.rrs[1].ttl, 30);
	uint32_t now = bolt_now(), expires = 0;
	assert_int_equal(bolt_local_insert_chain(l, S.region->cache, a, out, (size_t)n, b.ttl_off,
	                                         b.nttl, false, now, 30, BOLT_CACHE_POSITIVE), 0);
	assert_int_equal(cache_kind("ext.example.", BOLT_TYPE_A, &expires), BOLT_CACHE_POSITIVE);
	assert_true(expires >= now + 29 && expires <= now + 31);

	/* an NXDOMAIN target: its rcode and SOA come along */
	assert_int_equal(bolt_build_init(&b, ext, BOLT_MSG_MAX, 0,
	                                 BOLT_FLAG_QR | BOLT_FLAG_RA | BOLT_RCODE_NXDOMAIN), 0);
	assert_int_equal(bolt_build_question(&b, tname, (size_t)tl, BOLT_TYPE_A, BOLT_CLASS_IN), 0);
	uint8_t soa[64];
	int sl = bolt_rdata_from_text(BOLT_TYPE_SOA, "ns.remote.example. h.remote.example. 1 2 3 4 5",
	                              soa, sizeof(soa));
	assert_true(sl > 0);
	assert_int_equal(bolt_build_rr(&b, BOLT_SEC_AUTHORITY, tname + 4, BOLT_TYPE_SOA,
	                               BOLT_CLASS_IN, 5, soa, (uint16_t)sl), 0);
	elen = bolt_build_finish(&b);
	n = bolt_local_complete(a, ext, (size_t)elen, out, BOLT_MSG_MAX, &b);
	assert_true(n > 0);
	assert_int_equal(bolt_msg_parse(out, (size_t)n, &m, rrs, 8, scratch, sizeof(scratch)), 0);
	assert_int_equal(BOLT_RCODE(m.flags), BOLT_RCODE_NXDOMAIN);
	assert_int_equal(m.rrcount, 2);
	assert_int_equal(m.rrs[1].section, BOLT_SEC_AUTHORITY);
	/* garbage from upstream: an error, never a crash */
	assert_true(bolt_local_complete(a, ext, 5, out, BOLT_MSG_MAX, &b) < 0);

	/* a change after the chain was made: its completion is not cached */
	uint64_t gen = a->gen;
	add(l, "unrelated.example. 60 A 198.18.7.9");
	assert_true(bolt_local_generation() != gen);
	assert_int_equal(bolt_local_insert_chain(l, S.region->cache, a, out, (size_t)n, b.ttl_off,
	                                         b.nttl, false, now, 30, BOLT_CACHE_NXDOMAIN),
	                 BOLT_ELIMIT);

	/* local data at the chain's target: the chain through it goes */
	add(l, "www.remote.example. 60 A 198.18.7.3");
	assert_int_equal(cache_kind("ext.example.", BOLT_TYPE_A, NULL), -1);
	assert_int_equal(lquery(l, a, "ext.example.", BOLT_TYPE_A, &m), BOLT_LOCAL_ANSWER);
	assert_int_equal(m.rrcount, 2);

	/* removing a name takes its NODATA and the chains through it */
	size_t before = ctl_local_derived_count(l);
	assert_int_equal(ctl_local_remove(l, (const uint8_t *)"\x02gw\x07" "example", 0), 2);
	assert_int_equal(cache_kind("gw.example.", BOLT_TYPE_AAAA, NULL), -1);
	assert_int_equal(cache_kind("alias.example.", BOLT_TYPE_A, NULL), -1);
	assert_int_equal(cache_kind("alias.example.", BOLT_TYPE_MX, NULL), -1);
	assert_true(ctl_local_derived_count(l) < before);
	assert_int_equal(lquery(l, a, "gw.example.", BOLT_TYPE_AAAA, &m), BOLT_LOCAL_NONE);
	assert_int_equal(lquery(l, a, "alias.example.", BOLT_TYPE_A, &m), BOLT_LOCAL_CHAIN);

	/* a name new to local data takes over: what the cache held for it
	 * from elsewhere goes (a hosts name's AAAA is NODATA from now on) */
	uint8_t buf[512];
	uint8_t nname[BOLT_NAME_MAX];
	int nl = bolt_name_from_text("new.example.", nname);
	uint8_t six[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	assert_int_equal(bolt_build_init(&b, buf, sizeof(buf), 0, BOLT_FLAG_QR | BOLT_FLAG_RA), 0);
	assert_int_equal(bolt_build_question(&b, nname, (size_t)nl, BOLT_TYPE_AAAA, BOLT_CLASS_IN), 0);
	assert_int_equal(bolt_build_rr(&b, BOLT_SEC_ANSWER, nname, BOLT_TYPE_AAAA, BOLT_CLASS_IN,
	                               300, six, 16), 0);
	int blen = bolt_build_finish(&b);
	assert_int_equal(bolt_answer_insert(S.region->cache, buf, (size_t)blen, b.ttl_off, b.nttl,
	                                    false, bolt_now(), 300, BOLT_CACHE_POSITIVE), 0);
	assert_int_equal(cache_kind("new.example.", BOLT_TYPE_AAAA, NULL), BOLT_CACHE_POSITIVE);
	add(l, "new.example. 60 A 198.18.7.4");
	assert_int_equal(cache_kind("new.example.", BOLT_TYPE_AAAA, NULL), -1);
	/* ... and so does a full reload of the configuration */
	ctl_local_clear(l);
	assert_int_equal(bolt_answer_insert(S.region->cache, buf, (size_t)blen, b.ttl_off, b.nttl,
	                                    false, bolt_now(), 300, BOLT_CACHE_POSITIVE), 0);
	snprintf(S.cfg.local_data[0], sizeof(S.cfg.local_data[0]), "new.example. 30 A 198.18.8.8");
	S.cfg.nlocal_data = 1;
	assert_int_equal(ctl_local_load_config(l, &S.cfg, err, sizeof(err)), 0);
	assert_int_equal(cache_kind("new.example.", BOLT_TYPE_AAAA, NULL), -1);
	assert_int_equal(cache_kind("new.example.", BOLT_TYPE_A, NULL), BOLT_CACHE_STATIC);
	/* clear: every derived answer goes, static or not */
	assert_int_equal(lquery(l, a, "new.example.", BOLT_TYPE_MX, &m), BOLT_LOCAL_ANSWER);
	assert_int_equal(cache_kind("new.example.", BOLT_TYPE_MX, NULL), BOLT_CACHE_STATIC);
	ctl_local_clear(l);
	assert_int_equal(cache_kind("new.example.", BOLT_TYPE_MX, NULL), -1);
	assert_int_equal(ctl_local_derived_count(l), 0);

	/* bad input is not an answer */
	assert_int_equal(bolt_local_query(NULL, NULL, nname, (size_t)nl, BOLT_TYPE_A, a),
	                 BOLT_LOCAL_NONE);
	assert_int_equal(bolt_local_query(l, NULL, nname, 0, BOLT_TYPE_A, a), BOLT_LOCAL_NONE);
	assert_int_equal(bolt_local_query(l, NULL, nname, (size_t)nl, 0, a), BOLT_LOCAL_NONE);

	ctl_local_free(l);
	assert_null(bolt_local_active());
	free(ext);
	free(out);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_local_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_data_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_answers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
