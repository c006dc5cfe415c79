/*
 * udpflood: offer DNS queries over UDP as fast as the kernel takes them,
 * without waiting for answers (replies are left unread and dropped by the
 * kernel). dnsperf keeps a window of queries in flight and so never offers
 * more than the server answers plus its timeouts; an overload test needs a
 * sender that does not slow down when the server does.
 *
 *   udpflood ADDR PORT QUERYFILE SECONDS [QPS]
 *
 * QUERYFILE holds "NAME TYPE" lines (TYPE: A, AAAA, MX, TXT, NS). Prints
 * "sent N seconds S qps Q" at the end. QPS caps the rate (0 or absent: as
 * fast as the kernel takes them). IPv4 only.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sendmmsg */
#endif
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXQ 65536
#define BATCH 64
#define NSOCK 8
#define QMAX 300

struct query {
	uint8_t wire[QMAX];
	size_t len;
};

static uint16_t type_of(const char *t)
{
	static const struct { const char *n; uint16_t v; } types[] = {
		{ "A", 1 }, { "NS", 2 }, { "CNAME", 5 }, { "SOA", 6 }, { "MX", 15 },
		{ "TXT", 16 }, { "AAAA", 28 },
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(t, types[i].n) == 0)
			return types[i].v;
	return 1;
}

/* Encode NAME TYPE as a query with RD set; 0 on success, -1 if it does not fit. */
static int build(struct query *q, const char *name, uint16_t type)
{
	uint8_t *p = q->wire;
	const uint8_t hdr[12] = { 0, 0, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
	memcpy(p, hdr, sizeof(hdr));
	size_t off = sizeof(hdr);
	const char *s = name;
	while (*s != '\0' && !(s[0] == '.' && s[1] == '\0')) {
		const char *dot = strchr(s, '.');
		size_t l = dot != NULL ? (size_t)(dot - s) : strlen(s);
		if (l == 0 || l > 63 || off + 1 + l + 5 > QMAX)
			return -1;
		p[off++] = (uint8_t)l;
		memcpy(p + off, s, l);
		off += l;
		s += l;
		if (*s == '.')
			s++;
	}
	p[off++] = 0;
	uint16_t v = htobe16(type);
	memcpy(p + off, &v, 2);
	v = htobe16(1);
	memcpy(p + off + 2, &v, 2);
	q->len = off + 4;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: udpflood ADDR PORT QUERYFILE SECONDS [QPS]\n");
		return 2;
	}
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2])) };
	if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) {
		fprintf(stderr, "udpflood: bad address %s\n", argv[1]);
		return 2;
	}
	double secs = atof(argv[4]);
	double rate = argc == 6 ? atof(argv[5]) : 0;
	FILE *f = fopen(argv[3], "r");
	if (f == NULL) {
		perror(argv[3]);
		return 2;
	}
	static struct query qs[MAXQ];
	size_t nq = 0;
	char name[512], type[32];
	while (nq < MAXQ && fscanf(f, "%511s %31s", name, type) == 2)
		if (build(&qs[nq], name, type_of(type)) == 0)
			nq++;
	fclose(f);
	if (nq == 0) {
		fprintf(stderr, "udpflood: no queries in %s\n", argv[3]);
		return 2;
	}

	int fds[NSOCK];
	for (int i = 0; i < NSOCK; i++) {
		fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
		/* Small receive buffer: the answers are not wanted. */
		int rcv = 4096;
		if (fds[i] < 0 || setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv)) < 0 ||
		    connect(fds[i], (struct sockaddr *)&dst, sizeof(dst)) < 0) {
			perror("udpflood: socket");
			return 1;
		}
	}

	static uint8_t bufs[BATCH][QMAX];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	uint64_t sent = 0, k = 0;
	uint16_t id = 1;
	double t0 = now_s(), t = t0;
	while (t - t0 < secs) {
		for (int i = 0; i < BATCH; i++) {
			const struct query *q = &qs[k++ % nq];
			memcpy(bufs[i], q->wire, q->len);
			uint16_t be = htobe16(id++);
			memcpy(bufs[i], &be, 2);
			iov[i] = (struct iovec){ .iov_base = bufs[i], .iov_len = q->len };
			memset(&msgs[i], 0, sizeof(msgs[i]));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		int n = sendmmsg(fds[sent / BATCH % NSOCK], msgs, BATCH, 0);
		if (n > 0)
			sent += (uint64_t)n;
		else if (n < 0 && errno != EAGAIN && errno != ENOBUFS && errno != ECONNREFUSED &&
		         errno != EINTR) {
			perror("udpflood: sendmmsg");
			return 1;
		}
		if (rate > 0) {
			/* Paced: wait until the schedule catches up with what was sent. */
			t = now_s();
			while ((double)sent > rate * (t - t0) && t - t0 < secs) {
				struct timespec ns = { 0, 50000 };
				nanosleep(&ns, NULL);
				t = now_s();
			}
		} else if ((sent & 0x3ff) < BATCH) {
			t = now_s();
		}
	}
	t = now_s() - t0;
	printf("sent %llu seconds %.2f qps %.0f\n", (unsigned long long)sent, t, (double)sent / t);
	return 0;
}
