/* test_util.c - unit tests for util and buf. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "buf.h"
#include "util.h"

static const struct parse_case {
	const char	*in;
	uint64_t	 min, max;
	int		 rc;
	uint64_t	 want;
} parse_cases[] = {
	{ "0", 0, 10, 0, 0 },
	{ "10", 0, 10, 0, 10 },
	{ "11", 0, 10, -1, 0 },
	{ "", 0, 10, -1, 0 },
	{ "-1", 0, 10, -1, 0 },
	{ " 1", 0, 10, -1, 0 },
	{ "1x", 0, 10, -1, 0 },
	{ "18446744073709551615", 0, UINT64_MAX, 0, UINT64_MAX },
	{ "18446744073709551616", 0, UINT64_MAX, -1, 0 },
	{ "99999999999999999999999", 0, UINT64_MAX, -1, 0 },
	{ "65535", 1, 65535, 0, 65535 },
	{ NULL, 0, 0, 0, 0 }
};

static void
test_parse_u64(void **state)
{
	const struct parse_case *c;

	(void)state;
	for (c = parse_cases; c->in != NULL; c++) {
		uint64_t v = 12345;

		assert_int_equal(util_parse_u64(c->in, c->min, c->max, &v),
		    c->rc);
		if (c->rc == 0)
			assert_true(v == c->want);
		else
			assert_true(v == 12345);
	}
}

static void
test_strlcpy(void **state)
{
	char d[4];

	(void)state;
	assert_int_equal(util_strlcpy(d, "ab", sizeof(d)), 2);
	assert_string_equal(d, "ab");
	assert_int_equal(util_strlcpy(d, "abcdef", sizeof(d)), 6);
	assert_string_equal(d, "abc");
}

static void
test_buf_cap(void **state)
{
	struct buf b;
	int i;

	(void)state;
	buf_init(&b, 10);
	assert_int_equal(buf_append(&b, "12345", 5), 0);
	assert_int_equal(buf_append(&b, "67890", 5), 0);
	assert_int_equal(buf_append(&b, "x", 1), -1);
	assert_int_equal(b.len, 10);
	assert_memory_equal(b.data, "1234567890", 10);
	buf_consume(&b, 3);
	assert_string_equal(buf_cstr(&b), "4567890");
	assert_int_equal(buf_printf(&b, "%d", 123), 0);
	assert_int_equal(buf_printf(&b, "%d", 4), -1);
	assert_string_equal(buf_cstr(&b), "4567890123");
	buf_reset(&b);
	for (i = 0; i < 10; i++)
		assert_int_equal(buf_append(&b, "z", 1), 0);
	assert_int_equal(buf_append(&b, "z", 1), -1);
	buf_free(&b);
	buf_free(&b);
}

static void
test_all_byte(void **state)
{
	(void)state;
	assert_int_equal(util_all_byte("", 0, 'X'), 0);
	assert_int_equal(util_all_byte("X", 1, 'X'), 1);
	assert_int_equal(util_all_byte("XXXXXXXX", 8, 'X'), 1);
	assert_int_equal(util_all_byte("XXXXXXXA", 8, 'X'), 0);
	assert_int_equal(util_all_byte("XXXXXXXA", 7, 'X'), 1);
	assert_int_equal(util_all_byte("*x**", 4, '*'), 0);
	assert_int_equal(util_all_byte("\xff\xff", 2, 0xff), 1);
}

/* buf_room: storage for n more bytes and the NUL within the cap, the
 * content kept; past the cap nothing changes. */
static void
test_buf_room(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 100);
	assert_int_equal(buf_room(&b, 0), 1);
	assert_non_null(b.data);
	assert_int_equal(b.data[0], '\0');
	assert_int_equal(buf_append(&b, "abc", 3), 0);
	assert_int_equal(buf_room(&b, 90), 1);
	assert_true(b.size > b.len + 90);
	assert_string_equal(buf_cstr(&b), "abc");
	assert_int_equal(buf_room(&b, 97), 1);		/* len 3 + 97 = cap */
	assert_int_equal(buf_room(&b, 98), 0);		/* past the cap */
	assert_int_equal(buf_room(&b, (size_t)-1), 0);
	assert_int_equal(b.len, 3);
	assert_string_equal(buf_cstr(&b), "abc");
	buf_free(&b);
}

static void
test_buf_large_printf(void **state)
{
	struct buf b;
	char big[600];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_init(&b, 0);
	assert_int_equal(buf_printf(&b, "<%s>", big), 0);
	assert_int_equal(b.len, sizeof(big) + 1);
	buf_free(&b);
}

/* util_utc_iso against gmtime_r + strftime over dates that matter:
 * the epoch, leap days, century and 400-year rules, 2038, far years. */
static void
test_utc_iso(void **state)
{
	static const uint64_t secs[] = {
		0, 59, 86399, 86400, 951782400 /* 2000-02-29 */,
		951868799, 951868800, 1600000000, 1709164800 /* 2024-02-29 */,
		2147483647, 2147483648ULL, 4107542400ULL /* 2100-03-01 */,
		4107456000ULL /* 2100-02-28 */, 13574563200ULL /* 2400-02-29 */,
		253402300799ULL /* 9999-12-31T23:59:59 */,
	};
	char want[64], got[64], day[40];
	struct tm tm;
	time_t t;
	size_t i;
	uint64_t s;

	(void)state;
	for (i = 0; i < sizeof(secs) / sizeof(secs[0]) + 2000; i++) {
		s = i < sizeof(secs) / sizeof(secs[0]) ? secs[i] :
		    (uint64_t)(i * 7919) * 86413 % 253402300800ULL;
		t = (time_t)s;
		assert_non_null(gmtime_r(&t, &tm));
		assert_true(strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S",
		    &tm) > 0);
		snprintf(want, sizeof(want), "%s.%06uZ", day,
		    (unsigned)(i * 37 % 1000000));
		util_utc_iso(s * 1000000 + i * 37 % 1000000, got, sizeof(got));
		assert_string_equal(got, want);
	}
	util_utc_iso(1, got, 8);	/* truncated, terminated */
	assert_int_equal(strlen(got), 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_utc_iso),
		cmocka_unit_test(test_strlcpy),
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_buf_room),
		cmocka_unit_test(test_all_byte),
		cmocka_unit_test(test_buf_large_printf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
