/*
 * AXFR and IXFR of a policy zone from its primary (see xfr.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "boltdns/errcode.h"
#include "boltdns/wire_ctx.h"
#include "xfr.h"

/* Seconds the primary may stay silent before the transfer is given up. */
#define XFR_TIMEOUT_S 10
/* Records of one message at most (64 KiB of 11-byte records). */
#define XFR_RR_MAX 6000

static int io_wait(int fd, short ev)
{
	struct pollfd p = { .fd = fd, .events = ev };
	int n = poll(&p, 1, XFR_TIMEOUT_S * 1000);
	return n > 0 ? 0 : n == 0 ? BOLT_ETIMEOUT : -errno;
}

static int read_full(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		int rc = io_wait(fd, POLLIN);
		if (rc < 0)
			return rc;
		ssize_t n = recv(fd, buf + got, len - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? BOLT_ETRUNC : -errno;
		got += (size_t)n;
	}
	return 0;
}

static int write_full(int fd, const uint8_t *buf, size_t len)
{
	size_t put = 0;
	while (put < len) {
		int rc = io_wait(fd, POLLOUT);
		if (rc < 0)
			return rc;
		ssize_t n = send(fd, buf + put, len - put, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		put += (size_t)n;
	}
	return 0;
}

static int connect_to(const struct bolt_sockaddr *primary)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	if (bolt_sockaddr_to_os(primary, 53, &ss, &sl) < 0)
		return -EAFNOSUPPORT;
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS) {
		int e = -errno;
		close(fd);
		return e;
	}
	int rc = io_wait(fd, POLLOUT);
	int soerr = 0;
	socklen_t el = sizeof(soerr);
	if (rc == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &el) == 0 && soerr != 0)
		rc = -soerr;
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

struct xfr_buf {
	uint8_t msg[2 + BOLT_MSG_MAX];
	uint8_t scratch[2 * BOLT_MSG_MAX];
	struct bolt_rr rrs[XFR_RR_MAX];
};

/* Whether msg[0..len) answers id with REFUSED, NOTIMP or FORMERR. */
static bool refused(const uint8_t *msg, size_t len, uint16_t id)
{
	if (len < BOLT_HDR_LEN || bolt_wire_get_u16(msg) != id)
		return false;
	uint16_t flags = bolt_wire_get_u16(msg + 2);
	unsigned rc = BOLT_RCODE(flags);
	return (flags & BOLT_FLAG_QR) &&
	       (rc == BOLT_RCODE_REFUSED || rc == BOLT_RCODE_NOTIMP || rc == BOLT_RCODE_FORMERR);
}

/* The question: AXFR, or IXFR with our SOA in the authority section. */
static int build_query(uint8_t *buf, uint16_t id, const uint8_t *zone, bool axfr,
                       const uint8_t *soa, uint16_t soa_len)
{
	struct bolt_build b;
	size_t zl = (size_t)bolt_name_len(zone, BOLT_NAME_MAX);
	bolt_build_init(&b, buf, BOLT_MSG_MAX, id, 0);
	bolt_build_question(&b, zone, zl, axfr ? BOLT_TYPE_AXFR : BOLT_TYPE_IXFR, BOLT_CLASS_IN);
	int ql = bolt_build_finish(&b);
	if (ql < 0 || axfr)
		return ql;
	/* Written by hand: the builder compresses names inside the SOA. */
	size_t need = (size_t)ql + zl + 10 + soa_len;
	if (need > BOLT_MSG_MAX)
		return BOLT_ESPACE;
	uint8_t *p = buf + ql;
	memcpy(p, zone, zl);
	p += zl;
	bolt_wire_put_u16(p, BOLT_TYPE_SOA);
	bolt_wire_put_u16(p + 2, BOLT_CLASS_IN);
	bolt_wire_put_u32(p + 4, 0);
	bolt_wire_put_u16(p + 8, soa_len);
	memcpy(p + 10, soa, soa_len);
	bolt_wire_put_u16(buf + 8, 1);
	return (int)need;
}

