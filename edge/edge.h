/*
 * boltdns-edge: DNS over TLS (RFC 7858) and DNS over HTTPS (RFC 8484) for
 * clients, answered from the shared cache. See edge/README.md for why it is
 * a process of its own and how misses reach the resolver.
 *
 * One libuv loop, one thread: every connection is a small state machine
 * (TCP accept -> ACL -> TLS handshake through memory BIOs -> DoT frames or
 * HTTP/2 streams -> queries) and every query goes through edge_query().
 */
#ifndef BOLTDNS_EDGE_H
#define BOLTDNS_EDGE_H

#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "boltdns/acl.h"
#include "boltdns/config.h"
#include "boltdns/edgeinfo.h"
#include "boltdns/region.h"
#include "boltdns/wire.h"

/* Transports, the index of every per-transport counter. */
enum edge_kind { EDGE_DOT = 0, EDGE_DOH = 1, EDGE_KINDS = 2 };

/* Queries of one connection waiting for the resolver at most (boltdns-cp
 * allows as many per TCP connection, TCP_MAX_PENDING). */
#define EDGE_CONN_PENDING 64
/* A client that leaves this much unread is dropped (as TCP/53 does). */
#define EDGE_WRITE_QUEUE_MAX (1u << 20)
/* Largest DoH POST body / decoded GET message (a DNS message). */
#define EDGE_DOH_BODY_MAX 65535
/* HTTP/2 streams a client may open at once. */
#define EDGE_DOH_STREAMS 100
/* Upstream connections to boltdns-cp at most. */
#define EDGE_UP_CONNS 16
/* RFC 7828 keepalive we announce, in units of 100 ms, is the idle timeout. */

struct edge_ctr {
	uint64_t conns[EDGE_KINDS];           /* accepted */
	uint64_t conns_limited[EDGE_KINDS];   /* closed at accept: connection limits */
	uint64_t handshakes[EDGE_KINDS];      /* completed TLS handshakes */
	uint64_t handshake_fail[EDGE_KINDS];  /* TLS handshakes that failed */
	uint64_t resumed[EDGE_KINDS];         /* handshakes that resumed a session */
	uint64_t tls13[EDGE_KINDS];           /* handshakes on TLS 1.3 (the rest 1.2) */
	uint64_t queries[EDGE_KINDS];
	uint64_t hits[EDGE_KINDS];            /* answered from the shared cache */
	uint64_t misses[EDGE_KINDS];          /* sent to boltdns-cp */
	uint64_t bad_input[EDGE_KINDS];       /* connections closed for bad framing or TLS */
	uint64_t idle_closed[EDGE_KINDS];     /* closed by the idle timeout (slowloris too) */
	uint64_t formerr[EDGE_KINDS];         /* unparseable queries answered with an error */
	uint64_t acl_refused;
	uint64_t acl_dropped;
	uint64_t doh_bad_request;             /* 4xx answers: bad path, method, base64url, type */
	uint64_t doh_too_large;               /* 413: POST body over EDGE_DOH_BODY_MAX */
	uint64_t upstream_fail;               /* misses answered SERVFAIL: resolver unreachable */
	uint64_t overload;                    /* misses answered SERVFAIL: too many in flight */
	uint64_t cert_reloads;
	uint64_t cert_reload_fail;
};

struct edge_client;
struct upconn;
struct h2s;

struct edge {
	uv_loop_t *loop;
	struct bolt_config cfg;
	const char *conf_path;
	const char *stats_path;
	struct bolt_acl acl;
	struct bolt_region *region;           /* NULL until the dataplane made it */
	uint64_t region_ino;
	SSL_CTX *ssl_ctx;                     /* new connections use the newest */
	uint64_t cert_stamp;                  /* of the files loaded (mtime, size, inode) */
	uint64_t conf_stamp;                  /* of the configuration file, likewise */
	unsigned nlisten;
	uv_tcp_t listen[2 * BOLT_CFG_MAX_ADDRS];
	uint8_t listen_kind[2 * BOLT_CFG_MAX_ADDRS];
	uint64_t nconns;                      /* open client connections */
	uint64_t conns_open[EDGE_KINDS];
	struct edge_client **clients;         /* connections per client address */
	unsigned clients_mask;
	struct upconn *up[EDGE_UP_CONNS];
	uint16_t up_idgen;
	struct edge_ctr ctr;
	uv_timer_t tick;
	uv_signal_t sigterm, sigint, sighup;
};

/* A client connection (DoT or DoH). */
struct econn {
	uv_tcp_t h;
	uv_timer_t idle;
	struct edge *e;
	SSL *ssl;
	BIO *rbio, *wbio;                     /* memory BIOs, owned by ssl */
	nghttp2_session *h2;                  /* DoH only */
	struct h2s *streams;                  /* DoH: its open streams (edge/doh.c) */
	uint8_t kind;                         /* enum edge_kind */
	bool closing;
	bool handshaken;
	bool refused;                         /* the ACL refuses: every query gets REFUSED */
	bool counted;                         /* counted in its client's connections */
	bool in_h2_recv;                      /* inside nghttp2_session_mem_recv: no send */
	bool in_input;                        /* handling a read: answers wait in out[] */
	uint8_t *out;                         /* DoT: answers (framed) not yet given to TLS */
	size_t out_len, out_cap;
	int open_handles;
	unsigned holds;                       /* queries waiting for the resolver */
	uint8_t family;
	uint8_t addr[16];
	struct bolt_edge_client who;          /* transport and both ends, for boltdns-cp */
	uint8_t *buf;                         /* DoT: bytes of a frame not complete yet */
	size_t len, cap;
};

