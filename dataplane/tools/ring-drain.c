/*
 * ring-drain: take the misses the dataplane queued off the miss rings of a
 * region and print one line per question; optionally answer each through the
 * answer ring of the lcore that queued it (what the control plane does).
 * For tests and for looking at a dataplane running without control plane.
 *
 *   ring-drain [-w SECONDS] [-n COUNT] [-a RCODE] REGION
 *
 * -w waits up to SECONDS for the first miss (default: do not wait), -n stops
 * after COUNT misses, -a answers each miss with an empty response of RCODE
 * (NOERROR, SERVFAIL, NXDOMAIN, REFUSED or a number).
 * Output: "lcore=K id=ID NAME TYPE client=ADDR#PORT edns=SIZE do=D"
 *
 * It reads the miss rings (and writes the answer rings) as the control plane
 * does, so it takes the claim of every resolver worker's ring set first and
 * refuses, exit 3, while a boltdns-cp (or another ring-drain) holds one: a
 * ring has a single reader. The claims are given back at exit. Answers go on
 * the answer rings of the set the miss came from.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "boltdns/region.h"
#include "boltdns/wire.h"

static void answer(struct bolt_region *r, unsigned lcore, unsigned set,
                   const struct bolt_miss_msg *m, int rcode)
{
	struct bolt_ring *ring = bolt_region_worker_answer_ring(r, lcore, set);
	struct bolt_answer_msg *a = bolt_ring_reserve(ring);
	if (!a) {
		fprintf(stderr, "ring-drain: answer ring %u full\n", lcore);
		return;
	}
	int len = bolt_build_error(a->payload, BOLT_ANSWER_PAYLOAD_MAX, m->id, m->qflags,
	                           m->question, m->question_len, (uint16_t)rcode, m->has_edns);
	if (len < 0) {
		fprintf(stderr, "ring-drain: cannot build the answer: %s\n", bolt_strerror(len));
		return;
	}
	a->client = m->client;
	a->len = (uint16_t)len;
	memset(a->reserved, 0, sizeof(a->reserved));
	bolt_ring_commit(ring);
	/* A socket worker sleeps until its answer doorbell is rung (ring.h). */
	bolt_bell_kick(&r->hdr->answer_bell, 1u << lcore);
}

static void print_miss(unsigned lcore, const struct bolt_miss_msg *m)
{
	char name[1024] = "?", type[32] = "?", addr[INET6_ADDRSTRLEN] = "?";
	uint8_t wire[BOLT_NAME_MAX];
	size_t qlen = m->question_len > BOLT_MISS_QUESTION_MAX ? 0 : m->question_len;
	int nlen = qlen > 4 ? bolt_name_len(m->question, qlen - 4) : -1;
	if (nlen > 0) {
		memcpy(wire, m->question, (size_t)nlen);
		bolt_name_to_text(wire, name, sizeof(name));
	}
	bolt_type_to_text(m->qtype, type, sizeof(type));
	inet_ntop(m->client.family, m->client.client_addr, addr, sizeof(addr));
	printf("lcore=%u id=%u %s %s client=%s#%u edns=%u do=%u\n", lcore, m->id, name, type, addr,
	       ntohs(m->client.client_port), m->edns_udp_size, m->do_bit);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	double wait_s = 0;
	long count = -1;
	int rcode = -1, opt, err;

	while ((opt = getopt(argc, argv, "w:n:a:")) != -1) {
		switch (opt) {
		case 'w':
			wait_s = atof(optarg);
			break;
		case 'n':
			count = atol(optarg);
			break;
		case 'a':
			rcode = bolt_rcode_from_text(optarg);
			if (rcode < 0)
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 1)
		goto usage;

	struct bolt_region *r = bolt_region_attach(argv[optind], &err);
	if (!r) {
		fprintf(stderr, "ring-drain: %s: %s\n", argv[optind], bolt_strerror(err));
		return 1;
	}
	uint64_t token = 0, owner = 0;
	unsigned nsets = r->hdr->cp_workers, claimed = 0;
	err = bolt_region_token_new(&token);
	for (; err == 0 && claimed < nsets; claimed++)
		err = bolt_region_claim(r, BOLT_REGION_WORKER(claimed), token, bolt_region_clock_ms(),
		                        &owner);
	if (err < 0) {
		for (unsigned v = 0; v < claimed; v++)
			bolt_region_release(r, BOLT_REGION_WORKER(v), token);
		if (err == -EBUSY)
			fprintf(stderr, "ring-drain: %s: the rings are in use by pid %d (a boltdns-cp?): "
			        "refusing to read them, a ring has a single reader\n", argv[optind],
			        (int)bolt_region_token_pid(owner));
		else
			fprintf(stderr, "ring-drain: %s: cannot claim the rings: %s\n", argv[optind],
			        bolt_strerror(err));
		bolt_region_detach(r);
		return 3;
	}
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	long seen = 0;
	int ret = 0;
	for (;;) {
		unsigned got = 0;
		/* Still ours? (also the heartbeat that keeps it ours) */
		for (unsigned v = 0; v < nsets && ret == 0; v++) {
			if (bolt_region_beat(r, BOLT_REGION_WORKER(v), token, bolt_region_clock_ms(),
			                     &owner) < 0) {
				fprintf(stderr, "ring-drain: the rings were taken by pid %d: stopping\n",
				        (int)bolt_region_token_pid(owner));
				ret = 3;
			}
		}
		if (ret != 0)
			break;
		for (unsigned v = 0; v < nsets && count != seen; v++) {
			for (unsigned l = 0; l < r->hdr->max_lcores && count != seen; l++) {
				struct bolt_ring *ring = bolt_region_worker_miss_ring(r, l, v);
				const struct bolt_miss_msg *m;
				while (count != seen && (m = bolt_ring_peek(ring)) != NULL) {
					print_miss(l, m);
					if (rcode >= 0)
						answer(r, l, v, m, rcode);
					bolt_ring_release(ring);
					seen++;
					got++;
				}
			}
		}
		if (count == seen)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		double el = (double)(now.tv_sec - start.tv_sec) +
		            (double)(now.tv_nsec - start.tv_nsec) / 1e9;
		/* Keep waiting while no miss came yet (or while -n wants more). */
		if (el >= wait_s || (got == 0 && seen > 0 && count < 0))
			break;
		usleep(10000);
	}
	for (unsigned v = 0; v < nsets; v++)
		bolt_region_release(r, BOLT_REGION_WORKER(v), token);
	bolt_region_detach(r);
	if (ret != 0)
		return ret;
	return seen > 0 || wait_s == 0 ? 0 : 1;
usage:
	fprintf(stderr, "usage: ring-drain [-w SECONDS] [-n COUNT] [-a RCODE] REGION\n");
	return 2;
}
