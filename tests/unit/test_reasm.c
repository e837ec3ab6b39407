/* test_reasm.c - unit tests for per-direction TCP reassembly. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mg_limits.h"
#include "reasm.h"
#include "transcript.h"

#define SEGS_MAX	8

struct seg {
	int32_t		 rel;	/* offset from ISN + 1 */
	const char	*data;	/* NULL ends the list */
	int		 fin;
	int32_t		 ack;	/* > 0: peer acks ISN + 1 + ack after it */
	size_t		 wire;	/* 0: strlen(data) */
};

static const struct reasm_case {
	const char	*name;
	uint32_t	 isn;
	int		 midstream;	/* no SYN */
	struct seg	 segs[SEGS_MAX];
	const char	*want;		/* stream bytes */
	int		 ndata;		/* DATA events */
	int		 gaps;
	uint64_t	 gap_bytes;
	int		 diffs;		/* tcp-overlap-differs */
	int		 fin;		/* FIN events (0/1) */
	int		 gap_before_flush; /* GAP seen before reasm_flush */
} cases[] = {
	{ "in order", 1000, 0, { { 0, "abc", 0, 0, 0 }, { 3, "def", 0, 0, 0 },
	    { 0, NULL, 0, 0, 0 } }, "abcdef", 2, 0, 0, 0, 0, 0 },
	{ "reordered", 1000, 0, { { 3, "def", 0, 0, 0 },
	    { 0, "abc", 0, 0, 0 }, { 0, NULL, 0, 0, 0 } },
	    "abcdef", 2, 0, 0, 0, 0, 0 },
	{ "same retransmission", 7, 0, { { 0, "abc", 0, 0, 0 },
	    { 0, "abc", 0, 0, 0 }, { 3, "def", 0, 0, 0 },
	    { 0, NULL, 0, 0, 0 } }, "abcdef", 2, 0, 0, 0, 0, 0 },
	{ "resegmented retransmission", 7, 0, { { 0, "abcd", 0, 0, 0 },
	    { 0, "ab", 0, 0, 0 }, { 2, "cdef", 0, 0, 0 },
	    { 0, NULL, 0, 0, 0 } }, "abcdef", 2, 0, 0, 0, 0, 0 },
	{ "overlap differs, first wins", 7, 0, { { 0, "abcd", 0, 0, 0 },
	    { 0, "abXdef", 0, 0, 0 }, { 0, NULL, 0, 0, 0 } },
	    "abcdef", 2, 0, 0, 1, 0, 0 },
	{ "pending overlap differs", 7, 0, { { 4, "efgh", 0, 0, 0 },
	    { 4, "eXgh", 0, 0, 0 }, { 0, "abcd", 0, 0, 0 },
	    { 0, NULL, 0, 0, 0 } }, "abcdefgh", 2, 0, 0, 1, 0, 0 },
	{ "in-order data over pending keeps pending", 7, 0, {
	    { 4, "efgh", 0, 0, 0 }, { 0, "abcdEF", 0, 0, 0 },
	    { 0, NULL, 0, 0, 0 } }, "abcdefgh", 2, 0, 0, 1, 0, 0 },
	{ "gap at flush", 1, 0, { { 0, "abc", 0, 0, 0 },
	    { 6, "ghi", 0, 0, 0 }, { 0, NULL, 0, 0, 0 } },
	    "abcghi", 2, 1, 3, 0, 0, 0 },
	{ "gap proven by ack", 1, 0, { { 0, "abc", 0, 0, 0 },
	    { 6, "ghi", 0, 9, 0 }, { 9, "jk", 0, 0, 0 },
	    { 0, NULL, 0, 0, 0 } }, "abcghijk", 3, 1, 3, 0, 0, 1 },
	{ "wrap at 2^32", 0xfffffffdu, 0, { { 0, "abcd", 0, 0, 0 },
	    { 6, "gh", 0, 0, 0 }, { 4, "ef", 0, 0, 0 },
	    { 0, NULL, 0, 0, 0 } }, "abcdefgh", 3, 0, 0, 0, 0, 0 },
	{ "mid-stream start", 5000, 1, { { 10, "MAIL", 0, 0, 0 },
	    { 14, " FROM", 0, 0, 0 }, { 0, NULL, 0, 0, 0 } },
	    "MAIL FROM", 2, 0, 0, 0, 0, 0 },
	{ "mid-stream older segment is not invented", 5000, 1, {
	    { 10, "FROM", 0, 0, 0 }, { 5, "MAIL ", 0, 0, 0 },
	    { 0, NULL, 0, 0, 0 } }, "FROM", 1, 0, 0, 0, 0, 0 },
	{ "fin in order", 1, 0, { { 0, "QUIT\r\n", 1, 0, 0 },
	    { 0, NULL, 0, 0, 0 } }, "QUIT\r\n", 1, 0, 0, 0, 1, 0 },
	{ "fin before last data", 1, 0, { { 0, "QU", 0, 0, 0 },
	    { 4, "\r\n", 1, 0, 0 }, { 2, "IT", 0, 0, 0 },
	    { 0, NULL, 0, 0, 0 } }, "QUIT\r\n", 3, 0, 0, 0, 1, 0 },
	{ "fin after a hole", 1, 0, { { 0, "QU", 0, 0, 0 },
	    { 4, "\r\n", 1, 0, 0 }, { 0, NULL, 0, 0, 0 } },
	    "QU\r\n", 2, 1, 2, 0, 1, 0 },
	{ "acknowledged fin after lost bytes", 1, 0, { { 0, "QU", 0, 0, 0 },
	    { 4, "", 1, 5, 0 }, { 0, NULL, 0, 0, 0 } },
	    "QU", 1, 1, 2, 0, 1, 1 },
	{ "snaplen cut", 1, 0, { { 0, "abcd", 0, 0, 10 },
	    { 10, "xy", 0, 0, 0 }, { 0, NULL, 0, 0, 0 } },
	    "abcdxy", 2, 1, 6, 0, 0, 1 },
	{ NULL, 0, 0, { { 0, NULL, 0, 0, 0 } }, NULL, 0, 0, 0, 0, 0, 0 }
};

