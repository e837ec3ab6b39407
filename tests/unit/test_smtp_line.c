/* test_smtp_line.c - unit tests for the SMTP line framer. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "escape.h"
#include "mg_limits.h"
#include "smtp_line.h"
#include "util.h"

/*
 * Expected output: one text line per framed line,
 * "off-end len/full_len flags escaped-content".
 */
static const struct case_ {
	const char	*name;
	const char	*in;
	size_t		 len;
	size_t		 cap;
	const char	*want;
} cases[] = {
	{ "crlf", "220 hi\r\n", 8, 0, "0-8 6/6 00 220 hi\n" },
	{ "two", "250-a\r\n250 b\r\n", 14, 0,
	    "0-7 5/5 00 250-a\n7-14 5/5 00 250 b\n" },
	{ "bare-lf", "a\nb\r\n", 5, 0, "0-2 1/1 01 a\n2-5 1/1 00 b\n" },
	{ "empty-input", "", 0, 0, "" },
	{ "empty-lines", "\r\n\n", 3, 0, "0-2 0/0 00 \n2-3 0/0 01 \n" },
	{ "no-eol", "abc", 3, 0, "0-3 3/3 08 abc\n" },
	{ "no-eol-after-line", "a\r\nbc", 5, 0,
	    "0-3 1/1 00 a\n3-5 2/2 08 bc\n" },
	{ "cr-at-eof", "x\r", 2, 0, "0-2 2/2 08 x\\r\n" },
	{ "bare-cr", "a\rb\r\n", 5, 0, "0-5 3/3 20 a\\rb\n" },
	{ "cr-cr-lf", "ab\r\r\n", 5, 0, "0-5 3/3 20 ab\\r\n" },
	{ "nul", "a\0b\r\n", 5, 0, "0-5 3/3 10 a\\x00b\n" },
	{ "8bit", "\xe9t\xe9\r\n", 5, 0, "0-5 3/3 40 \\xe9t\\xe9\n" },
	{ "cap-exact", "01234567\r\nok\r\n", 14, 8,
	    "0-10 8/8 00 01234567\n10-14 2/2 00 ok\n" },
	{ "cap-plus-one", "012345678\r\n", 11, 8,
	    "0-11 8/9 02 01234567\n" },
	{ "overlong", "0123456789abc\r\nok\r\n", 19, 8,
	    "0-15 8/13 02 01234567\n15-19 2/2 00 ok\n" },
	{ "overlong-bare-lf", "0123456789\nz\n", 13, 8,
	    "0-11 8/10 03 01234567\n11-13 1/1 01 z\n" },
	{ "overlong-no-eol", "0123456789", 10, 8, "0-10 8/10 0a 01234567\n" },
	{ "cap-cr-kept", "0123456\r\r\n", 10, 8, "0-10 8/8 20 0123456\\r\n" },
	{ NULL, NULL, 0, 0, NULL }
};

static void
emit(struct buf *out, const struct smtp_line *l)
{
	assert_int_equal(buf_printf(out, "%llu-%llu %zu/%zu %02x ",
	    (unsigned long long)l->off, (unsigned long long)l->end, l->len,
	    l->full_len, l->flags), 0);
	assert_int_equal(escape_wire(out, l->p, l->len, ESCAPE_TERM), 0);
	assert_int_equal(buf_append(out, "\n", 1), 0);
}

/*
 * Frame in with the chunk boundaries cuts[0..ncuts) (sorted offsets).
 * Each chunk lives in its own allocation, freed right after it is fed,
 * so a line that wrongly points into an old chunk is caught by ASan.
 */
static void
frame_chunks(const uint8_t *in, size_t n, const size_t *cuts, size_t ncuts,
    size_t cap, struct buf *out)
{
	struct smtp_line_framer f;
	struct smtp_line l;
	size_t k, start = 0;

	smtp_line_init(&f, cap);
	for (k = 0; k <= ncuts; k++) {
		size_t stop = k < ncuts ? cuts[k] : n;
		uint8_t *chunk = xmalloc(stop - start + 1);
		const uint8_t *p = chunk, *end = chunk + (stop - start);

		memcpy(chunk, in + start, stop - start);
		while (smtp_line_feed(&f, &p, end, &l) == SMTP_OK)
			emit(out, &l);
		assert_ptr_equal(p, end);
		free(chunk);
		start = stop;
	}
	if (smtp_line_flush(&f, &l) == SMTP_OK)
		emit(out, &l);
	assert_int_equal(smtp_line_flush(&f, &l), SMTP_AGAIN);
	smtp_line_free(&f);
}

