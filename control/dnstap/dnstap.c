/*
 * dnstap logging: message types, identity, encoding, and the writer
 * (dnstap.h).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dnstap.h"
#include "writer.h"

struct dnstap {
	uint32_t types;
	struct tap_writer *w;
	_Atomic uint64_t messages;
	_Atomic uint64_t drop_encode;
	char identity[256];
	char version[256];
};

struct dnstap *dnstap_open(const struct dnstap_opts *o, int *err)
{
	const char *sock = o->socket_path != NULL && o->socket_path[0] != '\0' ? o->socket_path : NULL;
	const char *file = o->file_path != NULL && o->file_path[0] != '\0' ? o->file_path : NULL;
	if ((sock == NULL) == (file == NULL)) {
		*err = -EINVAL;
		return NULL;
	}
	struct dnstap *t = calloc(1, sizeof(*t));
	if (t == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	t->types = o->types;
	if (o->identity != NULL && o->identity[0] != '\0')
		snprintf(t->identity, sizeof(t->identity), "%s", o->identity);
	else if (gethostname(t->identity, sizeof(t->identity) - 1) != 0)
		t->identity[0] = '\0';
	snprintf(t->version, sizeof(t->version), "%s",
	         o->version != NULL && o->version[0] != '\0' ? o->version : "boltdns");
	t->w = tap_writer_start(sock, file, o->queue != 0 ? o->queue : 4096, err);
	if (t->w == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

bool dnstap_wants(const struct dnstap *t, enum dnstap_type type)
{
	return t != NULL && (t->types & DNSTAP_BIT(type)) != 0;
}

void dnstap_log(struct dnstap *t, const struct dnstap_msg *m)
{
	if (!dnstap_wants(t, m->type))
		return;
	atomic_fetch_add_explicit(&t->messages, 1, memory_order_relaxed);
	uint8_t *frame;
	size_t len;
	if (dnstap_encode(m, t->identity, t->version, &frame, &len) < 0) {
		atomic_fetch_add_explicit(&t->drop_encode, 1, memory_order_relaxed);
		return;
	}
	tap_writer_submit(t->w, frame, len);
}

void dnstap_get_stats(const struct dnstap *t, struct dnstap_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (t == NULL)
		return;
	st->messages = atomic_load_explicit(&t->messages, memory_order_relaxed);
	st->drop_encode = atomic_load_explicit(&t->drop_encode, memory_order_relaxed);
	tap_writer_stats(t->w, st);
}

void dnstap_close(struct dnstap *t)
{
	if (t == NULL)
		return;
	tap_writer_stop(t->w);
	free(t);
}
