/* test_transcript.c - unit tests for the transcript model and its caps. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mg_limits.h"
#include "transcript.h"

static void
test_segments_kept(void **state)
{
	struct transcript *t = transcript_new("greeting");
	const uint8_t *p;
	size_t len;

	(void)state;
	transcript_set_peers(t, "192.0.2.1", 40000, "192.0.2.25", 25);
	transcript_event(t, TR_EV_CONNECT, TR_C2S, 10);
	transcript_data(t, TR_S2C, 20, 1000, (const uint8_t *)"220 a\r\n", 7);
	transcript_data(t, TR_C2S, 30, -1, (const uint8_t *)"E", 1);
	transcript_data(t, TR_C2S, 31, -1, (const uint8_t *)"HLO x\r\n", 7);
	transcript_gap(t, TR_S2C, 40, 100);
	transcript_anomaly(t, TR_S2C, 41, "bare-lf", "at %d", 3);
	transcript_note(t, TR_C2S, 42, "probe %s", "ehlo");

	assert_string_equal(t->label, "greeting");
	assert_string_equal(t->server, "192.0.2.25");
	assert_int_equal(t->sport, 25);
	assert_int_equal(t->nev, 7);
	assert_int_equal(t->ev[1].kind, TR_EV_DATA);
	assert_int_equal(t->ev[1].have_seq, 1);
	assert_int_equal(t->ev[1].seq, 1000);
	assert_int_equal(t->ev[2].off, 0);
	assert_int_equal(t->ev[2].len, 1);
	assert_int_equal(t->ev[3].off, 1);
	assert_int_equal(t->ev[3].len, 7);
	assert_int_equal(t->ev[3].have_seq, 0);
	assert_int_equal(t->ev[4].kind, TR_EV_GAP);
	assert_int_equal(t->ev[4].len, 100);
	assert_int_equal(t->ev[4].off, 7);
	assert_string_equal(t->ev[5].detail, "at 3");
	assert_string_equal(t->ev[6].detail, "probe ehlo");
	p = transcript_bytes(t, TR_C2S, &len);
	assert_int_equal(len, 8);
	assert_memory_equal(p, "EHLO x\r\n", 8);
	assert_int_equal(transcript_anomaly_count(t, "bare-lf"), 1);
	assert_int_equal(transcript_anomaly_count(t, "gap"), 0);
	assert_int_equal(t->start_us, 10);
	assert_int_equal(t->end_us, 42);
	transcript_free(t);
	transcript_free(NULL);
}

static void
test_tls_offsets(void **state)
{
	struct transcript *t = transcript_new(NULL);

	(void)state;
	transcript_data(t, TR_C2S, 1, -1, (const uint8_t *)"STARTTLS\r\n", 10);
	transcript_data(t, TR_S2C, 2, -1, (const uint8_t *)"220 go\r\n", 8);
	transcript_event(t, TR_EV_TLS, TR_S2C, 3);
	assert_int_equal(t->tls, 1);
	assert_int_equal(t->tls_off[TR_C2S], 10);
	assert_int_equal(t->tls_off[TR_S2C], 8);
	assert_string_equal(transcript_kind_name(TR_EV_TLS), "tls");
	assert_string_equal(transcript_dir_name(TR_S2C), "S>C");
	transcript_free(t);
}

static void
test_byte_cap(void **state)
{
	struct transcript *t = transcript_new("big");
	uint8_t *chunk = calloc(1, 65536);
	size_t i, len;

	(void)state;
	for (i = 0; i < MG_TRANSCRIPT_BYTES_MAX / 65536 + 4; i++)
		transcript_data(t, TR_S2C, i, -1, chunk, 65536);
	(void)transcript_bytes(t, TR_S2C, &len);
	assert_int_equal(len, MG_TRANSCRIPT_BYTES_MAX);
	assert_true(t->total[TR_S2C] ==
	    (uint64_t)(MG_TRANSCRIPT_BYTES_MAX / 65536 + 4) * 65536);
	assert_int_equal(transcript_anomaly_count(t, "transcript-truncated"), 1);
	free(chunk);
	transcript_free(t);
}

static void
test_event_and_anomaly_caps(void **state)
{
	struct transcript *t = transcript_new("many");
	size_t i;

	(void)state;
	for (i = 0; i < MG_TRANSCRIPT_ANOMALIES_MAX + 10; i++)
		transcript_anomaly(t, TR_S2C, i, "x", NULL);
	assert_int_equal(t->nanomalies, MG_TRANSCRIPT_ANOMALIES_MAX);
	assert_int_equal(t->anomalies_dropped, 10);
	for (i = 0; i < MG_TRANSCRIPT_EVENTS_MAX + 5; i++)
		transcript_data(t, TR_C2S, i, -1, (const uint8_t *)"a", 1);
	assert_int_equal(t->nev, MG_TRANSCRIPT_EVENTS_MAX);
	assert_true(t->events_dropped == 5 + MG_TRANSCRIPT_ANOMALIES_MAX);
	transcript_free(t);
}

/* A freed transcript comes back from transcript_new() as new: no bytes,
 * events, peers, TLS or TCP facts of the last one (pooled or not). */
