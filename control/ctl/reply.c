/*
 * The reply API of command hooks (ctl.h, bolt_ctl_reply_*): thin wrappers
 * over the structured output, so a hook writes text and JSON alike without
 * seeing the server's internals. A reply without output (bolt_ctl_reply_none)
 * takes everything and writes nothing.
 */
#include "ctl_internal.h"

void bolt_ctl_reply_str(struct bolt_ctl_reply *r, const char *key, const char *value)
{
	if (r->o != NULL)
		ctl_out_str(r->o, key, value);
}

void bolt_ctl_reply_u64(struct bolt_ctl_reply *r, const char *key, uint64_t value)
{
	if (r->o != NULL)
		ctl_out_u64(r->o, key, value);
}

void bolt_ctl_reply_i64(struct bolt_ctl_reply *r, const char *key, int64_t value)
{
	if (r->o != NULL)
		ctl_out_i64(r->o, key, value);
}

void bolt_ctl_reply_bool(struct bolt_ctl_reply *r, const char *key, bool value)
{
	if (r->o != NULL)
		ctl_out_bool(r->o, key, value);
}

void bolt_ctl_reply_obj_begin(struct bolt_ctl_reply *r, const char *key)
{
	if (r->o != NULL)
		ctl_out_obj_begin(r->o, key);
}

void bolt_ctl_reply_obj_end(struct bolt_ctl_reply *r)
{
	if (r->o != NULL)
		ctl_out_obj_end(r->o);
}

struct bolt_ctl_reply *bolt_ctl_reply_none(void)
{
	static struct bolt_ctl_reply none = { .o = NULL };
	return &none;
}