static void
count_events(const struct transcript *t, int *ndata, int *gaps,
    uint64_t *gap_bytes, int *fins)
{
	size_t i;

	*ndata = *gaps = *fins = 0;
	*gap_bytes = 0;
	for (i = 0; i < t->nev; i++) {
		if (t->ev[i].kind == TR_EV_DATA)
			(*ndata)++;
		if (t->ev[i].kind == TR_EV_GAP) {
			(*gaps)++;
			*gap_bytes += t->ev[i].len;
		}
		if (t->ev[i].kind == TR_EV_FIN)
			(*fins)++;
	}
}

static void
test_cases(void **state)
{
	const struct reasm_case *c;

	(void)state;
	for (c = cases; c->name != NULL; c++) {
		struct transcript *t = transcript_new(c->name);
		struct reasm r;
		const struct seg *s;
		const uint8_t *b;
		size_t blen;
		int ndata, gaps, fins, gaps_early;
		uint64_t gb;

		reasm_init(&r);
		if (!c->midstream)
			reasm_syn(&r, c->isn);
		for (s = c->segs; s->data != NULL; s++) {
			size_t n = strlen(s->data);

			reasm_data(&r, t, TR_C2S, 1, c->isn + 1 + (uint32_t)s->rel,
			    (const uint8_t *)s->data, n, s->wire ? s->wire : n,
			    s->fin);
			if (s->ack > 0)
				reasm_ack(&r, t, TR_C2S, 2,
				    c->isn + 1 + (uint32_t)s->ack);
		}
		count_events(t, &ndata, &gaps_early, &gb, &fins);
		reasm_flush(&r, t, TR_C2S, 3);
		count_events(t, &ndata, &gaps, &gb, &fins);
		b = transcript_bytes(t, TR_C2S, &blen);
		if (blen != strlen(c->want) || memcmp(b, c->want, blen) != 0)
			fail_msg("%s: stream '%.*s'", c->name, (int)blen, b);
		if (ndata != c->ndata || gaps != c->gaps ||
		    gb != c->gap_bytes || fins != c->fin)
			fail_msg("%s: data %d gaps %d/%llu fin %d", c->name,
			    ndata, gaps, (unsigned long long)gb, fins);
		assert_int_equal((int)transcript_anomaly_count(t,
		    "tcp-overlap-differs"), c->diffs);
		if (c->gap_before_flush)
			assert_true(gaps_early > 0);
		assert_null(r.pending);
		reasm_clear(&r);
		transcript_free(t);
	}
}

/* Segmentation invariance: whole, byte by byte, every split point, and
 * every split delivered in reverse order give the same stream. */
