/*
 * Writes the seed corpora of the wire fuzz targets: generated queries,
 * responses, names and RDATA texts (no captured traffic).
 *
 * Usage: gen_seeds OUTDIR STAMP
 * Creates OUTDIR/seeds-<target>/ with the seeds and an empty
 * OUTDIR/corpus-<target>/ where libFuzzer keeps what it finds, then writes
 * STAMP so the build knows the seeds exist.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "boltdns/wire.h"

static const char *outdir;
static int nfiles;

static void make_dir(const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
}

static void put(const char *target, int n, const void *data, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/seeds-%s/seed-%03d", outdir, target, n);
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	nfiles++;
}

static size_t wname(const char *text, uint8_t *out)
{
	int n = bolt_name_from_text(text, out);
	if (n < 0) {
		fprintf(stderr, "bad seed name %s\n", text);
		exit(1);
	}
	return (size_t)n;
}

static void query_seeds(void)
{
	static const struct {
		const char *name;
		uint16_t type;
		int edns; /* 0 none, 1 plain, 2 DO, 3 version 1 */
	} qs[] = {
		{ "www.example.com", BOLT_TYPE_A, 0 },
		{ "WwW.ExAmPlE.CoM", BOLT_TYPE_AAAA, 1 },
		{ ".", BOLT_TYPE_NS, 2 },
		{ "a.b.c.d.e.f.g.h.example.org", BOLT_TYPE_MX, 2 },
		{ "_dns._udp.example.net", BOLT_TYPE_SRV, 1 },
		{ "1.2.0.192.in-addr.arpa", BOLT_TYPE_PTR, 0 },
		{ "example.org", BOLT_TYPE_DS, 3 },
		{ "x\\000y.example", BOLT_TYPE_TXT, 1 },
	};
	int n = 0;
	for (size_t i = 0; i < BOLT_ARRAY_SIZE(qs); i++) {
		uint8_t buf[512], name[BOLT_NAME_MAX];
		struct bolt_build b;
		size_t nl = wname(qs[i].name, name);
		bolt_build_init(&b, buf, sizeof(buf), (uint16_t)(0x1000 + i), BOLT_FLAG_RD);
		bolt_build_question(&b, name, nl, qs[i].type, BOLT_CLASS_IN);
		if (qs[i].edns != 0)
			bolt_build_opt(&b, 1232, 0, qs[i].edns == 2);
		int len = bolt_build_finish(&b);
		if (qs[i].edns == 3)
			buf[len - 11 + 6] = 1; /* EDNS version */
		put("query", n++, buf, (size_t)len);
	}
	/* A few malformed ones near the accept path. */
	static const uint8_t compressed[] = {
		0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'w', 'w', 0xc0, 12, 0, 1, 0, 1,
	};
	put("query", n++, compressed, sizeof(compressed));
	static const uint8_t opt_in_answer[] = {
		0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1,
		0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0,
	};
	put("query", n++, opt_in_answer, sizeof(opt_in_answer));
	static const uint8_t with_cookie[] = {
		0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 'a', 0, 0, 1, 0, 1,
		0, 0, 41, 4, 0xd0, 0, 0, 0x80, 0, 0, 12, 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8,
	};
	put("query", n++, with_cookie, sizeof(with_cookie));

	/* cookie: OPT RDATA (options) of a fixed query. */
	static const uint8_t client_only[] = { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	put("cookie", 0, client_only, sizeof(client_only));
	static const uint8_t full[28] = { 0, 10, 0, 24, 1, 2, 3, 4, 5, 6, 7, 8, 1, 0, 0, 0,
	                                  0x65, 0x53, 0xf1, 0x00 };
	put("cookie", 1, full, sizeof(full));
	static const uint8_t pad_then_two[] = { 0, 12, 0, 1, 0, 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8,
	                                        0, 10, 0, 3, 1, 2, 3 };
	put("cookie", 2, pad_then_two, sizeof(pad_then_two));
	static const uint8_t bad_len[] = { 0, 10, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	put("cookie", 3, bad_len, sizeof(bad_len));
}

static void rr(struct bolt_build *b, uint8_t sec, const char *owner, uint16_t type,
               const char *rdtext)
{
	uint8_t o[BOLT_NAME_MAX], rd[1024];
	wname(owner, o);
	int n = bolt_rdata_from_text(type, rdtext, rd, sizeof(rd));
	if (n < 0) {
		fprintf(stderr, "bad seed rdata %s\n", rdtext);
		exit(1);
	}
	bolt_build_rr(b, sec, o, type, BOLT_CLASS_IN, 3600, rd, (uint16_t)n);
}

static void msg_seeds(void)
{
	uint8_t buf[4096], q[BOLT_NAME_MAX];
	struct bolt_build b;
	int n = 0, len;
	uint16_t resp = BOLT_FLAG_QR | BOLT_FLAG_RD | BOLT_FLAG_RA;

	/* A answer with two RRs. */
	bolt_build_init(&b, buf, sizeof(buf), 1, resp);
	bolt_build_question(&b, q, wname("www.example.com", q), BOLT_TYPE_A, 1);
	rr(&b, 0, "www.example.com", BOLT_TYPE_A, "198.18.0.1");
	rr(&b, 0, "www.example.com", BOLT_TYPE_A, "198.18.0.2");
	len = bolt_build_finish(&b);
	put("msg", n++, buf, (size_t)len);

	/* CNAME chain, MX, NS referral with glue, SOA, TXT, SRV, AAAA, OPT. */
	bolt_build_init(&b, buf, sizeof(buf), 2, resp | BOLT_FLAG_AA);
	bolt_build_reserve_opt(&b);
	bolt_build_question(&b, q, wname("Mail.Example.org", q), BOLT_TYPE_MX, 1);
	rr(&b, 0, "mail.example.org", BOLT_TYPE_CNAME, "mx.example.org.");
	rr(&b, 0, "mx.example.org", BOLT_TYPE_MX, "10 smtp.example.org.");
	rr(&b, 0, "mx.example.org", BOLT_TYPE_TXT, "\"v=spf1 -all\" \"second\"");
	rr(&b, 1, "example.org", BOLT_TYPE_NS, "ns1.example.org.");
	rr(&b, 1, "example.org", BOLT_TYPE_NS, "ns2.example.net.");
	rr(&b, 2, "ns1.example.org", BOLT_TYPE_A, "198.18.1.1");
	rr(&b, 2, "ns1.example.org", BOLT_TYPE_AAAA, "2001:db8::53");
	rr(&b, 2, "_sip._udp.example.org", BOLT_TYPE_SRV, "1 2 5060 smtp.example.org.");
	bolt_build_opt(&b, 1232, 0, true);
	len = bolt_build_finish(&b);
	put("msg", n++, buf, (size_t)len);

	/* NXDOMAIN with SOA. */
	bolt_build_init(&b, buf, sizeof(buf), 3, resp | BOLT_RCODE_NXDOMAIN);
	bolt_build_question(&b, q, wname("nope.example.com", q), BOLT_TYPE_AAAA, 1);
	rr(&b, 1, "example.com", BOLT_TYPE_SOA,
	   "ns.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300");
	bolt_build_opt(&b, 4096, 0, false);
	len = bolt_build_finish(&b);
	put("msg", n++, buf, (size_t)len);

	/* PTR, unknown type, truncated flag, no question. */
	bolt_build_init(&b, buf, sizeof(buf), 4, resp | BOLT_FLAG_TC);
	rr(&b, 0, "1.0.18.198.in-addr.arpa", BOLT_TYPE_PTR, "host.example.");
	rr(&b, 0, "x.example", 65280, "\\# 6 c00c00010203");
	rr(&b, 2, "x.example", BOLT_TYPE_RRSIG, "\\# 0");
	len = bolt_build_finish(&b);
	put("msg", n++, buf, (size_t)len);

	/* More distinct names than the builder's compression table holds. */
	bolt_build_init(&b, buf, sizeof(buf), 6, resp);
	bolt_build_question(&b, q, wname("example.com", q), BOLT_TYPE_NS, 1);
	for (int i = 0; i < 80; i++) {
		char owner[64], target[64];
		snprintf(owner, sizeof(owner), "n%d.example.com", i);
		snprintf(target, sizeof(target), "t%d.n%d.example.com.", i, i % 9);
		rr(&b, 0, owner, BOLT_TYPE_CNAME, target);
	}
	len = bolt_build_finish(&b);
	put("msg", n++, buf, (size_t)len);

	/* The queries are messages too. */
	bolt_build_init(&b, buf, sizeof(buf), 5, 0);
	bolt_build_question(&b, q, wname("example.com", q), BOLT_TYPE_SOA, 1);
	len = bolt_build_finish(&b);
	put("msg", n++, buf, (size_t)len);
}

static void name_seeds(void)
{
	static const char *names[] = {
		"www.example.com.", ".", "example", "a\\.b.c\\\\d.", "\\000\\255\\032.x",
		"Mixed.CASE.Example.", "\\@\\$\\(\\)\\;\\\".",
		"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.",
		"xn--bcher-kva.example.",
		"123456789012345678901234567890123456789012345678901234567890123.x.",
	};
	int n = 0;
	for (size_t i = 0; i < BOLT_ARRAY_SIZE(names); i++)
		put("name_text", n++, names[i], strlen(names[i]));
	/* Wire names too (the target reads its input both ways). */
	put("name_text", n++, "\3www\7example\3com", 17);
	put("name_text", n++, "\1a\2\xff\x7f", 6);
}

static void rdata_seeds(void)
{
	/* First byte: index into the target's type table. */
	static const char *seeds[] = {
		"\x00" "198.18.0.1",
		"\x01" "ns1.example.com.",
		"\x02" "target.example.",
		"\x03" "ns.example. host\\.master.example. 1 7200 3600 1209600 300",
		"\x04" "ptr.example.",
		"\x05" "10 mail.example.",
		"\x06" "\"v=spf1 -all\" plain \"esc\\\"aped\\\\ \\255\"",
		"\x07" "2001:db8::1",
		"\x08" "0 5 53 ns1.example.",
		"\x09" "\\# 4 0a000001",
		"\x0a" "\\# 8 00 01 02 03 04 05 06 07",
		"\x00" "\\# 3 c00c00",
	};
	for (size_t i = 0; i < BOLT_ARRAY_SIZE(seeds); i++)
		put("rdata_text", (int)i, seeds[i], strlen(seeds[i] + 1) + 1);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s OUTDIR STAMP\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	static const char *targets[] = { "query", "msg", "name_text", "rdata_text", "cookie" };
	for (size_t i = 0; i < BOLT_ARRAY_SIZE(targets); i++) {
		char d[64];
		snprintf(d, sizeof(d), "seeds-%s", targets[i]);
		make_dir(d);
		snprintf(d, sizeof(d), "corpus-%s", targets[i]);
		make_dir(d);
	}
	query_seeds();
	msg_seeds();
	name_seeds();
	rdata_seeds();
	FILE *f = fopen(argv[2], "w");
	if (f == NULL || fprintf(f, "%d seeds\n", nfiles) < 0 || fclose(f) != 0) {
		perror(argv[2]);
		return 1;
	}
	return 0;
}