/* What a miss remembers to answer its client. */
struct edge_origin {
	struct econn *c;
	int32_t stream;                       /* DoH stream id, 0 for DoT */
	uint16_t id;                          /* the client's ID */
	uint16_t qflags;
	bool keepalive;                       /* answer with edns-tcp-keepalive */
	bool padding;                         /* pad the answer (RFC 8467): the query was */
	bool has_edns;
	uint16_t question_len;
	uint8_t question[BOLT_NAME_MAX + 4];
};

/* edge/query.c: answer msg[0..len) from c (stream: the DoH stream, 0 for
 * DoT): a hit at once, a miss through the resolver; the answer goes to
 * conn_answer. */
void edge_query(struct econn *c, int32_t stream, const uint8_t *msg, size_t len);
/* Finish an answer for o (ID restored, keepalive added) and hand it over.
 * msg is modified in place and must have room for EDGE_KEEPALIVE_LEN more
 * bytes. */
void edge_answer(struct edge_origin *o, uint8_t *msg, size_t len, size_t cap);
/* A SERVFAIL with EDE 0 and text for o (resolver unreachable, overload). */
void edge_answer_servfail(struct edge_origin *o, const char *text);
#define EDGE_KEEPALIVE_LEN 6

/* edge/msg.c: message helpers (pure). */
/* Whether query msg (parsed: header, question of question_len, maybe OPT
 * last) carries edns-tcp-keepalive (RFC 7828). */
bool edge_msg_has_keepalive(const uint8_t *msg, size_t len, size_t question_len);
/* Append edns-tcp-keepalive with timeout (100 ms units) to the OPT RR of msg
 * when it is the last record; returns the new length (len when there is no
 * OPT last or no room in cap). */
size_t edge_msg_add_keepalive(uint8_t *msg, size_t len, size_t cap, uint16_t timeout);
/* Whether query msg carries the EDNS Padding option (RFC 7830). */
bool edge_msg_has_padding(const uint8_t *msg, size_t len, size_t question_len);
/* Pad msg with an RFC 7830 Padding option in its OPT (when it is the last
 * record) to a multiple of block bytes (RFC 8467 4.1: 468 for responses);
 * returns the new length (len when it does not fit cap or BOLT_MSG_MAX). */
size_t edge_msg_add_padding(uint8_t *msg, size_t len, size_t cap, size_t block);
#define EDGE_PAD_BLOCK 468
/* Smallest TTL of the records of msg other than OPT (UINT32_MAX: none or
 * malformed), for DoH's Cache-Control (RFC 8484 5.1). */
uint32_t edge_msg_min_ttl(const uint8_t *msg, size_t len);

/* edge/conn.c */
int edge_listen_start(struct edge *e);
void edge_listen_stop(struct edge *e);
/* Send a finished DNS message on c (DoT frame, or the DoH stream). */
void conn_answer(struct econn *c, int32_t stream, const uint8_t *msg, size_t len);
void conn_hold(struct econn *c);
void conn_release(struct econn *c);
/* Queue plaintext for TLS and push what TLS produced to the socket. */
int conn_tls_write(struct econn *c, const uint8_t *data, size_t len);
void conn_flush(struct econn *c);
/* Give the DoT answers gathered in c->out to TLS and flush. */
void conn_push(struct econn *c);
void conn_close(struct econn *c);
/* Restart the idle timer: the client did something useful. */
void conn_touch(struct econn *c);

/* edge/doh.c: HTTP/2 over an established TLS connection. */
int doh_session_new(struct econn *c);
/* Free the HTTP/2 session and every stream still open. */
void doh_session_free(struct econn *c);
/* Plaintext from TLS; returns 0 or -1 (close the connection). */
int doh_recv(struct econn *c, const uint8_t *data, size_t len);
/* Push nghttp2's pending output into TLS; -1 when the session is done. */
int doh_send(struct econn *c);
void doh_answer(struct econn *c, int32_t stream, const uint8_t *msg, size_t len);

/* edge/tls.c */
/* A server context from the configured certificate and key. NULL with
 * "FILE:LINE: what is wrong" in err. */
SSL_CTX *edge_tls_ctx(const struct bolt_config *cfg, char *err, size_t errlen);
/* Identity of the certificate and key files now (0 when unreadable). */
uint64_t edge_tls_stamp(const struct bolt_config *cfg);

/* edge/upstream.c: misses to boltdns-cp over TCP/53. */
void upstream_query(struct edge *e, const struct edge_origin *o, const uint8_t *msg, size_t len);
void upstream_close_all(struct edge *e);
/* Once a second: close upstream connections idle for a while. */
void upstream_tick(struct edge *e);

/* edge/main.c */
void edge_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
enum { EDGE_LOG_ERR = 0, EDGE_LOG_NOTICE = 1, EDGE_LOG_INFO = 2, EDGE_LOG_DEBUG = 3 };

#endif
