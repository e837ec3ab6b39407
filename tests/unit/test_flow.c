/* test_flow.c - unit tests for the flow table: roles, kinds, eviction. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capgen.h"
#include "flow.h"
#include "mg_limits.h"
#include "pcap_in.h"

#define CLOSED_MAX	16

struct closed {
	uint64_t	 id;
	enum flow_kind	 kind;
	enum flow_end	 end;
	uint16_t	 cport, sport;
	int		 had_t;
	uint16_t	 mss;
	uint8_t		 wscale;
	int		 sack;
	size_t		 c2s, s2c;	/* stored bytes */
};

struct rec {
	struct closed	 c[CLOSED_MAX];
	int		 n, news, others;
};

static void
on_flow(struct flow *f, enum flow_ev ev, void *arg)
{
	struct rec *r = arg;
	struct closed *c;

	if (ev == FLOW_EV_NEW) {
		r->news++;
		return;
	}
	if (ev == FLOW_EV_OTHER) {
		r->others++;
		return;
	}
	assert_true(r->n < CLOSED_MAX);
	c = &r->c[r->n++];
	c->id = f->id;
	c->kind = f->kind;
	c->end = f->end;
	c->cport = f->cport;
	c->sport = f->sport;
	c->had_t = f->t != NULL;
	if (f->t != NULL) {
		c->mss = f->t->tcp.mss[TR_C2S];
		c->wscale = f->t->tcp.wscale[TR_C2S];
		c->sack = f->t->tcp.sack_ok[TR_C2S];
		c->c2s = f->t->stream[TR_C2S].len;
		c->s2c = f->t->stream[TR_S2C].len;
	}
	flow_free(f);
}

/* Feed every record of g into a fresh table; flush at the end. */
static void
run(struct capgen *g, size_t max, uint64_t idle_us, struct rec *r,
    struct flow_stats *st)
{
	char errbuf[MG_ERRBUF_SIZE];
	struct pcap_in *in = pcap_in_fopen(capgen_fopen(g), "t", NULL, errbuf);
	struct flow_table *ft = flow_table_new(max, idle_us, on_flow, r);
	struct pcap_pkt k;
	int rc;

	assert_non_null(in);
	memset(r, 0, sizeof(*r));
	while ((rc = pcap_in_next(in, &k, errbuf)) > 0)
		if (rc == PCAP_IN_TCP)
			flow_input(ft, &k);
	assert_int_equal(rc, PCAP_IN_EOF);
	flow_table_flush(ft);
	*st = *flow_table_stats(ft);
	assert_int_equal(flow_table_active(ft), 0);
	flow_table_free(ft);
	pcap_in_free(in);
}

static const char greet[] = "220 mx ESMTP\r\n";
static const char ehlo[] = "EHLO c\r\n";

static const struct kind_case {
	const char	*name;
	uint16_t	 sport;
	int		 handshake;
	const char	*first;		/* first bytes sent */
	int		 first_side;
	const char	*second;	/* reply, or NULL (one side only) */
	enum flow_kind	 want;
	uint16_t	 want_sport;
} kind_cases[] = {
	{ "greeting any port", 8025, 1, greet, 1, ehlo, FLOW_SMTP, 8025 },
	{ "ehlo one side only", 9999, 1, ehlo, 0, NULL, FLOW_SMTP, 9999 },
	{ "http", 80, 1, "GET / HTTP/1.1\r\n", 0, "HTTP/1.1 200 OK\r\n",
	    FLOW_OTHER, 80 },
	{ "implicit tls 465", 465, 1, "\x16\x03\x01\x00\x05hello", 0, NULL,
	    FLOW_TLS, 465 },
	{ "tls on 25", 25, 1, "\x16\x03\x01\x00\x05hello", 0, NULL, FLOW_TLS,
	    25 },
	{ "mid-stream port 25", 25, 0, "MAIL FROM:<a@b>\r\n", 0,
	    "250 ok\r\n", FLOW_SMTP, 25 },
	{ "mid-stream server speaks first", 2525, 0, "250 ok\r\n", 1, NULL,
	    FLOW_SMTP, 2525 },
	{ "client speaks before greeting", 8025, 1, "MAIL FROM:<x>\r\n", 0,
	    greet, FLOW_SMTP, 8025 },
	{ "lowercase helo", 7000, 1, "helo x\r\n", 0, NULL, FLOW_SMTP, 7000 },
	{ "http connect tunnel", 8080, 1, "CONNECT mx:25 HTTP/1.0\r\n\r\n", 0,
	    "HTTP/1.0 200 Connection established\r\n\r\n220 mx\r\n",
	    FLOW_SMTP, 8080 },
	{ "http connect refused", 8080, 1, "CONNECT mx:25 HTTP/1.0\r\n\r\n",
	    0, "HTTP/1.0 403 Forbidden\r\n\r\n", FLOW_OTHER, 8080 },
	{ NULL, 0, 0, NULL, 0, NULL, FLOW_UNKNOWN, 0 }
};

