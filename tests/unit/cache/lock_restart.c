/*
 * Helper of lock_restart.sh: a writer that dies inside a shard lock, and a
 * writer with the same pid that must recover the lock.
 *
 *   lock_restart hold FILE    format an 8 MiB one-shard cache in FILE, then
 *                             insert a value whose bytes fault: the library
 *                             takes the shard lock and faults while copying;
 *                             the SIGSEGV handler writes "L" to stdout and
 *                             waits to be killed (holding the lock).
 *   lock_restart insert FILE  attach the cache, print this pid, insert and
 *                             look up one key; exit 0 once it is stored and
 *                             the stolen lock is counted, 1 if the insert does
 *                             not finish within 10 s (the old pid-only lock
 *                             never does when the pid is the same).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "boltdns/cache.h"

#define CACHE_BYTES (8u << 20)

static void on_segv(int sig)
{
	(void)sig;
	/* inside bolt_cache_insert, shard lock held */
	(void)!write(STDOUT_FILENO, "L", 1);
	for (;;)
		pause();
}

static void on_alarm(int sig)
{
	(void)sig;
	static const char msg[] = "insert still blocked after 10 s: the lock was not recovered\n";
	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	_exit(1);
}

static void *map_file(const char *path, bool create)
{
	int fd = open(path, O_RDWR | (create ? O_CREAT | O_TRUNC : 0), 0600);
	if (fd < 0 || (create && ftruncate(fd, CACHE_BYTES) != 0)) {
		perror(path);
		exit(2);
	}
	void *mem = mmap(NULL, CACHE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	close(fd);
	return mem;
}

static void make_key(struct bolt_cache *c, struct bolt_cache_key *k, const char *label)
{
	memset(k, 0, sizeof(*k));
	size_t l = strlen(label);
	k->name[0] = (uint8_t)l;
	memcpy(k->name + 1, label, l);
	k->name[l + 1] = 0;
	k->name_len = (uint8_t)(l + 2);
	k->qtype = 1;
	k->qclass = 1;
	bolt_cache_key_hash(c, k);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s hold|insert FILE\n", argv[0]);
		return 2;
	}
	bool hold = strcmp(argv[1], "hold") == 0;
	void *mem = map_file(argv[2], hold);
	int err = 0;
	struct bolt_cache *c = hold ? bolt_cache_format(mem, CACHE_BYTES, 1, &err)
	                            : bolt_cache_open(mem, CACHE_BYTES, &err);
	if (c == NULL) {
		fprintf(stderr, "cache: error %d\n", err);
		return 2;
	}
	struct bolt_cache_key k;
	struct bolt_cache_val v = { .flags = 0x8180, .ancount = 1, .qsize = 0, .len = 64,
	                            .expires = bolt_now() + 300 };

	if (hold) {
		/* a page the copy into the arena faults on */
		uint8_t *bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct sigaction sa = { .sa_handler = on_segv };
		sigaction(SIGSEGV, &sa, NULL);
		make_key(c, &k, "held");
		bolt_cache_insert(c, &k, &v, NULL, bad);
		fprintf(stderr, "insert did not fault\n");
		return 2;
	}

	struct sigaction sa = { .sa_handler = on_alarm };
	sigaction(SIGALRM, &sa, NULL);
	alarm(10);
	printf("pid %d\n", (int)getpid());
	fflush(stdout);
	uint8_t sec[64];
	memset(sec, 0x5a, sizeof(sec));
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	make_key(c, &k, "after-restart");
	int rc = bolt_cache_insert(c, &k, &v, NULL, sec);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	alarm(0);
	uint8_t out_sec[128];
	struct bolt_cache_out out = { .sections = out_sec, .cap = sizeof(out_sec) };
	int lrc = bolt_cache_lookup(c, &k, bolt_now(), &out);
	struct bolt_cache_stats st;
	bolt_cache_get_stats(c, &st);
	printf("insert %d in %.3f ms, lookup %d, steals %llu\n", rc,
	       (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
	       lrc, (unsigned long long)st.steals);
	if (rc != 0 || lrc != 0 || st.steals != 1 || out.val.len != 64 ||
	    memcmp(out_sec, sec, 64) != 0)
		return 1;
	return 0;
}
