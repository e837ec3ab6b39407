/* test_report_json.c - report_json writes exactly what jansson writes. */

#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "capture.h"
#include "fp_load.h"
#include "out_json.h"
#include "report.h"
#include "report_json.h"
#include "util.h"
#include "fp_fixture.h"

/* Strings jansson escapes, passes, or refuses (invalid UTF-8). */
static const struct str_case {
	const char	*name;
	const char	*s;
} str_cases[] = {
	{ "empty", "" },
	{ "plain", "250-mx.example.net" },
	{ "quote-backslash", "a\"b\\c\\\\\"" },
	{ "named-controls", "\b\f\n\r\t" },
	{ "other-controls", "\x01\x02\x0b\x0e\x1b\x1f x" },
	{ "del-slash", "a/b\x7f</script>" },
	{ "utf8-2", "caf\xc3\xa9" },
	{ "utf8-3", "\xe2\x80\xa8 \xe2\x80\xa9 \xef\xbb\xbf" },
	{ "utf8-4", "\xf0\x9f\x93\xa7 \xf4\x8f\xbf\xbf" },
	{ "lone-continuation", "a\x80" },
	{ "overlong-2", "\xc0\x80" },
	{ "overlong-c1", "\xc1\xbf" },
	{ "overlong-3", "\xe0\x80\x80" },
	{ "overlong-4", "\xf0\x80\x80\x80" },
	{ "surrogate", "\xed\xa0\x80" },
	{ "past-10ffff", "\xf4\x90\x80\x80" },
	{ "f5", "\xf5\x80\x80\x80" },
	{ "truncated-3", "ok \xe2\x82" },
	{ "truncated-4", "\xf0\x9f\x93" },
	{ "bad-continuation", "\xe2\x28\xa1" },
	{ "latin1", "\xe9t\xe9" },
	{ NULL, NULL },
};

/* What out_json_str() + json_dumps make of s. */
static char *
jansson_str(const char *s)
{
	json_t *j = json_string(s);
	char *out;

	if (j == NULL)
		j = json_string("");
	out = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(j);
	return out;
}

static void
test_strings(void **state)
{
	const struct str_case *c;
	struct buf b;
	json_t *j;
	char *want, one[2];
	int ch;

	(void)state;
	buf_init(&b, 0);
	for (c = str_cases; c->name != NULL; c++) {
		buf_reset(&b);
		assert_int_equal(report_json_string(&b, c->s), 0);
		want = jansson_str(c->s);
		if (strcmp(want, buf_cstr(&b)) != 0)
			fail_msg("%s: got %s want %s", c->name, buf_cstr(&b),
			    want);
		free(want);
		j = json_string(c->s);
		assert_int_equal(report_json_utf8_ok(c->s, strlen(c->s)),
		    j != NULL);
		json_decref(j);
	}
	/* One special byte (or UTF-8 pair) at every position of plain
	 * strings up to 40 bytes: the word-at-a-time scan's edges. */
	{
		static const char *const specials[] = { "\"", "\\", "\n",
			"\x01", "\x1f", "\x7f", "/", "\xc3\xa9", "\xc3",
			" ", NULL };
		char str[64];
		size_t len, pos, si, sl;

		for (si = 0; specials[si] != NULL; si++)
			for (len = 1; len <= 40; len++)
				for (pos = 0; pos < len; pos++) {
					sl = strlen(specials[si]);
					memset(str, 'a', len);
					memcpy(str + pos, specials[si], sl);
					str[pos + sl > len ? pos + sl : len] =
					    '\0';
					buf_reset(&b);
					assert_int_equal(report_json_string(&b,
					    str), 0);
					want = jansson_str(str);
					if (strcmp(want, buf_cstr(&b)) != 0)
						fail_msg("special %zu len %zu "
						    "pos %zu: %s / %s", si, len,
						    pos, buf_cstr(&b), want);
					free(want);
				}
	}
	/* Every single byte. */
	for (ch = 1; ch < 256; ch++) {
		one[0] = (char)ch;
		one[1] = '\0';
		buf_reset(&b);
		assert_int_equal(report_json_string(&b, one), 0);
		want = jansson_str(one);
		if (strcmp(want, buf_cstr(&b)) != 0)
			fail_msg("byte 0x%02x: got %s want %s", ch,
			    buf_cstr(&b), want);
		free(want);
	}
	buf_free(&b);
}

/* cmd_analyze's rendering through jansson, for comparison. */
static char *
jansson_session(const struct report *r, const struct report_json_extra *x)
{
	json_t *o = out_json_capture_session(r, x->file, x->kind, x->start,
	    x->end);
	char *s, *line;

	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	line = xasprintf("%s\n", s);
	free(s);
	return line;
}

static void
check_report(const struct report *r, const struct report_json_extra *x,
    const char *what)
{
	struct buf b;
	char *want;

	buf_init(&b, REPORT_JSON_CAP);
	assert_int_equal(report_json_session(&b, r, x), 0);
	want = jansson_session(r, x);
	if (strcmp(want, buf_cstr(&b)) != 0)
		fail_msg("%s:\n got  %s\n want %s", what, buf_cstr(&b), want);
	/* Again into the grown buffer: every string takes the in-place
	 * path (report_json_fast) instead of the appending one. */
	buf_reset(&b);
	assert_int_equal(report_json_session(&b, r, x), 0);
	if (strcmp(want, buf_cstr(&b)) != 0)
		fail_msg("%s (in place):\n got  %s\n want %s", what,
		    buf_cstr(&b), want);
	free(want);
	buf_free(&b);
}

