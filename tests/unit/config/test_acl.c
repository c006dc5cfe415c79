/*
 * The [acl] decision shared by the dataplane and TCP/53: bolt_acl_init/check.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "boltdns/acl.h"

static void cfg_with(struct bolt_config *cfg, const char *const *prefixes, unsigned n, int action)
{
	bolt_config_defaults(cfg);
	cfg->nallow = n;
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(bolt_prefix_parse(prefixes[i], &cfg->allow[i]), 0);
	cfg->acl_action = action;
}

static enum bolt_acl_verdict check(const struct bolt_acl *acl, const char *addr)
{
	uint8_t a[16];
	if (inet_pton(AF_INET, addr, a) == 1)
		return bolt_acl_check(acl, AF_INET, a);
	assert_int_equal(inet_pton(AF_INET6, addr, a), 1);
	return bolt_acl_check(acl, AF_INET6, a);
}

static void test_defaults_allow_everyone(void **state)
{
	(void)state;
	static struct bolt_config cfg;
	struct bolt_acl acl;
	bolt_config_defaults(&cfg);
	bolt_acl_init(&acl, &cfg);
	assert_true(acl.allow_all4 && acl.allow_all6);
	assert_int_equal(check(&acl, "192.0.2.1"), BOLT_ACL_ALLOWED);
	assert_int_equal(check(&acl, "2001:db8::1"), BOLT_ACL_ALLOWED);
	bolt_acl_init(&acl, NULL);
	assert_int_equal(check(&acl, "203.0.113.9"), BOLT_ACL_ALLOWED);
}

static void test_prefixes_refuse(void **state)
{
	(void)state;
	static struct bolt_config cfg;
	static const char *const p[] = { "10.0.0.0/8", "2001:db8:1::/48", "192.0.2.7" };
	struct bolt_acl acl;
	cfg_with(&cfg, p, 3, BOLT_ACL_REFUSE);
	bolt_acl_init(&acl, &cfg);
	assert_false(acl.allow_all4 || acl.allow_all6);
	assert_int_equal(check(&acl, "10.200.3.4"), BOLT_ACL_ALLOWED);
	assert_int_equal(check(&acl, "11.0.0.1"), BOLT_ACL_REFUSED);
	assert_int_equal(check(&acl, "127.0.0.1"), BOLT_ACL_REFUSED);
	assert_int_equal(check(&acl, "192.0.2.7"), BOLT_ACL_ALLOWED);
	assert_int_equal(check(&acl, "192.0.2.8"), BOLT_ACL_REFUSED);
	assert_int_equal(check(&acl, "2001:db8:1:ffff::1"), BOLT_ACL_ALLOWED);
	assert_int_equal(check(&acl, "2001:db8:2::1"), BOLT_ACL_REFUSED);
	assert_int_equal(check(&acl, "::1"), BOLT_ACL_REFUSED);
	/* a dual-stack socket's view of an IPv4 client */
	assert_int_equal(check(&acl, "::ffff:10.1.2.3"), BOLT_ACL_ALLOWED);
	assert_int_equal(check(&acl, "::ffff:11.1.2.3"), BOLT_ACL_REFUSED);
}

static void test_drop_and_bad_input(void **state)
{
	(void)state;
	static struct bolt_config cfg;
	static const char *const p[] = { "10.0.0.0/8", "::/0" };
	struct bolt_acl acl;
	cfg_with(&cfg, p, 2, BOLT_ACL_DROP);
	bolt_acl_init(&acl, &cfg);
	assert_true(acl.allow_all6 && !acl.allow_all4);
	assert_int_equal(check(&acl, "10.0.0.1"), BOLT_ACL_ALLOWED);
	assert_int_equal(check(&acl, "172.16.0.1"), BOLT_ACL_DROPPED);
	assert_int_equal(check(&acl, "fe80::1"), BOLT_ACL_ALLOWED);
	/* unknown family or no address: denied, never a crash */
	uint8_t a[16] = { 10, 0, 0, 1 };
	assert_int_equal(bolt_acl_check(&acl, AF_UNIX, a), BOLT_ACL_DROPPED);
	assert_int_equal(bolt_acl_check(&acl, AF_INET, NULL), BOLT_ACL_DROPPED);
	/* nallow beyond the array is clamped */
	cfg.nallow = 1000;
	bolt_acl_init(&acl, &cfg);
	assert_int_equal(acl.nallow, BOLT_CFG_MAX_PREFIXES);
	assert_int_equal(check(&acl, "10.0.0.1"), BOLT_ACL_ALLOWED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_allow_everyone),
		cmocka_unit_test(test_prefixes_refuse),
		cmocka_unit_test(test_drop_and_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
