/* test_escape.c - unit tests for the wire-bytes escaper. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "arena.h"
#include "escape.h"

static const struct case_ {
	const char	*in;
	size_t		 len;
	const char	*want;
} cases[] = {
	{ "", 0, "" },
	{ "220 mx ESMTP\r\n", 14, "220 mx ESMTP\\r\\n" },
	{ "a\\b", 3, "a\\\\b" },
	{ "tab\there", 8, "tab\\there" },
	{ "nul\0x", 5, "nul\\x00x" },
	{ "\x1b[2J", 4, "\\x1b[2J" },	/* terminal escape neutralised */
	{ "\x7f\x80\xff", 3, "\\x7f\\x80\\xff" },
	{ "\"quote\"", 7, "\"quote\"" },
	{ "220 ****0**2", 12, "220 ****0**2" },
	{ "caf\xc3\xa9", 5, "caf\\xc3\\xa9" },	/* UTF-8 bytes escaped */
	/* Printable runs copied whole: at the start, the end, alone,
	 * between escapes, cut by a backslash, at the range's edges. */
	{ "250-PIPELINING", 14, "250-PIPELINING" },
	{ "\r\nabc", 5, "\\r\\nabc" },
	{ "a\rb\nc", 5, "a\\rb\\nc" },
	{ "ab\\\\cd\\", 7, "ab\\\\\\\\cd\\\\" },
	{ " ~\x1f\x7f ~", 6, " ~\\x1f\\x7f ~" },
	{ "\x00\x00", 2, "\\x00\\x00" },
	{ "x", 1, "x" },
	{ NULL, 0, NULL }
};

static void
test_cases(void **state)
{
	const struct case_ *c;
	struct buf b;
	char *s;

	(void)state;
	for (c = cases; c->in != NULL; c++) {
		buf_init(&b, 0);
		assert_int_equal(escape_wire(&b, (const uint8_t *)c->in,
		    c->len, ESCAPE_TERM), 0);
		assert_int_equal(b.len, strlen(c->want));
		assert_memory_equal(b.data, c->want, b.len);
		assert_int_equal(escape_wire_len((const uint8_t *)c->in,
		    c->len), strlen(c->want));
		buf_free(&b);
		s = escape_wire_str((const uint8_t *)c->in, c->len,
		    ESCAPE_JSON, 0);
		assert_string_equal(s, c->want);
		free(s);
	}
}

/* Every byte value gives printable ASCII only, never a control char. */
static void
test_all_bytes_printable(void **state)
{
	uint8_t all[256];
	char *s, *q;
	int i;

	(void)state;
	for (i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	s = escape_wire_str(all, sizeof(all), ESCAPE_JSON, 0);
	for (q = s; *q != '\0'; q++)
		assert_true(*q >= 0x20 && *q <= 0x7e);
	assert_int_equal(strlen(s), escape_wire_len(all, sizeof(all)));
	free(s);
}

static void
test_truncation(void **state)
{
	char *s;

	(void)state;
	s = escape_wire_str((const uint8_t *)"abcdef\r\n", 8, ESCAPE_TERM, 4);
	assert_string_equal(s, "abcd...");
	free(s);
	s = escape_wire_str((const uint8_t *)"ab\r\n", 4, ESCAPE_TERM, 4);
	assert_string_equal(s, "ab\\r\\n");
	free(s);
}

/*
 * escape_wire_str_in into an arena must give want (wl bytes) both ways:
 * an empty arena (measured, then written) and one with room for the
 * worst case (written, then the end given back; the next block starts
 * right after the text).
 */
static void
check_in_arena(const uint8_t *in, size_t n, size_t cap, const char *want,
    size_t wl)
{
	struct arena a;
	char *s, *next;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		arena_init(&a);
		if (pass == 1)
			(void)arena_alloc(&a, 1);	/* a chunk with room */
		s = escape_wire_str_in(&a, in, n, cap);
		assert_int_equal(strlen(s), wl);
		assert_memory_equal(s, want, wl);
		next = arena_alloc(&a, 1);
		if (pass == 1)
			assert_true(next > s && (size_t)(next - s) <=
			    ((wl + 1 + ARENA_ALIGN - 1) &
			    ~(size_t)(ARENA_ALIGN - 1)));
		arena_free(&a);
	}
}

/*
 * escape_wire_str (printable runs copied whole) against escape_wire (byte
 * by byte) on mixed inputs, at every cap: the same text, "..." when cut.
 */
