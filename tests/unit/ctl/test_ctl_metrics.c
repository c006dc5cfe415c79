/*
 * The dataplane's port table as status, stats and /metrics show it, and the
 * Prometheus page rendered directly (the HTTP side is tested by
 * tests/unit/ctl/boltctl-test.sh with curl), with the harness of
 * ctl_harness.c.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_harness.h"

/* A DPDK port table as the dataplane fills it. */
static void fill_ports(struct bolt_port_table *t)
{
	memset(t, 0, sizeof(*t));
	t->io = BOLT_PORT_IO_DPDK;
	t->workers = 2;
	t->nports_total = 1;
	atomic_store(&t->updated, 1000);
	t->worker_lcore[0] = 3;
	t->worker_lcore[1] = 5;
	t->worker_tid[0] = 4242;
	t->worker_tid[1] = 4243;
	struct bolt_port_info *p = &t->port[0];
	strcpy(p->name, "0000:3b:00.0");
	strcpy(p->args, "rxq_cqe_comp_en=0");
	strcpy(p->driver, "net_ice");
	memcpy(p->mac, "\x02\x00\x5e\x10\xab\xcd", 6);
	p->port_id = 0;
	p->rx_queues = 2;
	p->tx_queues = 2;
	for (unsigned q = 0; q < BOLT_MAX_LCORES; q++)
		p->queue_lcore[q] = q == 0 ? 3 : q == 1 ? 5 : BOLT_PORT_NO_LCORE;
	atomic_store(&p->link_up, 1);
	atomic_store(&p->link_speed, 25000);
	atomic_store(&p->ctr.ipackets, 100);
	atomic_store(&p->ctr.opackets, 90);
	atomic_store(&p->ctr.ibytes, 6400);
	atomic_store(&p->ctr.obytes, 9000);
	atomic_store(&p->ctr.imissed, 7);
	atomic_store(&p->ctr.ierrors, 1);
	atomic_store(&p->ctr.oerrors, 2);
	atomic_store(&p->ctr.rx_nombuf, 3);
	atomic_store(&t->nports, 1);
}

static char *ports_text(bool json, uint64_t now)
{
	struct ctl_ports *ps = malloc(sizeof(*ps));
	struct sbuf b;
	struct ctl_out o;
	assert_non_null(ps);
	ctl_ports_read(S.region, ps);
	ctl_sbuf_init(&b);
	ctl_out_init(&o, &b, json);
	ctl_out_obj_begin(&o, "dataplane");
	ctl_ports_out(&o, ps, now);
	ctl_out_obj_end(&o);
	free(ps);
	size_t len;
	return ctl_sbuf_take(&b, &len);
}

