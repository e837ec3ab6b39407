/* test_capture.c - unit tests for the capture pipeline (file to sessions). */
#include "config.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capgen.h"
#include "capture.h"
#include "mg_limits.h"

#define GOT_MAX	2048

struct got {
	uint64_t	 id[GOT_MAX];
	enum flow_kind	 kind[GOT_MAX];
	char		 label[GOT_MAX][64];
	int		 n;
	int		 smtp, tls, with_data, gaps;
	char		 first_client[64];
	uint16_t	 first_cport;
};

static void
on_session(struct capture_session *s, void *arg)
{
	struct got *g = arg;
	size_t i;

	if (g->n < GOT_MAX) {
		g->id[g->n] = s->id;
		g->kind[g->n] = s->kind;
		if (s->t != NULL)
			snprintf(g->label[g->n], sizeof(g->label[0]), "%s",
			    s->t->label);
	}
	if (g->n == 0 && s->t != NULL) {
		snprintf(g->first_client, sizeof(g->first_client), "%s",
		    s->t->client);
		g->first_cport = s->t->cport;
	}
	g->n++;
	g->smtp += s->kind == FLOW_SMTP;
	g->tls += s->kind == FLOW_TLS;
	if (s->t == NULL)
		return;
	if (s->t->total[TR_C2S] + s->t->total[TR_S2C] > 0)
		g->with_data++;
	for (i = 0; i < s->t->nev; i++)
		g->gaps += s->t->ev[i].kind == TR_EV_GAP;
}

static int
run_gen(struct capgen *g, struct got *got, const struct capture_opts *o,
    char *errbuf)
{
	struct capture *c = capture_new(o, on_session, got);
	int rc;

	memset(got, 0, sizeof(*got));
	rc = capture_run_fp(c, capgen_fopen(g), "gen", errbuf);
	capture_free(c);
	return rc;
}

static void
smtp_dialogue(struct capgen_conn *c)
{
	capgen_conn_send(c, 1, "220 mx ESMTP\r\n", 14, 0);
	capgen_conn_send(c, 0, "EHLO a\r\n", 8, 0);
	capgen_conn_send(c, 1, "250 mx\r\n", 8, 0);
}

/* Session 1 opens first and closes last: it is still delivered first. */
static void
test_first_packet_order(void **state)
{
	struct capgen g;
	struct capgen_conn a, b, c;
	struct got got;
	char errbuf[MG_ERRBUF_SIZE];

	(void)state;
	capgen_init(&g, CAPGEN_LT_EN10MB, 1, 0);
	capgen_conn_init(&a, &g, "192.0.2.1", 5001, "192.0.2.25", 25, 1, 2,
	    1000);
	capgen_conn_init(&b, &g, "192.0.2.2", 5002, "192.0.2.25", 25, 3, 4,
	    2000);
	capgen_conn_init(&c, &g, "192.0.2.3", 80, "192.0.2.80", 8080, 3, 4,
	    2500);
	capgen_conn_handshake(&a);
	capgen_conn_handshake(&b);
	capgen_conn_handshake(&c);
	capgen_conn_send(&c, 0, "GET / HTTP/1.0\r\n\r\n", 18, 0);
	capgen_conn_send(&c, 1, "HTTP/1.0 200 OK\r\n", 17, 0);
	smtp_dialogue(&b);
	capgen_conn_fin(&b, 0);
	capgen_conn_fin(&b, 1);
	smtp_dialogue(&a);
	capgen_conn_rst(&a, 1);
	assert_int_equal(run_gen(&g, &got, NULL, errbuf), 0);
	assert_int_equal(got.n, 2);
	assert_true(got.id[0] == 1 && got.id[1] == 2);
	assert_string_equal(got.label[0], "session 1");
	assert_string_equal(got.first_client, "192.0.2.1");
	assert_int_equal(got.first_cport, 5001);
	capgen_free(&g);
}

/* Damage after two sessions: both delivered, then the error. */
static void
test_damage_keeps_results(void **state)
{
	struct capgen g;
	struct capgen_conn a, b;
	struct got got;
	char errbuf[MG_ERRBUF_SIZE];

	(void)state;
	capgen_init(&g, CAPGEN_LT_EN10MB, 0, 0);
	capgen_conn_init(&a, &g, "192.0.2.1", 5001, "192.0.2.25", 25, 1, 2,
	    1000);
	capgen_conn_init(&b, &g, "192.0.2.2", 5002, "192.0.2.25", 25, 3, 4,
	    2000);
	capgen_conn_handshake(&a);
	capgen_conn_handshake(&b);
	smtp_dialogue(&a);
	smtp_dialogue(&b);
	capgen_conn_send(&a, 0, "QUIT\r\n", 6, 0);
	g.out.len -= 3;		/* cut the last record */
	errbuf[0] = '\0';
	assert_int_equal(run_gen(&g, &got, NULL, errbuf), -1);
	assert_int_equal(got.n, 2);
	assert_non_null(strstr(errbuf, "record 13"));
	assert_non_null(strstr(errbuf, "offset"));
	capgen_free(&g);
}

/* A connection that lives for the whole file does not hold back more
 * than CAPTURE_HOLD_MAX finished sessions. */
