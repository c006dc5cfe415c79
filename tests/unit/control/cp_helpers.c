/*
 * Helpers of the control plane's unit tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "cp_helpers.h"
#include "iter/hints.h"

static struct infra_addr addr_of(int family, const char *text)
{
	struct infra_addr a;
	memset(&a, 0, sizeof(a));
	a.family = (uint8_t)family;
	a.port = 53;
	assert_int_equal(inet_pton(family, text, a.addr), 1);
	return a;
}

struct infra_addr cp_v4(const char *text)
{
	return addr_of(AF_INET, text);
}

struct infra_addr cp_v6(const char *text)
{
	return addr_of(AF_INET6, text);
}

void cp_offline_init(struct cp *cp, struct bolt_config *cfg)
{
	bolt_config_defaults(cfg);
	memset(cp, 0, sizeof(*cp));
	cp->cfg = cfg;
	cp->loop = uv_default_loop();
	cp->offline = true;
	cp->upstream_port = 53;
	char err[256];
	assert_int_equal(hints_parse(". NS a.root.test.\na.root.test. A 127.0.0.1\n", "hints", 53,
	                             &cp->hints, err, sizeof(err)), 0);
	cp->infra = infra_new(256);
	assert_non_null(cp->infra);
}

void cp_offline_fini(struct cp *cp)
{
	infra_free(cp->infra);
	cp->infra = NULL;
}