int rpz_xfr_transfer(const uint8_t *zone, const struct bolt_sockaddr *primary,
                     const struct rpz_tsig_key *key, const uint8_t *soa, uint16_t soa_len,
                     struct rpz_ixfr *x, char *err, size_t errlen)
{
	if (zone == NULL || bolt_name_len(zone, BOLT_NAME_MAX) <= 0) {
		snprintf(err, errlen, "no zone name");
		return BOLT_ECONFIG;
	}
	struct xfr_buf *xb = malloc(sizeof(*xb));
	if (xb == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	struct rpz_tsig_stream ts;
	uint8_t mac[RPZ_TSIG_MAC_LEN] = { 0 };
	memset(&ts, 0, sizeof(ts));
	int fd = -1, rc;
	uint16_t id = 0;
	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		id = (uint16_t)time(NULL);

	int ql = build_query(xb->msg + 2, id, zone, x->axfr, soa, soa_len);
	if (ql > 0 && key != NULL) {
		ql = rpz_tsig_sign(key, xb->msg + 2, (size_t)ql, BOLT_MSG_MAX, (uint64_t)time(NULL), mac);
		rpz_tsig_stream_init(&ts, key, mac);
	}
	if (ql < 0) {
		snprintf(err, errlen, "cannot build the query");
		rc = BOLT_EMALF;
		goto out;
	}
	bolt_wire_put_u16(xb->msg, (uint16_t)ql);
	fd = connect_to(primary);
	if (fd < 0) {
		rc = fd;
		snprintf(err, errlen, "connect: %s", bolt_strerror(rc));
		goto out;
	}
	if ((rc = write_full(fd, xb->msg, (size_t)ql + 2)) < 0) {
		snprintf(err, errlen, "send: %s", bolt_strerror(rc));
		goto out;
	}
	/* The answer: messages until the reader says it is complete. */
	int st = 0;
	while (st == 0) {
		uint8_t lb[2];
		if ((rc = read_full(fd, lb, 2)) < 0 ||
		    (rc = read_full(fd, xb->msg, bolt_wire_get_u16(lb))) < 0) {
			snprintf(err, errlen, "receive: %s", bolt_strerror(rc));
			goto out;
		}
		size_t len = bolt_wire_get_u16(lb);
		if (key != NULL) {
			const char *why = "";
			if ((rc = rpz_tsig_verify(&ts, xb->msg, len, (uint64_t)time(NULL), &len, &why)) < 0) {
				snprintf(err, errlen, "%s", why);
				/* A refusal may come unsigned: asking AXFR instead
				 * trusts nothing it says. */
				if (!x->axfr && refused(xb->msg, len, id))
					rc = BOLT_ENOTIMP;
				goto out;
			}
		}
		struct bolt_msg m;
		rc = bolt_msg_parse(xb->msg, len, &m, xb->rrs, XFR_RR_MAX, xb->scratch,
		                    sizeof(xb->scratch));
		if (rc == 0 && (bolt_wire_get_u16(xb->msg) != id || !(m.flags & BOLT_FLAG_QR)))
			rc = BOLT_EMALF;
		if (rc == 0 && BOLT_RCODE(m.flags) != 0) {
			unsigned rcode = BOLT_RCODE(m.flags);
			snprintf(err, errlen, "the primary answered %s", bolt_rcode_to_text((uint16_t)rcode));
			rc = refused(xb->msg, len, id) ? BOLT_ENOTIMP : BOLT_ESERVFAIL;
			goto out;
		}
		if (rc < 0) {
			snprintf(err, errlen, "malformed answer: %s", bolt_strerror(rc));
			goto out;
		}
		for (unsigned i = 0; i < m.rrcount && st == 0; i++) {
			const struct bolt_rr *r = &m.rrs[i];
			if (r->section != BOLT_SEC_ANSWER)
				continue;
			const char *why = "";
			st = rpz_ixfr_feed(x, r->owner, r->type, r->ttl, r->rdata, r->rdlen, &why);
			if (st < 0) {
				rc = st;
				snprintf(err, errlen, "%s", why);
				goto out;
			}
		}
		if (st == 0)
			st = rpz_ixfr_message_end(x);
	}
	if (key != NULL && !rpz_tsig_stream_clean(&ts)) {
		snprintf(err, errlen, "the last message of the answer is not signed (TSIG)");
		rc = BOLT_EMALF;
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	rpz_tsig_stream_free(&ts);
	free(xb);
	return rc;
}
