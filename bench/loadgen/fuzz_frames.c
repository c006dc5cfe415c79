/*
 * libFuzzer target: the load generator's receive path (frame classification,
 * question matching, checksum check, ARP replies) and its query-file line parser, on
 * arbitrary bytes. They must never read out of bounds or crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lg_endpoints ep;
	memset(&ep, 0, sizeof(ep));
	/* addresses that the fuzzer can hit: 1.1.1.1 <-> 2.2.2.2, port 53 */
	ep.src_ip = 0x02020202;
	ep.dst_ip = 0x01010101;
	ep.dst_port = 0x3500;

	/* the frame, in a buffer of exactly its size so ASan sees overreads */
	uint8_t *f = malloc(size ? size : 1);
	if (f == NULL)
		return 0;
	memcpy(f, data, size);
	struct lg_response r;
	enum lg_rx_kind k = lg_frame_classify(f, size, &ep, &r);
	if (k == LG_RX_DNS) {
		/* match against a query of every question length the input allows */
		uint8_t q[LG_FRAME_MAX];
		memset(q, 'a', sizeof(q));
		for (uint16_t ql = 0; ql <= 300; ql += 37)
			(void)lg_response_matches(&r, q, ql);
		(void)lg_frame_csum_ok(f, size);
	} else if (k == LG_RX_ARP_REQ) {
		static const uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
		(void)lg_arp_reply(f, size, mac);
	}
	free(f);

	/* the same bytes as a line of a query file */
	char *line = malloc(size + 1);
	if (line == NULL)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	struct lg_query_opts o = {.rd = true, .edns = size & 1, .edns_size = 1232};
	uint8_t wire[LG_DNS_MAX];
	uint16_t len, qlen;
	if (lg_query_encode(line, &o, wire, &len, &qlen) == 1 && (len > LG_DNS_MAX || qlen + 12u > len))
		abort();
	free(line);
	return 0;
}