static void test_ports_format(void **state)
{
	(void)state;
	struct bolt_port_table *t = bolt_region_ports(S.region);
	fill_ports(t);

	char *s = ports_text(false, 1002);
	assert_string_equal(s,
		"dataplane.io: dpdk\n"
		"dataplane.workers: 2\n"
		"dataplane.ports_updated_age: 2\n"
		"dataplane.worker.0.lcore: 3\n"
		"dataplane.worker.0.tid: 4242\n"
		"dataplane.worker.1.lcore: 5\n"
		"dataplane.worker.1.tid: 4243\n"
		"dataplane.port.0.name: 0000:3b:00.0\n"
		"dataplane.port.0.driver: net_ice\n"
		"dataplane.port.0.port_id: 0\n"
		"dataplane.port.0.args: rxq_cqe_comp_en=0\n"
		"dataplane.port.0.mac: 02:00:5e:10:ab:cd\n"
		"dataplane.port.0.link: up\n"
		"dataplane.port.0.speed_mbps: 25000\n"
		"dataplane.port.0.rx_queues: 2\n"
		"dataplane.port.0.tx_queues: 2\n"
		"dataplane.port.0.queue.0.lcore: 3\n"
		"dataplane.port.0.queue.1.lcore: 5\n"
		"dataplane.port.0.ipackets: 100\n"
		"dataplane.port.0.opackets: 90\n"
		"dataplane.port.0.ibytes: 6400\n"
		"dataplane.port.0.obytes: 9000\n"
		"dataplane.port.0.imissed: 7\n"
		"dataplane.port.0.ierrors: 1\n"
		"dataplane.port.0.oerrors: 2\n"
		"dataplane.port.0.rx_nombuf: 3\n");
	free(s);

	s = ports_text(true, 1002);
	assert_string_equal(s,
		"\"dataplane\":{\"io\":\"dpdk\",\"workers\":2,\"ports_updated_age\":2,"
		"\"worker\":{\"0\":{\"lcore\":3,\"tid\":4242},\"1\":{\"lcore\":5,\"tid\":4243}},"
		"\"port\":{\"0\":{\"name\":\"0000:3b:00.0\",\"driver\":\"net_ice\",\"port_id\":0,"
		"\"args\":\"rxq_cqe_comp_en=0\",\"mac\":\"02:00:5e:10:ab:cd\",\"link\":\"up\","
		"\"speed_mbps\":25000,\"rx_queues\":2,\"tx_queues\":2,"
		"\"queue\":{\"0\":{\"lcore\":3},\"1\":{\"lcore\":5}},\"ipackets\":100,\"opackets\":90,"
		"\"ibytes\":6400,\"obytes\":9000,\"imissed\":7,\"ierrors\":1,\"oerrors\":2,"
		"\"rx_nombuf\":3}}}");
	free(s);

	/* io = socket: listen addresses and worker threads, no NIC fields */
	memset(t, 0, sizeof(*t));
	t->io = BOLT_PORT_IO_SOCKET;
	t->workers = 1;
	t->nports_total = 1;
	t->worker_tid[0] = 77;
	strcpy(t->port[0].name, "[::1]@53");
	strcpy(t->port[0].driver, "socket");
	t->port[0].rx_queues = 1;
	t->port[0].queue_lcore[0] = 0;
	atomic_store(&t->nports, 1);
	s = ports_text(false, 0);
	assert_string_equal(s,
		"dataplane.io: socket\n"
		"dataplane.workers: 1\n"
		"dataplane.ports_updated_age: 0\n"
		"dataplane.worker.0.tid: 77\n"
		"dataplane.port.0.name: [::1]@53\n"
		"dataplane.port.0.driver: socket\n"
		"dataplane.port.0.sockets: 1\n"
		"dataplane.port.0.socket.0.worker: 0\n");
	free(s);

	/* A damaged table: unterminated strings, counts out of range, a
	 * control character. Bounded, one line per value, never a crash. */
	fill_ports(t);
	memset(t->port[0].name, 'n', sizeof(t->port[0].name));
	memset(t->port[0].args, 'a', sizeof(t->port[0].args));
	memset(t->port[0].driver, 'd', sizeof(t->port[0].driver));
	t->port[0].driver[3] = '\n';
	t->port[0].rx_queues = 60000;
	t->workers = 1000;
	t->nports_total = 9;
	atomic_store(&t->nports, 500);
	s = ports_text(false, 1000);
	char want[80];
	memset(want, 'n', 64);
	want[64] = '\0';
	assert_non_null(strstr(s, want));
	assert_null(strstr(s, "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"));
	assert_non_null(strstr(s, "dataplane.port.0.driver: ddd ddddd"));
	assert_non_null(strstr(s, "dataplane.port.7.name: "));
	assert_null(strstr(s, "dataplane.port.8."));
	assert_non_null(strstr(s, "dataplane.port.0.rx_queues: 16\n"));
	assert_non_null(strstr(s, "dataplane.worker.15.tid: "));
	assert_null(strstr(s, "dataplane.worker.16."));
	assert_non_null(strstr(s, "dataplane.ports_not_listed: 1\n"));
	free(s);

	/* through the server: status lists the port, stats shows the NIC
	 * counters relative to the last reset */
	fill_ports(t);
	srv_start();
	char *r = req("status");
	assert_true(ends_ok(r));
	assert_non_null(strstr(r, "dataplane.port.0.mac: 02:00:5e:10:ab:cd\n"));
	assert_non_null(strstr(r, "dataplane.port.0.link: up\n"));
	free(r);
	r = req("stats");
	assert_non_null(strstr(r, "port.0.name: 0000:3b:00.0\nport.0.ipackets: 100\n"));
	free(r);
	atomic_store(&t->port[0].ctr.ipackets, 130);
	atomic_store(&t->port[0].ctr.imissed, 10);
	r = req("stats_noreset");
	assert_non_null(strstr(r, "port.0.ipackets: 30\n"));
	assert_non_null(strstr(r, "port.0.imissed: 3\n"));
	free(r);
	r = req("json stats_noreset");
	assert_non_null(strstr(r, "\"port\":{\"0\":{\"name\":\"0000:3b:00.0\",\"ipackets\":30,"));
	free(r);
	srv_stop();
	atomic_store(&t->nports, 0);
}