/*
 * The segmentation-invariance check: whole, byte by byte and split at
 * every point give identical output; returns the whole-input output.
 */
static char *
frame_all_ways(const uint8_t *in, size_t n, size_t cap)
{
	struct buf whole, other;
	size_t *cuts = xcalloc(n + 1, sizeof(*cuts));
	size_t i;
	char *res;

	buf_init(&whole, 0);
	frame_chunks(in, n, NULL, 0, cap, &whole);
	for (i = 1; i < n; i++)
		cuts[i - 1] = i;
	buf_init(&other, 0);
	frame_chunks(in, n, cuts, n > 0 ? n - 1 : 0, cap, &other);
	assert_string_equal(buf_cstr(&other), buf_cstr(&whole));
	for (i = 1; i < n; i++) {
		buf_reset(&other);
		frame_chunks(in, n, &i, 1, cap, &other);
		assert_string_equal(buf_cstr(&other), buf_cstr(&whole));
	}
	buf_free(&other);
	free(cuts);
	res = xstrdup(buf_cstr(&whole));
	buf_free(&whole);
	return res;
}

static void
test_cases(void **state)
{
	const struct case_ *c;
	char *got;

	(void)state;
	for (c = cases; c->name != NULL; c++) {
		got = frame_all_ways((const uint8_t *)c->in, c->len, c->cap);
		if (strcmp(got, c->want) != 0)
			print_error("case %s:\n got: %s\nwant: %s\n", c->name,
			    got, c->want);
		assert_string_equal(got, c->want);
		free(got);
	}
}

/* RFC 5321 4.5.3.1.4: 512 octets with CRLF is the longest legal line. */
static const struct rfc_case {
	size_t		 content;
	unsigned	 want;
} rfc_cases[] = {
	{ 510, 0 },
	{ 511, SMTP_LINE_RFC_LONG },
	{ 4096, SMTP_LINE_RFC_LONG },
	{ 4097, SMTP_LINE_RFC_LONG | SMTP_LINE_OVERLONG },
	{ 100000, SMTP_LINE_RFC_LONG | SMTP_LINE_OVERLONG },
	{ 0, 0 }
};

static void
test_rfc_lengths(void **state)
{
	const struct rfc_case *c;
	struct smtp_line_framer f;
	struct smtp_line l;

	(void)state;
	for (c = rfc_cases; c->content != 0; c++) {
		uint8_t *in = xmalloc(c->content + 2);
		const uint8_t *p = in;

		memset(in, 'a', c->content);
		memcpy(in + c->content, "\r\n", 2);
		smtp_line_init(&f, 0);
		assert_int_equal(smtp_line_feed(&f, &p, in + c->content + 2,
		    &l), SMTP_OK);
		assert_int_equal(l.flags, c->want);
		assert_int_equal(l.full_len, c->content);
		assert_int_equal(l.len, c->content < MG_LINE_MAX ?
		    c->content : MG_LINE_MAX);
		smtp_line_free(&f);
		free(in);
	}
}

/* After a gap, the partial line is dropped and offsets jump. */
static void
test_reset(void **state)
{
	struct smtp_line_framer f;
	struct smtp_line l;
	const uint8_t *p = (const uint8_t *)"abc", *q;

	(void)state;
	smtp_line_init(&f, 0);
	assert_int_equal(smtp_line_feed(&f, &p, p + 3, &l), SMTP_AGAIN);
	assert_int_equal(smtp_line_pending(&f), 3);
	smtp_line_reset(&f, 5);
	assert_int_equal(smtp_line_pending(&f), 0);
	q = (const uint8_t *)"def\r\n";
	assert_int_equal(smtp_line_feed(&f, &q, q + 5, &l), SMTP_OK);
	assert_int_equal(l.off, 8);
	assert_int_equal(l.end, 13);
	assert_int_equal(l.len, 3);
	assert_memory_equal(l.p, "def", 3);
	assert_int_equal(smtp_line_flush(&f, &l), SMTP_AGAIN);
	smtp_line_free(&f);
	smtp_line_free(NULL);
}

static void
test_flag_names(void **state)
{
	unsigned bit;

	(void)state;
	for (bit = 1; bit <= SMTP_LINE_8BIT; bit <<= 1)
		assert_non_null(smtp_line_flag_name(bit));
	assert_string_equal(smtp_line_flag_name(SMTP_LINE_BARE_LF),
	    "bare-lf");
	assert_null(smtp_line_flag_name(0x8000));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_rfc_lengths),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_flag_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
