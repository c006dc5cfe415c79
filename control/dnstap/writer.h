/*
 * Inside control/dnstap: the bounded frame queue and the writer thread that
 * empties it into an fstrm_writer (see dnstap.h for the rules). Not a public
 * API: dnstap.c is its only user.
 */
#ifndef BOLTDNS_CONTROL_DNSTAP_WRITER_H
#define BOLTDNS_CONTROL_DNSTAP_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dnstap_stats;
struct tap_writer;

/*
 * Start the writer thread for a unix socket (socket_path) or a file
 * (file_path); the output is opened by the thread. queue: frames at most,
 * rounded up to a power of two. NULL with *err (-EINVAL, -ENOMEM, -errno).
 */
struct tap_writer *tap_writer_start(const char *socket_path, const char *file_path,
                                    unsigned queue, int *err);

/* Queue frame[0..len) (malloc'ed; the writer frees it, written or not).
 * false: the queue is full, the frame was freed and counted. One producer
 * thread. */
bool tap_writer_submit(struct tap_writer *w, uint8_t *frame, size_t len);

/* Add the writer's counters to st. Any thread. */
void tap_writer_stats(const struct tap_writer *w, struct dnstap_stats *st);

/* Stop the thread (see dnstap_close) and free w. The producer thread. */
void tap_writer_stop(struct tap_writer *w);

#endif