/* /metrics carries the port table: link gauges and the NIC counters by
 * port name. */
static void test_metrics_ports(void **state)
{
	(void)state;
	struct bolt_port_table *t = bolt_region_ports(S.region);
	fill_ports(t);
	struct sbuf b;
	ctl_sbuf_init(&b);
	ctl_metrics_render(S.region, NULL, &b);
	assert_false(b.oom);
	const char *m = b.data;
	assert_non_null(strstr(m, "# TYPE boltdns_port_link_up gauge\n"
	                          "boltdns_port_link_up{port=\"0000:3b:00.0\"} 1\n"));
	assert_non_null(strstr(m, "boltdns_port_link_speed_mbps{port=\"0000:3b:00.0\"} 25000\n"));
	assert_non_null(strstr(m, "# TYPE boltdns_port_ipackets_total counter\n"
	                          "boltdns_port_ipackets_total{port=\"0000:3b:00.0\"} 100\n"));
	assert_non_null(strstr(m, "boltdns_port_imissed_total{port=\"0000:3b:00.0\"} 7\n"));
	assert_non_null(strstr(m, "boltdns_port_rx_nombuf_total{port=\"0000:3b:00.0\"} 3\n"));
	ctl_sbuf_free(&b);

	/* a name with a quote and a backslash is escaped as a label value */
	strcpy(t->port[0].name, "a\"b\\c");
	ctl_sbuf_init(&b);
	ctl_metrics_render(S.region, NULL, &b);
	assert_non_null(strstr(b.data, "boltdns_port_link_up{port=\"a\\\"b\\\\c\"} 1\n"));
	ctl_sbuf_free(&b);
	memset(t, 0, sizeof(*t));
}

/* The Prometheus page, rendered directly (the HTTP side is tested by
 * tests/unit/ctl/boltctl-test.sh with curl). */
static void test_metrics_render(void **state)
{
	(void)state;
	atomic_store(&S.region->hdr->dp_lcores, 1);
	set_counter(0, offsetof(struct bolt_lcore_stats, hits), 12);
	set_counter(0, offsetof(struct bolt_lcore_stats, rcode) + 3 * 8, 2);
	static struct bolt_ctl_sink sink;
	S.hs.upstream = 8;
	h_stats(&S.hs, &sink);
	struct sbuf b;
	ctl_sbuf_init(&b);
	ctl_metrics_render(S.region, &sink, &b);
	assert_false(b.oom);
	const char *t = b.data;
	assert_non_null(strstr(t, "# TYPE boltdns_hits_total counter\nboltdns_hits_total{lcore=\"0\"} 12\n"));
	assert_non_null(strstr(t, "boltdns_responses_total{lcore=\"0\",rcode=\"NXDOMAIN\"} 2\n"));
	assert_non_null(strstr(t, "boltdns_queries_by_type_total{lcore=\"0\",qtype=\"A\"} 0\n"));
	assert_non_null(strstr(t, "# TYPE boltdns_cache_entries gauge\n"));
	assert_non_null(strstr(t, "boltdns_cp_upstream_queries_total 8\n"));
	assert_non_null(strstr(t, "# TYPE boltdns_cp_resolution_seconds histogram\n"));
	assert_non_null(strstr(t, "boltdns_cp_resolution_seconds_bucket{le=\"0.001\"} 2\n"));
	assert_non_null(strstr(t, "boltdns_cp_resolution_seconds_bucket{le=\"+Inf\"} 8\n"));
	assert_non_null(strstr(t, "boltdns_cp_resolution_seconds_count 8\n"));
	assert_null(strstr(t, "lcore=\"1\""));
	assert_null(strstr(t, "boltdns_port_")); /* no dataplane ports described yet */
	/* every line is a comment or "name{labels} value" */
	for (const char *l = t; *l; l = strchr(l, '\n') + 1) {
		assert_non_null(strchr(l, '\n'));
		if (*l == '#')
			continue;
		assert_true(strncmp(l, "boltdns_", 8) == 0);
		const char *sp = strchr(l, ' ');
		assert_true(sp && sp < strchr(l, '\n'));
	}
	ctl_sbuf_free(&b);
	atomic_store(&S.region->hdr->dp_lcores, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ports_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics_ports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics_render, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
