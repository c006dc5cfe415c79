/*
 * dnstap-read for the tests: reads a Frame Streams file (fstrm's file
 * reader, content type protobuf:dnstap.Dnstap) and prints one line per
 * message, decoded with protobuf-c's code for the dnstap schema:
 *
 *   TYPE PROTO FAMILY QADDR QPORT RADDR RPORT QNAME QTYPE RCODE IDENTITY QTIME RTIME ZONE
 *   POLICY HTTP
 *
 * QNAME and QTYPE come from the query message, or from the response's
 * question when there is no query; RCODE from the response ("-" without one);
 * a field that is absent prints "-". QTIME/RTIME: 1 when the time is there.
 * ZONE: query_zone as text ("-": absent). PROTO: UDP, TCP, DOT, DOH.
 * POLICY: TYPE,ACTION,MATCH,RULE,VALUE (the rule's name as text, the value
 * as a name or an address by the match), "-" without a policy. HTTP: the
 * http_protocol (HTTP1, HTTP2, HTTP3) or "-".
 * Exit 1 when the file does not open or a frame does not decode.
 *
 * Usage: dnstap-read FILE
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <fstrm.h>

#include "boltdns/wire.h"
#include "dnstap.pb-c.h"

static const char *type_name(Dnstap__Message__Type t)
{
	switch (t) {
	case DNSTAP__MESSAGE__TYPE__RESOLVER_QUERY: return "RESOLVER_QUERY";
	case DNSTAP__MESSAGE__TYPE__RESOLVER_RESPONSE: return "RESOLVER_RESPONSE";
	case DNSTAP__MESSAGE__TYPE__CLIENT_QUERY: return "CLIENT_QUERY";
	case DNSTAP__MESSAGE__TYPE__CLIENT_RESPONSE: return "CLIENT_RESPONSE";
	default: return "OTHER";
	}
}

static void addr(const Dnstap__Message *m, protobuf_c_boolean has, const ProtobufCBinaryData *a,
                 char *out, size_t cap)
{
	snprintf(out, cap, "-");
	if (!has || !m->has_socket_family)
		return;
	int af = m->socket_family == DNSTAP__SOCKET_FAMILY__INET6 ? AF_INET6 : AF_INET;
	if (a->len != (af == AF_INET ? 4u : 16u) || inet_ntop(af, a->data, out, (socklen_t)cap) == NULL)
		snprintf(out, cap, "bad");
}

static const char *proto_name(const Dnstap__Message *m)
{
	if (!m->has_socket_protocol)
		return "-";
	switch (m->socket_protocol) {
	case DNSTAP__SOCKET_PROTOCOL__UDP: return "UDP";
	case DNSTAP__SOCKET_PROTOCOL__TCP: return "TCP";
	case DNSTAP__SOCKET_PROTOCOL__DOT: return "DOT";
	case DNSTAP__SOCKET_PROTOCOL__DOH: return "DOH";
	default: return "OTHER";
	}
}

/* A name (wire form, the whole of b) as text, "bad" when it is not one. */
static void name_text(const ProtobufCBinaryData *b, char *out, size_t cap)
{
	if (bolt_name_len(b->data, b->len) != (int)b->len || bolt_name_to_text(b->data, out, cap) < 0)
		snprintf(out, cap, "bad");
}

static void policy(const Dnstap__Message *m, char *out, size_t cap)
{
	static const char *const action[] = { "-", "NXDOMAIN", "NODATA", "PASS", "DROP", "TRUNCATE",
	                                      "LOCAL_DATA" };
	static const char *const match[] = { "-", "QNAME", "CLIENT_IP", "RESPONSE_IP", "NS_NAME",
	                                     "NS_IP" };
	const Dnstap__Policy *p = m->policy;
	snprintf(out, cap, "-");
	if (p == NULL)
		return;
	char rule[1100] = "-", value[1100] = "-";
	if (p->has_rule)
		name_text(&p->rule, rule, sizeof(rule));
	bool ip = p->has_match && (p->match == DNSTAP__POLICY__MATCH__CLIENT_IP ||
	                           p->match == DNSTAP__POLICY__MATCH__RESPONSE_IP ||
	                           p->match == DNSTAP__POLICY__MATCH__NS_IP);
	if (p->has_value && ip) {
		int af = p->value.len == 4 ? AF_INET : AF_INET6;
		if ((p->value.len != 4 && p->value.len != 16) ||
		    inet_ntop(af, p->value.data, value, sizeof(value)) == NULL)
			snprintf(value, sizeof(value), "bad");
	} else if (p->has_value) {
		name_text(&p->value, value, sizeof(value));
	}
	unsigned a = p->has_action && p->action <= 6 ? (unsigned)p->action : 0;
	unsigned t = p->has_match && p->match <= 5 ? (unsigned)p->match : 0;
	snprintf(out, cap, "%s,%s,%s,%s,%s", p->type != NULL ? p->type : "-", action[a], match[t],
	         rule, value);
}