static void
test_reuse_is_fresh(void **state)
{
	struct transcript *t, *u;
	size_t len, i;

	(void)state;
	transcript_pool_drain();
	t = transcript_new("first");
	transcript_set_peers(t, "192.0.2.1", 40000, "192.0.2.25", 25);
	t->tcp.have_syn[TR_C2S] = 1;
	t->tcp.mss[TR_C2S] = 1460;
	for (i = 0; i < 100; i++)
		transcript_data(t, TR_C2S, 10 + i, (int64_t)i,
		    (const uint8_t *)"MAIL FROM:<a@b>\r\n", 17);
	transcript_data(t, TR_S2C, 5, -1, (const uint8_t *)"220 x\r\n", 7);
	transcript_event(t, TR_EV_TLS, TR_C2S, 200);
	transcript_anomaly(t, TR_S2C, 201, "bare-lf", "at %d", 1);
	transcript_free(t);
	for (i = 0; i < 3; i++) {
		u = transcript_new("second");
		assert_string_equal(u->label, "second");
		assert_string_equal(u->client, "");
		assert_int_equal(u->cport, 0);
		assert_int_equal(u->nev, 0);
		assert_int_equal(u->nanomalies, 0);
		assert_int_equal(u->tls, 0);
		assert_int_equal(u->tls_off[TR_C2S], 0);
		assert_int_equal(u->start_us, 0);
		assert_int_equal(u->end_us, 0);
		assert_int_equal(u->total[TR_C2S], 0);
		assert_int_equal(u->tcp.have_syn[TR_C2S], 0);
		assert_int_equal(u->tcp.mss[TR_C2S], 0);
		(void)transcript_bytes(u, TR_C2S, &len);
		assert_int_equal(len, 0);
		(void)transcript_bytes(u, TR_S2C, &len);
		assert_int_equal(len, 0);
		assert_int_equal(u->stream[TR_C2S].cap,
		    MG_TRANSCRIPT_BYTES_MAX);
		transcript_data(u, TR_S2C, 7, -1, (const uint8_t *)"250 y\r\n",
		    7);
		assert_int_equal(u->nev, 1);
		assert_int_equal(u->ev[0].off, 0);
		assert_int_equal(u->start_us, 7);
		transcript_free(u);
	}
	/* One past the kept size is freed, not pooled; either way new. */
	t = transcript_new("big");
	for (i = 0; i < 200; i++) {
		static uint8_t blob[1024];

		transcript_data(t, TR_C2S, 1, -1, blob, sizeof(blob));
	}
	transcript_free(t);
	u = transcript_new("after");
	assert_int_equal(u->nev, 0);
	(void)transcript_bytes(u, TR_C2S, &len);
	assert_int_equal(len, 0);
	transcript_free(u);
	transcript_pool_drain();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_segments_kept),
		cmocka_unit_test(test_reuse_is_fresh),
		cmocka_unit_test(test_tls_offsets),
		cmocka_unit_test(test_byte_cap),
		cmocka_unit_test(test_event_and_anomaly_caps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
