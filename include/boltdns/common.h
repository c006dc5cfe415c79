/*
 * Small definitions every boltdns header shares.
 */
#ifndef BOLTDNS_COMMON_H
#define BOLTDNS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Symbols that form the library API (everything else is -fvisibility=hidden). */
#define BOLT_API __attribute__((visibility("default")))

#define BOLT_CACHE_LINE 64
#define bolt_likely(x) __builtin_expect(!!(x), 1)
#define bolt_unlikely(x) __builtin_expect(!!(x), 0)
#define BOLT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