static void
test_kinds(void **state)
{
	const struct kind_case *c;

	(void)state;
	for (c = kind_cases; c->name != NULL; c++) {
		struct capgen g;
		struct capgen_conn cn;
		struct rec r;
		struct flow_stats st;

		capgen_init(&g, CAPGEN_LT_RAW, 0, 0);
		capgen_conn_init(&cn, &g, "192.0.2.1", 40000, "192.0.2.2",
		    c->sport, 100, 200, 1000000);
		if (c->handshake)
			capgen_conn_handshake(&cn);
		capgen_conn_send(&cn, c->first_side, c->first,
		    strlen(c->first), 0);
		if (c->second != NULL)
			capgen_conn_send(&cn, !c->first_side, c->second,
			    strlen(c->second), 0);
		run(&g, 0, 0, &r, &st);
		if (r.n != 1 || r.c[0].kind != c->want ||
		    r.c[0].sport != c->want_sport)
			fail_msg("%s: n %d kind %s sport %u", c->name, r.n,
			    flow_kind_name(r.c[0].kind), r.c[0].sport);
		assert_int_equal(r.c[0].had_t, c->want == FLOW_SMTP);
		assert_int_equal(r.c[0].end, FLOW_END_EOF);
		assert_true(st.kind[c->want] == 1);
		if (c->sport == 8080 && c->want == FLOW_SMTP)
			assert_int_equal(r.c[0].s2c, 8);	/* "220 mx\r\n" */
		capgen_free(&g);
	}
}

static void
test_handshake_facts_and_fin(void **state)
{
	struct capgen g;
	struct capgen_conn cn;
	struct rec r;
	struct flow_stats st;

	(void)state;
	capgen_init(&g, CAPGEN_LT_EN10MB, 0, 0);
	capgen_conn_init(&cn, &g, "2001:db8::1", 40000, "2001:db8::2", 25,
	    0xfffffff0u, 7, 1000000);
	capgen_conn_handshake(&cn);
	capgen_conn_send(&cn, 1, greet, strlen(greet), 0);
	capgen_conn_send(&cn, 0, "QUIT\r\n", 6, 0);
	capgen_conn_fin(&cn, 0);
	capgen_conn_fin(&cn, 1);
	/* the last ACK must not open a ghost flow */
	capgen_conn_raw(&cn, 0, 0, NULL, 0, PCAP_TCP_ACK);
	run(&g, 0, 0, &r, &st);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.c[0].end, FLOW_END_FIN);
	assert_int_equal(r.c[0].mss, 1460);
	assert_int_equal(r.c[0].wscale, 7);
	assert_int_equal(r.c[0].sack, 1);
	assert_int_equal(r.c[0].c2s, 6);
	assert_int_equal(r.c[0].s2c, strlen(greet));
	assert_true(st.stray == 1);
	assert_true(st.evicted[FLOW_END_FIN] == 1);
	capgen_free(&g);
}

/* SYN-ACK seen without the SYN: its sender is still the server. */
static void
test_synack_role(void **state)
{
	struct capgen g;
	struct capgen_conn cn;
	struct capgen_pkt p;
	struct rec r;
	struct flow_stats st;
	int v6;

	(void)state;
	capgen_init(&g, CAPGEN_LT_RAW, 0, 0);
	memset(&p, 0, sizeof(p));
	capgen_addr("192.0.2.9", p.src, &v6);
	capgen_addr("192.0.2.1", p.dst, &v6);
	p.sport = 7777;
	p.dport = 1000;
	p.flags = PCAP_TCP_SYN | PCAP_TCP_ACK;
	capgen_pkt(&g, 5, &p);
	capgen_conn_init(&cn, &g, "192.0.2.1", 1000, "192.0.2.9", 7777, 0, 1,
	    10);
	capgen_conn_send(&cn, 1, greet, strlen(greet), 0);
	run(&g, 0, 0, &r, &st);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.c[0].sport, 7777);
	assert_int_equal(r.c[0].cport, 1000);
	assert_int_equal(r.c[0].kind, FLOW_SMTP);
	capgen_free(&g);
}

