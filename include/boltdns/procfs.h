/*
 * Small reads of /proc and /sys: a whole short file as a string, and the
 * state of a process. Used by both processes (liveness of the region's
 * owners and of resolver workers, isolated CPUs).
 */
#ifndef BOLTDNS_PROCFS_H
#define BOLTDNS_PROCFS_H

#include <stddef.h>
#include <stdint.h>

/* Read at most cap - 1 bytes of the file at path into buf and end them
 * with a NUL (cap >= 1). Returns the length read, or -1 when the file
 * cannot be opened (buf is then the empty string). */
long bolt_read_small_file(const char *path, char *buf, size_t cap);

/* The state letter of process pid from /proc/PID/stat ('R', 'S', 'D',
 * 'Z' for a zombie, 'X' dead, ...), or 0 when it cannot be read (no such
 * process in this pid namespace, or no /proc). */
char bolt_proc_state(int32_t pid);

#endif