static void
test_runs_match_bytewise(void **state)
{
	static const uint8_t alphabet[] = "aZ ~\\\r\n\t\x00\x1f\x7f\x80\xff";
	uint8_t in[64];
	struct buf b;
	size_t i, n, cap, take;
	unsigned seed = 12345;
	char *s;

	(void)state;
	for (n = 0; n <= sizeof(in); n += 7) {
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			/* Long printable runs, then an escape now and then. */
			in[i] = (seed >> 16) % 4 ? (uint8_t)('a' + (seed >> 8)
			    % 26) : alphabet[(seed >> 20) %
			    (sizeof(alphabet) - 1)];
		}
		for (cap = 0; cap <= n + 1; cap++) {
			take = cap > 0 && cap < n ? cap : n;
			buf_init(&b, 0);
			assert_int_equal(escape_wire(&b, in, take,
			    ESCAPE_TERM), 0);
			if (take < n)
				buf_append(&b, "...", 3);
			s = escape_wire_str(in, n, ESCAPE_TERM, cap);
			assert_int_equal(strlen(s), b.len);
			assert_memory_equal(s, b.data, b.len);
			free(s);
			check_in_arena(in, n, cap, (const char *)b.data,
			    b.len);
			buf_free(&b);
		}
	}
}

/* The rule of escape.h, one byte at a time: the reference. */
static size_t
ref_escape(const uint8_t *p, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (p[i] == '\\') {
			out[k++] = '\\';
			out[k++] = '\\';
		} else if (p[i] == '\r' || p[i] == '\n' || p[i] == '\t') {
			out[k++] = '\\';
			out[k++] = p[i] == '\r' ? 'r' :
			    p[i] == '\n' ? 'n' : 't';
		} else if (p[i] >= 0x20 && p[i] <= 0x7e)
			out[k++] = (char)p[i];
		else {
			out[k++] = '\\';
			out[k++] = 'x';
			out[k++] = hex[p[i] >> 4];
			out[k++] = hex[p[i] & 15];
		}
	}
	return k;
}

/*
 * Long inputs (the sixteen-byte paths) against the reference: every
 * entry point, escape_wire both appending and in place (grown buffer),
 * at every offset of one special byte in a printable run.
 */
static void
test_long_reference(void **state)
{
	static const uint8_t specials[] = "\\\r\n\t\x00\x1f\x7f\x80\xff";
	uint8_t in[200];
	char want[4 * sizeof(in) + 1], *s, *to;
	struct buf b, grown;
	size_t n, pos, k, wl;
	unsigned seed = 777;

	(void)state;
	buf_init(&grown, 0);
	buf_append(&grown, want, sizeof(want));	/* room for any output */
	for (n = 0; n <= sizeof(in); n += 13)
		for (pos = 0; pos < n + 1; pos += 3)
			for (k = 0; k < sizeof(specials) - 1; k += 4) {
				memset(in, 'a' + (int)(n % 26), n);
				seed = seed * 1103515245u + 12345u;
				if (pos < n)
					in[pos] = specials[k];
				if (n > 40 && (seed >> 16) % 2)
					in[n - 1 - (seed >> 20) % 40] =
					    specials[(seed >> 8) %
					    (sizeof(specials) - 1)];
				wl = ref_escape(in, n, want);
				assert_int_equal(escape_wire_len(in, n), wl);
				to = malloc(wl + 1);
				assert_int_equal(escape_wire_to(to, in, n), wl);
				assert_memory_equal(to, want, wl);
				free(to);
				s = escape_wire_str(in, n, ESCAPE_TERM, 0);
				assert_int_equal(strlen(s), wl);
				assert_memory_equal(s, want, wl);
				free(s);
				check_in_arena(in, n, 0, want, wl);
				buf_init(&b, 0);
				assert_int_equal(escape_wire(&b, in, n,
				    ESCAPE_TERM), 0);
				assert_int_equal(b.len, wl);
				assert_memory_equal(b.data, want, wl);
				buf_free(&b);
				buf_reset(&grown);
				assert_int_equal(escape_wire(&grown, in, n,
				    ESCAPE_TERM), 0);
				assert_int_equal(grown.len, wl);
				assert_memory_equal(grown.data, want, wl);
			}
	buf_free(&grown);
}

/* At the buf cap: -1, and only whole escapes are kept. */
static void
test_cap(void **state)
{
	struct buf b;
	uint8_t big[1000];
	size_t i;

	(void)state;
	memset(big, 0x01, sizeof(big));
	buf_init(&b, 1000);
	assert_int_equal(escape_wire(&b, big, sizeof(big), ESCAPE_TERM), -1);
	assert_true(b.len <= 1000);
	assert_int_equal(b.len % 4, 0);
	for (i = 0; i < b.len; i += 4)
		assert_memory_equal(b.data + i, "\\x01", 4);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_all_bytes_printable),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_runs_match_bytewise),
		cmocka_unit_test(test_long_reference),
		cmocka_unit_test(test_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