static void
test_evictions(void **state)
{
	struct capgen g;
	struct capgen_conn a, b, c, d;
	struct rec r;
	struct flow_stats st;

	(void)state;
	capgen_init(&g, CAPGEN_LT_RAW, 0, 0);
	capgen_conn_init(&a, &g, "10.0.0.1", 1001, "10.0.0.9", 25, 1, 1, 0);
	capgen_conn_init(&b, &g, "10.0.0.2", 1002, "10.0.0.9", 25, 1, 1,
	    1000);
	capgen_conn_init(&c, &g, "10.0.0.3", 1003, "10.0.0.9", 25, 1, 1,
	    2000);
	capgen_conn_init(&d, &g, "10.0.0.4", 1004, "10.0.0.9", 25, 1, 1,
	    90000000);
	capgen_conn_handshake(&a);	/* 1: RST */
	capgen_conn_handshake(&b);	/* 2: idle */
	capgen_conn_handshake(&c);	/* 3: evicted by the cap */
	capgen_conn_send(&a, 1, greet, strlen(greet), 0);
	capgen_conn_rst(&a, 0);
	capgen_conn_send(&b, 1, greet, strlen(greet), 0);
	capgen_conn_send(&c, 1, greet, strlen(greet), 0);
	capgen_conn_send(&b, 0, ehlo, strlen(ehlo), 0);
	/* 90 s later: idle limit 60 s evicts b and c before d opens */
	capgen_conn_handshake(&d);
	capgen_conn_send(&d, 1, greet, strlen(greet), 0);
	run(&g, 3, 60000000, &r, &st);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.c[0].id, 1);
	assert_int_equal(r.c[0].end, FLOW_END_RST);
	assert_true(st.evicted[FLOW_END_RST] == 1);
	assert_true(st.evicted[FLOW_END_IDLE] == 2);
	assert_true(st.evicted[FLOW_END_EOF] == 1);
	capgen_free(&g);

	/* cap: at most two flows; the least recently active goes. */
	capgen_init(&g, CAPGEN_LT_RAW, 0, 0);
	capgen_conn_init(&a, &g, "10.0.0.1", 1001, "10.0.0.9", 25, 1, 1, 0);
	capgen_conn_init(&b, &g, "10.0.0.2", 1002, "10.0.0.9", 25, 1, 1, 10);
	capgen_conn_init(&c, &g, "10.0.0.3", 1003, "10.0.0.9", 25, 1, 1, 20);
	capgen_conn_handshake(&a);
	capgen_conn_handshake(&b);
	a.ts_us = 1000;
	capgen_conn_send(&a, 1, greet, strlen(greet), 0);
	capgen_conn_handshake(&c);
	run(&g, 2, 0, &r, &st);
	assert_true(st.evicted[FLOW_END_CAP] == 1);
	assert_int_equal(r.c[0].id, 2);		/* b was the idlest */
	assert_int_equal(r.c[0].end, FLOW_END_CAP);
	assert_true(st.active_max == 2);
	capgen_free(&g);
}

/* Closes of test_many_open: count them and check each flow kept both
 * sides' bytes (a lookup that missed after the table grew would open a
 * second flow and split the stream). */
static void
on_many(struct flow *f, enum flow_ev ev, void *arg)
{
	struct rec *r = arg;

	if (ev == FLOW_EV_NEW) {
		r->news++;
		return;
	}
	if (ev == FLOW_EV_OTHER)
		return;
	assert_non_null(f->t);
	assert_int_equal(f->t->stream[TR_S2C].len, strlen(greet));
	assert_int_equal(f->t->stream[TR_C2S].len, strlen(ehlo));
	assert_int_equal(f->end, FLOW_END_FIN);
	r->n++;
	flow_free(f);
}

/* Hundreds of flows open at once, far past the table's first buckets:
 * the table grows while they are open and every packet still finds its
 * flow, in opening order and in reverse. */
static void
test_many_open(void **state)
{
	enum { N = 700 };
	static struct capgen_conn cn[N];
	char errbuf[MG_ERRBUF_SIZE], cli[32];
	struct capgen g;
	struct rec r;
	struct pcap_in *in;
	struct flow_table *ft;
	struct pcap_pkt k;
	int i, rc;

	(void)state;
	capgen_init(&g, CAPGEN_LT_RAW, 0, 0);
	for (i = 0; i < N; i++) {
		snprintf(cli, sizeof(cli), "10.%d.%d.1", i / 250, i % 250);
		capgen_conn_init(&cn[i], &g, cli, (uint16_t)(20000 + i),
		    "192.0.2.25", 25, (uint32_t)i * 7919u, 1, (uint64_t)i);
		capgen_conn_handshake(&cn[i]);
	}
	for (i = 0; i < N; i++)
		capgen_conn_send(&cn[i], 1, greet, strlen(greet), 0);
	for (i = N - 1; i >= 0; i--)
		capgen_conn_send(&cn[i], 0, ehlo, strlen(ehlo), 0);
	for (i = 0; i < N; i++) {
		capgen_conn_fin(&cn[i], 0);
		capgen_conn_fin(&cn[i], 1);
	}
	memset(&r, 0, sizeof(r));
	in = pcap_in_fopen(capgen_fopen(&g), "t", NULL, errbuf);
	assert_non_null(in);
	ft = flow_table_new(0, 0, on_many, &r);
	while ((rc = pcap_in_next(in, &k, errbuf)) > 0)
		if (rc == PCAP_IN_TCP)
			flow_input(ft, &k);
	assert_int_equal(rc, PCAP_IN_EOF);
	assert_int_equal(flow_table_stats(ft)->active_max, N);
	flow_table_flush(ft);
	assert_int_equal(r.news, N);
	assert_int_equal(r.n, N);
	assert_int_equal(flow_table_stats(ft)->flows, N);
	assert_int_equal(flow_table_active(ft), 0);
	flow_table_free(ft);
	pcap_in_free(in);
	capgen_free(&g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_handshake_facts_and_fin),
		cmocka_unit_test(test_synack_role),
		cmocka_unit_test(test_evictions),
		cmocka_unit_test(test_many_open),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