static void
test_hold_cap(void **state)
{
	struct capgen g;
	struct capgen_conn longc, c;
	struct got got;
	char errbuf[MG_ERRBUF_SIZE];
	int i, n = CAPTURE_HOLD_MAX + 20;

	(void)state;
	capgen_init(&g, CAPGEN_LT_RAW, 0, 0);
	capgen_conn_init(&longc, &g, "10.1.0.1", 4000, "10.9.0.1", 25, 1, 1,
	    0);
	capgen_conn_handshake(&longc);
	capgen_conn_send(&longc, 1, "220 x\r\n", 7, 0);
	for (i = 0; i < n; i++) {
		capgen_conn_init(&c, &g, "10.1.0.2", (uint16_t)(10000 + i),
		    "10.9.0.1", 25, 1, 1, 1000 + (uint64_t)i * 1000);
		capgen_conn_handshake(&c);
		capgen_conn_send(&c, 1, "220 x\r\n", 7, 0);
		capgen_conn_fin(&c, 0);
		capgen_conn_fin(&c, 1);
	}
	longc.ts_us = (uint64_t)n * 1000 + 5000;
	capgen_conn_send(&longc, 0, "QUIT\r\n", 6, 0);
	assert_int_equal(run_gen(&g, &got, NULL, errbuf), 0);
	assert_int_equal(got.n, n + 1);
	assert_true(got.id[0] != 1);	/* order relaxed under pressure */
	assert_true(got.id[got.n - 1] == 1 || got.id[0] == 2);
	capgen_free(&g);
}

static void
test_filter(void **state)
{
	struct capgen g;
	struct capgen_conn a, b;
	struct got got;
	struct capture_opts o;
	char errbuf[MG_ERRBUF_SIZE];

	(void)state;
	capgen_init(&g, CAPGEN_LT_EN10MB, 0, 0);
	capgen_conn_init(&a, &g, "192.0.2.1", 5001, "192.0.2.25", 25, 1, 2,
	    1000);
	capgen_conn_init(&b, &g, "192.0.2.2", 5002, "192.0.2.26", 25, 3, 4,
	    2000);
	capgen_conn_handshake(&a);
	capgen_conn_handshake(&b);
	smtp_dialogue(&a);
	smtp_dialogue(&b);
	memset(&o, 0, sizeof(o));
	o.filter = "host 192.0.2.26";
	assert_int_equal(run_gen(&g, &got, &o, errbuf), 0);
	assert_int_equal(got.n, 1);
	assert_true(got.id[0] == 1);
	capgen_free(&g);
}

/* A capture taken with snaplen 64: each payload is cut after a few bytes.
 * The sessions are still found (the first bytes say SMTP), the cut bytes
 * become gaps, nothing is invented. */
static void
test_snaplen64(void **state)
{
	struct capgen g, s;
	struct capgen_conn a;
	struct got got;
	char errbuf[MG_ERRBUF_SIZE];
	const uint8_t *p, *end;
	uint32_t cap, wire, sec, usec;

	(void)state;
	capgen_init(&g, CAPGEN_LT_EN10MB, 0, 0);
	capgen_conn_init(&a, &g, "192.0.2.1", 5001, "192.0.2.25", 25, 1, 2,
	    1000);
	capgen_conn_handshake(&a);
	smtp_dialogue(&a);
	capgen_conn_send(&a, 0, "MAIL FROM:<someone@example.org>\r\n", 33, 0);
	capgen_conn_fin(&a, 0);
	capgen_conn_fin(&a, 1);
	capgen_init(&s, CAPGEN_LT_EN10MB, 0, 0);
	s.out.data[16] = 64;	/* snaplen in the file header */
	s.out.data[17] = s.out.data[18] = s.out.data[19] = 0;
	p = g.out.data + 24;
	end = g.out.data + g.out.len;
	while (p + 16 <= end) {
		sec = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		usec = (uint32_t)p[4] | (uint32_t)p[5] << 8 |
		    (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
		cap = (uint32_t)p[8] | (uint32_t)p[9] << 8;
		wire = cap;
		capgen_record(&s, (uint64_t)sec * 1000000 + usec, p + 16,
		    cap < 64 ? cap : 64, wire);
		p += 16 + cap;
	}
	assert_int_equal(run_gen(&s, &got, NULL, errbuf), 0);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.smtp, 1);
	assert_int_equal(got.gaps, 2);	/* greeting and MAIL were cut */
	capgen_free(&g);
	capgen_free(&s);
}

/* The public third-party captures (when present) read without error. */
static void
test_public_captures(void **state)
{
	const char *top = getenv("top_srcdir");
	char dir[1024], path[2048], errbuf[MG_ERRBUF_SIZE];
	struct dirent *de;
	DIR *d;
	int files = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/../shared/captures-public",
	    top ? top : "..");
	if ((d = opendir(dir)) == NULL) {
		skip();
		return;
	}
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		struct capture *c;
		struct got got;

		if (!(l > 5 && strcmp(de->d_name + l - 5, ".pcap") == 0) &&
		    !(l > 7 && strcmp(de->d_name + l - 7, ".pcapng") == 0))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		memset(&got, 0, sizeof(got));
		c = capture_new(NULL, on_session, &got);
		if (capture_run(c, path, errbuf) != 0)
			fail_msg("%s: %s", de->d_name, errbuf);
		if (got.smtp + got.tls == 0)
			fail_msg("%s: no SMTP session found", de->d_name);
		capture_free(c);
		files++;
	}
	closedir(d);
	assert_true(files > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_packet_order),
		cmocka_unit_test(test_damage_keeps_results),
		cmocka_unit_test(test_hold_cap),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_snaplen64),
		cmocka_unit_test(test_public_captures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