static void
test_invariance(void **state)
{
	static const char msg[] = "EHLO client.example\r\nMAIL FROM:<a@b>\r\n"
	    "RCPT TO:<c@d>\r\nDATA\r\n";
	size_t n = sizeof(msg) - 1, cut, i;
	const uint32_t isn = 0xffffffe0u;	/* crosses the wrap */

	(void)state;
	for (cut = 0; cut <= n + 1; cut++) {
		struct transcript *t = transcript_new("inv");
		struct reasm r;
		const uint8_t *b;
		size_t blen;

		reasm_init(&r);
		reasm_syn(&r, isn);
		if (cut == n + 1) {	/* byte by byte */
			for (i = 0; i < n; i++)
				reasm_data(&r, t, TR_C2S, 1,
				    isn + 1 + (uint32_t)i,
				    (const uint8_t *)msg + i, 1, 1, 0);
		} else {	/* second part first */
			reasm_data(&r, t, TR_C2S, 1, isn + 1 + (uint32_t)cut,
			    (const uint8_t *)msg + cut, n - cut, n - cut, 0);
			reasm_data(&r, t, TR_C2S, 2, isn + 1,
			    (const uint8_t *)msg, cut, cut, 0);
		}
		reasm_flush(&r, t, TR_C2S, 3);
		b = transcript_bytes(t, TR_C2S, &blen);
		assert_int_equal(blen, n);
		assert_memory_equal(b, msg, n);
		assert_true(r.gaps == 0);
		reasm_clear(&r);
		transcript_free(t);
	}
}

/* Holding more than MG_REASM_PENDING_MAX behind a hole gives the hole up
 * as a gap instead of growing. */
static void
test_pending_cap(void **state)
{
	struct transcript *t = transcript_new("cap");
	struct reasm r;
	static uint8_t chunk[1000];
	uint32_t seq = 100;
	size_t i;

	(void)state;
	memset(chunk, 'a', sizeof(chunk));
	reasm_init(&r);
	reasm_syn(&r, seq - 1);
	for (i = 0; i < 400; i++)
		reasm_data(&r, t, TR_C2S, i, seq + 50 + (uint32_t)(i * 1000),
		    chunk, sizeof(chunk), sizeof(chunk), 0);
	assert_true(r.pending_bytes <= MG_REASM_PENDING_MAX);
	assert_true(r.gaps == 1);
	assert_true(r.gap_bytes == 50);
	reasm_flush(&r, t, TR_C2S, 500);
	assert_true(t->total[TR_C2S] == 400 * 1000);
	reasm_clear(&r);
	transcript_free(t);
}

/* Many one-byte segments behind a hole, ascending and descending: the
 * segment cap turns the hole into a gap, everything arrives, quickly. */
static void
test_many_tiny(void **state)
{
	struct transcript *t = transcript_new("tiny");
	struct reasm r;
	uint32_t i, n = 3 * REASM_PENDING_SEGS_MAX;
	int pass;

	(void)state;
	for (pass = 0; pass < 2; pass++) {
		reasm_init(&r);
		reasm_syn(&r, 0);
		for (i = 0; i < n; i++) {
			uint32_t k = pass ? n - 1 - i : i;

			reasm_data(&r, t, TR_C2S, i, 100 + k,
			    (const uint8_t *)"x", 1, 1, 0);
			assert_true(r.npending <= REASM_PENDING_SEGS_MAX);
		}
		reasm_flush(&r, t, TR_C2S, n);
		assert_true(r.gaps >= 1);
		assert_null(r.pending);
		assert_true(r.npending == 0);
		reasm_clear(&r);
	}
	transcript_free(t);
}

/* Without a transcript (flow not kept) only the state advances. */
static void
test_no_transcript(void **state)
{
	struct reasm r;

	(void)state;
	reasm_init(&r);
	reasm_syn(&r, 10);
	reasm_data(&r, NULL, TR_S2C, 1, 14, (const uint8_t *)"xy", 2, 2, 1);
	reasm_data(&r, NULL, TR_S2C, 1, 11, (const uint8_t *)"abc", 3, 3, 0);
	assert_true(r.fin_done);
	assert_true(r.next == 16);
	reasm_clear(&r);
}

/* A segment whose payload the snap length cut entirely (no bytes, NULL
 * pointer), overlapping what came before: a gap, no pointer arithmetic
 * on NULL (UBSan checks this in the sanitizer build). */
static void
test_nothing_captured(void **state)
{
	struct transcript *t = transcript_new("cut");
	struct reasm r;

	(void)state;
	reasm_init(&r);
	reasm_syn(&r, 99);
	reasm_data(&r, t, TR_C2S, 1, 100, (const uint8_t *)"abcd", 4, 4, 0);
	reasm_data(&r, t, TR_C2S, 2, 102, NULL, 0, 10, 0);
	assert_true(r.next == 112);
	assert_true(r.gaps == 1 && r.gap_bytes == 8);
	reasm_clear(&r);
	transcript_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_invariance),
		cmocka_unit_test(test_pending_cap),
		cmocka_unit_test(test_no_transcript),
		cmocka_unit_test(test_nothing_captured),
		cmocka_unit_test(test_many_tiny),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
