/*
 * One dnstap message to one Dnstap protobuf frame, with the C that protoc-c
 * generated from dnstap.proto. The protobuf structs only point at the
 * caller's bytes; the packed frame is the only allocation.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "dnstap.h"
#include "dnstap.pb-c.h"

uint64_t dnstap_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static ProtobufCBinaryData bin(const void *p, size_t len)
{
	ProtobufCBinaryData b = { .len = len, .data = (uint8_t *)(uintptr_t)p };
	return b;
}

int dnstap_encode(const struct dnstap_msg *m, const char *identity, const char *version,
                  uint8_t **out, size_t *len)
{
	Dnstap__Dnstap d = DNSTAP__DNSTAP__INIT;
	Dnstap__Message msg = DNSTAP__MESSAGE__INIT;
	Dnstap__Policy pol = DNSTAP__POLICY__INIT;
	size_t alen = 0;

	if (m->family == AF_INET)
		alen = 4;
	else if (m->family == AF_INET6)
		alen = 16;
	else if (m->family != 0)
		return -EINVAL;
	if (m->type < DNSTAP_RESOLVER_QUERY || m->type > DNSTAP_FORWARDER_RESPONSE)
		return -EINVAL;

	d.type = DNSTAP__DNSTAP__TYPE__MESSAGE;
	d.message = &msg;
	if (identity != NULL && identity[0] != '\0') {
		d.has_identity = 1;
		d.identity = bin(identity, strlen(identity));
	}
	if (version != NULL && version[0] != '\0') {
		d.has_version = 1;
		d.version = bin(version, strlen(version));
	}

	msg.type = (Dnstap__Message__Type)m->type;
	msg.has_socket_protocol = 1;
	msg.socket_protocol = (Dnstap__SocketProtocol)m->proto;
	if (alen != 0) {
		msg.has_socket_family = 1;
		msg.socket_family = alen == 4 ? DNSTAP__SOCKET_FAMILY__INET : DNSTAP__SOCKET_FAMILY__INET6;
		if (m->query_addr != NULL) {
			msg.has_query_address = 1;
			msg.query_address = bin(m->query_addr, alen);
		}
		if (m->response_addr != NULL) {
			msg.has_response_address = 1;
			msg.response_address = bin(m->response_addr, alen);
		}
		if (m->query_port != 0) {
			msg.has_query_port = 1;
			msg.query_port = m->query_port;
		}
		if (m->response_port != 0) {
			msg.has_response_port = 1;
			msg.response_port = m->response_port;
		}
	}
	if (m->query_ns != 0) {
		msg.has_query_time_sec = msg.has_query_time_nsec = 1;
		msg.query_time_sec = m->query_ns / 1000000000u;
		msg.query_time_nsec = (uint32_t)(m->query_ns % 1000000000u);
	}
	if (m->response_ns != 0) {
		msg.has_response_time_sec = msg.has_response_time_nsec = 1;
		msg.response_time_sec = m->response_ns / 1000000000u;
		msg.response_time_nsec = (uint32_t)(m->response_ns % 1000000000u);
	}
	if (m->query != NULL) {
		msg.has_query_message = 1;
		msg.query_message = bin(m->query, m->query_len);
	}
	if (m->response != NULL) {
		msg.has_response_message = 1;
		msg.response_message = bin(m->response, m->response_len);
	}
	if (m->zone != NULL) {
		msg.has_query_zone = 1;
		msg.query_zone = bin(m->zone, m->zone_len);
	}
	if (m->http != DNSTAP_HTTP_NONE) {
		msg.has_http_protocol = 1;
		msg.http_protocol = (Dnstap__HttpProtocol)m->http;
	}
	if (m->policy != NULL) {
		const struct dnstap_policy *p = m->policy;
		msg.policy = &pol;
		pol.type = (char *)(uintptr_t)p->type;
		if (p->rule != NULL) {
			pol.has_rule = 1;
			pol.rule = bin(p->rule, p->rule_len);
		}
		if (p->action != 0) {
			pol.has_action = 1;
			pol.action = (Dnstap__Policy__Action)p->action;
		}
		if (p->match != 0) {
			pol.has_match = 1;
			pol.match = (Dnstap__Policy__Match)p->match;
		}
		if (p->value != NULL) {
			pol.has_value = 1;
			pol.value = bin(p->value, p->value_len);
		}
	}

	size_t n = dnstap__dnstap__get_packed_size(&d);
	uint8_t *buf = malloc(n > 0 ? n : 1);
	if (buf == NULL)
		return -ENOMEM;
	*len = dnstap__dnstap__pack(&d, buf);
	*out = buf;
	return 0;
}