/* Name and type of the question of msg. */
static void question(const ProtobufCBinaryData *msg, char *name, size_t cap, unsigned *qtype)
{
	snprintf(name, cap, "-");
	*qtype = 0;
	if (msg->len < BOLT_HDR_LEN + 5)
		return;
	int nl = bolt_name_len(msg->data + BOLT_HDR_LEN, msg->len - BOLT_HDR_LEN);
	if (nl < 0 || BOLT_HDR_LEN + (size_t)nl + 4 > msg->len ||
	    bolt_name_to_text(msg->data + BOLT_HDR_LEN, name, cap) < 0)
		return;
	const uint8_t *t = msg->data + BOLT_HDR_LEN + nl;
	*qtype = (unsigned)(t[0] << 8 | t[1]);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: dnstap-read FILE\n");
		return 2;
	}
	struct fstrm_file_options *fo = fstrm_file_options_init();
	fstrm_file_options_set_file_path(fo, argv[1]);
	struct fstrm_reader_options *ro = fstrm_reader_options_init();
	static const char ct[] = "protobuf:dnstap.Dnstap";
	fstrm_reader_options_add_content_type(ro, ct, sizeof(ct) - 1);
	struct fstrm_reader *r = fstrm_file_reader_init(fo, ro);
	fstrm_file_options_destroy(&fo);
	fstrm_reader_options_destroy(&ro);
	if (r == NULL || fstrm_reader_open(r) != fstrm_res_success) {
		fprintf(stderr, "dnstap-read: cannot open %s as a dnstap Frame Streams file\n", argv[1]);
		return 1;
	}
	const uint8_t *data;
	size_t len;
	fstrm_res res;
	int rc = 0;
	while ((res = fstrm_reader_read(r, &data, &len)) == fstrm_res_success) {
		Dnstap__Dnstap *d = dnstap__dnstap__unpack(NULL, len, data);
		if (d == NULL || d->message == NULL) {
			fprintf(stderr, "dnstap-read: a frame of %zu bytes does not decode\n", len);
			rc = 1;
			if (d != NULL)
				dnstap__dnstap__free_unpacked(d, NULL);
			continue;
		}
		const Dnstap__Message *m = d->message;
		char qa[64], ra[64], name[1100], ident[64] = "-", rcode[16] = "-", zone[1100] = "-";
		char pol[2400];
		static const char *const http[] = { "-", "HTTP1", "HTTP2", "HTTP3" };
		unsigned qtype = 0;
		addr(m, m->has_query_address, &m->query_address, qa, sizeof(qa));
		addr(m, m->has_response_address, &m->response_address, ra, sizeof(ra));
		if (m->has_query_message)
			question(&m->query_message, name, sizeof(name), &qtype);
		else if (m->has_response_message)
			question(&m->response_message, name, sizeof(name), &qtype);
		else
			snprintf(name, sizeof(name), "-");
		if (m->has_response_message && m->response_message.len >= BOLT_HDR_LEN)
			snprintf(rcode, sizeof(rcode), "%s",
			         bolt_rcode_to_text(m->response_message.data[3] & 0xf));
		if (m->has_query_zone &&
		    bolt_name_len(m->query_zone.data, m->query_zone.len) == (int)m->query_zone.len)
			bolt_name_to_text(m->query_zone.data, zone, sizeof(zone));
		if (d->has_identity)
			snprintf(ident, sizeof(ident), "%.*s", (int)d->identity.len,
			         (const char *)d->identity.data);
		policy(m, pol, sizeof(pol));
		printf("%s %s %s %s %u %s %u %s %u %s %s %d %d %s %s %s\n", type_name(m->type),
		       proto_name(m),
		       !m->has_socket_family ? "-"
		       : m->socket_family == DNSTAP__SOCKET_FAMILY__INET6 ? "INET6" : "INET",
		       qa, m->has_query_port ? m->query_port : 0, ra,
		       m->has_response_port ? m->response_port : 0, name, qtype, rcode, ident,
		       m->has_query_time_sec ? 1 : 0, m->has_response_time_sec ? 1 : 0, zone, pol,
		       m->has_http_protocol && m->http_protocol <= 3 ? http[m->http_protocol] : "-");
		dnstap__dnstap__free_unpacked(d, NULL);
	}
	fstrm_reader_destroy(&r);
	if (res != fstrm_res_stop) {
		fprintf(stderr, "dnstap-read: the stream did not end with STOP\n");
		rc = 1;
	}
	return rc;
}
