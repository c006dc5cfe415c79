/*
 * libFuzzer target: control request lines, parsed (ctl_req_parse) and run
 * through the command dispatcher against a real region: every command but
 * dump_cache (which needs a connection and a loop) with arbitrary
 * arguments, local data additions and removals included.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boltdns/region.h"
#include "ctl_internal.h"

/* Under -fsanitize=undefined, undefined behaviour fails the run instead of
 * printing a line nobody reads (the sanitizer runtime calls this hook). */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}


static struct bolt_ctl *ctl;
static struct bolt_config cfg;
static char path[64];

static void cleanup(void)
{
	unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	int err;
	snprintf(path, sizeof(path), "/dev/shm/boltdns-fuzz-ctl-%d", (int)getpid());
	struct bolt_region_params p = { .path = path, .size = BOLT_REGION_MIN_SIZE,
	                                .ring_slots = 64, .wipe = true };
	struct bolt_region *r = bolt_region_create(&p, &err);
	if (!r)
		abort();
	atexit(cleanup);
	bolt_config_defaults(&cfg);
	/* The server state without its socket: what the commands use. */
	ctl = aligned_alloc(BOLT_CACHE_LINE, (sizeof(*ctl) + BOLT_CACHE_LINE - 1) /
	                                     BOLT_CACHE_LINE * BOLT_CACHE_LINE);
	if (!ctl)
		abort();
	memset(ctl, 0, sizeof(*ctl));
	ctl->region = r;
	ctl->cfg = &cfg;
	ctl->local = ctl_local_new(r->cache);
	ctl->fmt = ctl_fmt_new();
	if (!ctl->local || !ctl->fmt)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctl_req req;
	const char *why = NULL;
	char err[512];

	if (ctl_req_parse(&req, (const char *)data, size, &why) < 0) {
		if (!why)
			abort(); /* every refusal says why */
		return 0;
	}
	if (strcmp(req.argv[0], "dump_cache") == 0)
		return 0;
	struct sbuf b;
	struct ctl_out o;
	ctl_sbuf_init(&b);
	ctl_out_init(&o, &b, req.json);
	err[0] = '\0';
	int ret = ctl_command(ctl, NULL, &req, &o, err, sizeof(err));
	/* An error always has its one-line reason. */
	if (ret < 0 && (!err[0] || strchr(err, '\n')))
		abort();
	ctl_sbuf_free(&b);
	/* Keep the local data table small so runs stay fast. */
	if (ctl_local_count(ctl->local) > 256)
		ctl_local_clear(ctl->local);
	return 0;
}