struct sess_run {
	const char	*file;
	int		 n;
};

static void
on_session(struct capture_session *s, void *arg)
{
	struct sess_run *sr = arg;
	struct report_json_extra x = { .file = sr->file, .kind = "smtp",
		.start = "2020-09-13T12:26:40.000000Z", .end = "fin" };
	struct report *r;
	char what[256];

	if (s->t == NULL)
		return;
	r = report_from_capture_session(g_db, s->t, (size_t)s->id);
	snprintf(what, sizeof(what), "%s session %llu", sr->file,
	    (unsigned long long)s->id);
	check_report(r, &x, what);
	report_free(r);
	sr->n++;
}

/* Every SMTP session of every capture in captures/. */
static void
test_captures(void **state)
{
	const char *top = getenv("top_srcdir");
	char dir[1024], path[2048], errbuf[MG_ERRBUF_SIZE];
	struct sess_run sr = { .n = 0 };
	struct dirent *de;
	struct capture *c;
	DIR *d;
	size_t l;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/captures", top ? top : "..");
	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		l = strlen(de->d_name);
		if (!(l > 5 && strcmp(de->d_name + l - 5, ".pcap") == 0) &&
		    !(l > 7 && strcmp(de->d_name + l - 7, ".pcapng") == 0))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		sr.file = de->d_name;
		c = capture_new(NULL, on_session, &sr);
		(void)capture_run(c, path, errbuf);	/* bad-truncated */
		capture_free(c);
	}
	closedir(d);
	assert_true(sr.n >= 20);
}

/* A report with hostile bytes in every field jansson would see. */
static void
test_hostile_report(void **state)
{
	static const char *const vals[] = { "plain", "q\"b\\s\x01\x1f",
		"caf\xc3\xa9", "bad\xc3", "\xed\xa0\x80", "",
		/* Past 16 bytes: specials at each end of a block. */
		"0123456789abcde\"0123456789abcdef\\0123456789abcd\x7f\x1f",
		"\"0123456789abcdef0123456789abcdef\r\n\t\b\f\x01 tail",
		"0123456789abcdef0123456789abcdef caf\xc3\xa9 0123456789abcd",
		"0123456789abcdef0123456789abcdef bad\xc3 0123456789abcdef",
		NULL };
	struct report_json_extra x;
	struct report *r;
	size_t i;

	(void)state;
	for (i = 0; vals[i] != NULL; i++) {
		r = report_new();
		r->target = report_str(r, vals[i]);
		r->address = report_str(r, vals[i]);
		r->port = 25;
		r->is_capture = (int)(i & 1);
		r->session_index = i;
		r->client = report_str(r, vals[i]);
		r->verdict.family = FP_FAM_PIX;
		util_strlcpy(r->verdict.generation, vals[i],
		    sizeof(r->verdict.generation));
		r->verdict.confidence = -5;
		r->summary = i == 2 ? NULL : report_str(r, vals[i]);
		r->matched = arena_calloc(&r->arena, 1, sizeof(*r->matched));
		r->nmatched = 1;
		r->matched[0].name = report_str(r, vals[i]);
		r->matched[0].family = report_str(r, "pix");
		r->matched[0].generation = NULL;
		r->matched[0].ref = report_str(r, vals[i]);
		r->matched[0].weight = 40;
		r->matched[0].facts = arena_calloc(&r->arena, 2,
		    sizeof(char *));
		r->matched[0].facts[0] = report_str(r, vals[i]);
		r->matched[0].facts[1] = report_str(r, "x == 1");
		r->matched[0].nfacts = 2;
		r->fix = arena_calloc(&r->arena, 1, sizeof(char *));
		r->fix[0] = report_str(r, vals[i]);
		r->nfix = 1;
		r->fix_generation = report_str(r, vals[i]);
		r->anomalies = arena_calloc(&r->arena, 1, sizeof(char *));
		r->anomalies[0] = report_str(r, vals[i]);
		r->nanomalies = 1;
		r->dropped = 3;
		report_add_note(r, vals[i], vals[i]);
		x.file = vals[i];
		x.kind = "smtp";
		x.start = vals[i];
		x.end = "rst";
		check_report(r, &x, vals[i]);
		report_free(r);
	}
}

/* A line past the buffer's cap: -1, the buffer as it was. */
static void
test_cap(void **state)
{
	struct report_json_extra x = { .file = "f", .kind = "smtp",
		.start = "t", .end = "fin" };
	struct report *r = report_new();
	struct buf b;

	(void)state;
	r->target = report_str(r, "session 1");
	r->summary = report_str(r, "no SMTP interference found");
	util_strlcpy(r->verdict.generation, "none",
	    sizeof(r->verdict.generation));
	buf_init(&b, 64);
	assert_int_equal(buf_append_str(&b, "keep"), 0);
	assert_int_equal(report_json_session(&b, r, &x), -1);
	assert_int_equal(b.len, 4);
	assert_string_equal(buf_cstr(&b), "keep");
	buf_free(&b);
	report_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_captures),
		cmocka_unit_test(test_hostile_report),
		cmocka_unit_test(test_cap),
	};

	return cmocka_run_group_tests(tests, setup_db, teardown_db);
}
