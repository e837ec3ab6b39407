/* test_smtp_reply.c - unit tests for the SMTP reply parser. */
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
#include "arena.h"
#include "smtp_reply.h"
#include "util.h"

#define S(x)	x, sizeof(x) - 1

/* Real-world samples (shapes from Postfix, Exim, Exchange 2003 and the
 * masked forms in the behaviour reference) and malformed input. */
static const struct case_ {
	const char	*name;
	const char	*in;
	size_t		 len;
	size_t		 nreplies;
	/* first reply */
	int		 code;
	size_t		 nlines;
	unsigned	 anomalies;
	const char	*enh;		/* "c.s.d" or "" */
	const char	*last;		/* text of its last line */
} cases[] = {
	{ "postfix-ehlo", S("250-mail.example.org\r\n250-PIPELINING\r\n"
	    "250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n"
	    "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n"
	    "250-SMTPUTF8\r\n250 CHUNKING\r\n"),
	    1, 250, 11, 0, "", "CHUNKING" },
	{ "exchange2003-ehlo", S("250-mx.example.com Hello [192.0.2.1]\r\n"
	    "250-TURN\r\n250-SIZE\r\n250-ETRN\r\n250-PIPELINING\r\n250-DSN\r\n"
	    "250-ENHANCEDSTATUSCODES\r\n250-8bitmime\r\n250-BINARYMIME\r\n"
	    "250-CHUNKING\r\n250-VRFY\r\n250-X-EXPS GSSAPI NTLM LOGIN\r\n"
	    "250-X-EXPS=LOGIN\r\n250-AUTH GSSAPI NTLM LOGIN\r\n"
	    "250-AUTH=LOGIN\r\n250-X-LINK2STATE\r\n250-XEXCH50\r\n250 OK\r\n"),
	    1, 250, 18, 0, "", "OK" },
	{ "asa-masked-ehlo", S("250-mx.example.com Hello [192.0.2.1]\r\n"
	    "250-XXXXXXXA\r\n250-SIZE 10240000\r\n250 XXXXXXXXB\r\n"),
	    1, 250, 4, 0, "", "XXXXXXXXB" },
	{ "asa-masked-banner",
	    S("220 ************************************\r\n"), 1, 220, 1, 0,
	    "", "************************************" },
	{ "pix-2-0-banner", S("220 ****0**2***\r\n"), 1, 220, 1, 0, "",
	    "****0**2***" },
	/* PIX 5.1-6.3: "220-" becomes "220*" (behaviour reference 2). */
	{ "pix-masked-dash", S("220*****2*0**\r\n220 ****\r\n"), 2, 220, 1,
	    SMTP_REPLY_BAD_SEP, "", "*****2*0**" },
	{ "exim-greeting", S("220-mx.example.net ESMTP Exim 4.96\r\n"
	    "220-We do not authorize the use of this system\r\n220 \r\n"),
	    1, 220, 3, 0, "", "" },
	{ "relay-denied", S("554 5.7.1 <a@b.example>: Relay access denied\r\n"),
	    1, 554, 1, 0, "5.7.1", "5.7.1 <a@b.example>: Relay access denied" },
	{ "hash-enh", S("500 #5.5.1 command not recognized\r\n"), 1, 500, 1, 0,
	    "5.5.1", "#5.5.1 command not recognized" },
	{ "enh-last-line", S("250-2.0.0 first\r\n250 2.1.5 Ok\r\n"), 1, 250, 2,
	    0, "2.1.5", "2.1.5 Ok" },
	{ "enh-bad", S("250 2.1.5x\r\n"), 1, 250, 1, 0, "", "2.1.5x" },
	{ "code-only", S("250\r\n"), 1, 250, 1, 0, "", "" },
	{ "no-code", S("hello world\r\n"), 1, 0, 1, SMTP_REPLY_NO_CODE, "",
	    "hello world" },
	{ "no-code-mid", S("220-first\r\n**********\r\n220 x\r\n"), 2, 220, 2,
	    SMTP_REPLY_NO_CODE, "", "**********" },
	{ "bad-first-digit", S("999 nine\r\n"), 1, 0, 1, SMTP_REPLY_NO_CODE,
	    "", "999 nine" },
	{ "short", S("25\r\n"), 1, 0, 1, SMTP_REPLY_NO_CODE, "", "25" },
	{ "out-of-range", S("260 x\r\n"), 1, 260, 1, SMTP_REPLY_BAD_CODE, "",
	    "x" },
	{ "mismatch", S("250-a\r\n251 b\r\n"), 1, 250, 2,
	    SMTP_REPLY_CODE_MISMATCH, "", "b" },
	{ "bare-lf", S("250 ok\n"), 1, 250, 1, SMTP_REPLY_BARE_LF, "", "ok" },
	{ "bare-cr", S("250 o\rk\r\n"), 1, 250, 1, SMTP_REPLY_BARE_CR, "",
	    "o\rk" },
	{ "nul", S("250 o\0k\r\n"), 1, 250, 1, SMTP_REPLY_NUL, "", "o\0k" },
	{ "no-eol", S("221 bye"), 1, 221, 1, SMTP_REPLY_NO_EOL, "", "bye" },
	{ "incomplete", S("250-a\r\n250-b"), 1, 250, 2,
	    SMTP_REPLY_NO_EOL | SMTP_REPLY_INCOMPLETE, "", "b" },
	{ "incomplete-eol", S("250-a\r\n"), 1, 250, 1, SMTP_REPLY_INCOMPLETE,
	    "", "a" },
	{ "two-replies", S("220 hi\r\n250 ok\r\n"), 2, 220, 1, 0, "", "hi" },
	{ "empty", S(""), 0, 0, 0, 0, "", "" },
	{ "empty-line", S("\r\n"), 1, 0, 1, SMTP_REPLY_NO_CODE, "", "" },
	{ NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

static void
emit(struct buf *out, const struct smtp_reply *r)
{
	size_t i;

	assert_int_equal(buf_printf(out, "code=%d enh=%d.%d.%d n=%zu drop=%zu"
	    " anom=%04x off=%llu end=%llu\n", r->code, r->enh_class,
	    r->enh_subject, r->enh_detail, r->nlines, r->ndropped,
	    r->anomalies, (unsigned long long)r->off,
	    (unsigned long long)r->end), 0);
	for (i = 0; i < r->nlines; i++) {
		const struct smtp_reply_line *l = &r->lines[i];

		assert_int_equal(l->text[l->len], '\0');
		assert_int_equal(buf_printf(out, "  %d%c%02x@%llu ", l->code,
		    l->sep ? l->sep : '0', l->line_flags,
		    (unsigned long long)l->off), 0);
		assert_int_equal(escape_wire(out, (const uint8_t *)l->text,
		    l->len, ESCAPE_TERM), 0);
		assert_int_equal(buf_append(out, "\n", 1), 0);
	}
}

/* When set, parse_chunks parses into this arena (dialog.c's way). */
static struct arena *g_arena;

/* Parse with chunk boundaries cuts[0..ncuts); keep the first reply. */
static size_t
parse_chunks(const uint8_t *in, size_t n, const size_t *cuts, size_t ncuts,
    struct buf *out, struct smtp_reply *first)
{
	struct smtp_reply_parser rp;
	struct smtp_reply r;
	size_t k, start = 0, nrep = 0;

	memset(&r, 0, sizeof(r));
	smtp_reply_parser_init(&rp, 0);
	if (g_arena != NULL)
		smtp_reply_parser_arena(&rp, g_arena);
	for (k = 0; k <= ncuts; k++) {
		size_t stop = k < ncuts ? cuts[k] : n;
		uint8_t *chunk = xmalloc(stop - start + 1);
		const uint8_t *p = chunk, *end = chunk + (stop - start);

		memcpy(chunk, in + start, stop - start);
		while (smtp_reply_feed(&rp, &p, end, &r) == SMTP_OK) {
			emit(out, &r);
			if (nrep++ == 0 && first != NULL)
				*first = r;
			else
				smtp_reply_clear(&r);
		}
		assert_ptr_equal(p, end);
		free(chunk);
		start = stop;
	}
	if (smtp_reply_finish(&rp, &r) == SMTP_OK) {
		emit(out, &r);
		if (nrep++ == 0 && first != NULL)
			*first = r;
		else
			smtp_reply_clear(&r);
	}
	assert_int_equal(smtp_reply_finish(&rp, &r), SMTP_AGAIN);
	smtp_reply_parser_free(&rp);
	return nrep;
}

/*
 * Segmentation invariance: whole, byte by byte and, when all_splits, at
 * every split point, with identical output.  Returns the reply count and
 * the first reply of the whole-input run in *first.
 */
static size_t
parse_all_ways(const uint8_t *in, size_t n, int all_splits,
    struct smtp_reply *first)
{
	struct buf whole, other;
	size_t *cuts = xcalloc(n + 1, sizeof(*cuts));
	size_t i, nrep;
	struct arena a;

	buf_init(&whole, 64 * 1024 * 1024);
	buf_init(&other, 64 * 1024 * 1024);
	nrep = parse_chunks(in, n, NULL, 0, &whole, first);
	for (i = 1; i < n; i++)
		cuts[i - 1] = i;
	assert_int_equal(parse_chunks(in, n, cuts, n > 0 ? n - 1 : 0,
	    &other, NULL), nrep);
	assert_string_equal(buf_cstr(&other), buf_cstr(&whole));
	for (i = 1; all_splits && i < n; i++) {
		buf_reset(&other);
		parse_chunks(in, n, &i, 1, &other, NULL);
		assert_string_equal(buf_cstr(&other), buf_cstr(&whole));
	}
	/* Byte by byte again, lines and texts in an arena. */
	arena_init(&a);
	g_arena = &a;
	buf_reset(&other);
	assert_int_equal(parse_chunks(in, n, cuts, n > 0 ? n - 1 : 0,
	    &other, NULL), nrep);
	assert_string_equal(buf_cstr(&other), buf_cstr(&whole));
	g_arena = NULL;
	arena_free(&a);
	buf_free(&whole);
	buf_free(&other);
	free(cuts);
	return nrep;
}

static void
test_cases(void **state)
{
	const struct case_ *c;
	struct smtp_reply r;
	char enh[32];

	(void)state;
	for (c = cases; c->name != NULL; c++) {
		memset(&r, 0, sizeof(r));
		print_message("case %s\n", c->name);
		assert_int_equal(parse_all_ways((const uint8_t *)c->in, c->len,
		    1, &r), c->nreplies);
		if (c->nreplies == 0)
			continue;
		assert_int_equal(r.code, c->code);
		assert_int_equal(r.nlines, c->nlines);
		assert_int_equal(r.anomalies, c->anomalies);
		enh[0] = '\0';
		if (r.enh_class != -1)
			snprintf(enh, sizeof(enh), "%d.%d.%d", r.enh_class,
			    r.enh_subject, r.enh_detail);
		assert_string_equal(enh, c->enh);
		assert_int_equal(r.lines[r.nlines - 1].len, strlen(c->last) +
		    (strcmp(c->name, "nul") == 0 ? 2 : 0));
		assert_memory_equal(r.lines[r.nlines - 1].text, c->last,
		    r.lines[r.nlines - 1].len);
		assert_int_equal(r.off, 0);
		smtp_reply_clear(&r);
	}
}

/* 10,000 lines: bounded storage, the final line always kept. */
static void
test_many_lines(void **state)
{
	struct buf in;
	struct smtp_reply r;
	size_t i;

	(void)state;
	buf_init(&in, 0);
	for (i = 0; i < 9999; i++)
		assert_int_equal(buf_printf(&in, "250-line %zu\r\n", i), 0);
	assert_int_equal(buf_append_str(&in, "250 end\r\n"), 0);
	memset(&r, 0, sizeof(r));
	assert_int_equal(parse_all_ways(in.data, in.len, 0, &r), 1);
	assert_int_equal(r.nlines, MG_REPLY_LINES_MAX);
	assert_int_equal(r.ndropped, 10000 - MG_REPLY_LINES_MAX);
	assert_int_equal(r.anomalies, SMTP_REPLY_TOO_MANY_LINES);
	assert_string_equal(r.lines[0].text, "line 0");
	assert_string_equal(r.lines[r.nlines - 2].text, "line 254");
	assert_string_equal(r.lines[r.nlines - 1].text, "end");
	assert_int_equal(r.end, in.len);
	smtp_reply_clear(&r);
	buf_free(&in);
}

/* A line past MG_LINE_MAX is cut and flagged; the next reply is intact. */
static void
test_overlong(void **state)
{
	struct buf in;
	struct smtp_reply_parser rp;
	struct smtp_reply r;
	const uint8_t *p, *end;
	size_t i;

	(void)state;
	buf_init(&in, 0);
	assert_int_equal(buf_append_str(&in, "250 "), 0);
	for (i = 0; i < 5000; i++)
		assert_int_equal(buf_append(&in, "a", 1), 0);
	assert_int_equal(buf_append_str(&in, "\r\n221 bye\r\n"), 0);
	smtp_reply_parser_init(&rp, 0);
	p = in.data;
	end = in.data + in.len;
	memset(&r, 0, sizeof(r));
	assert_int_equal(smtp_reply_feed(&rp, &p, end, &r), SMTP_OK);
	assert_int_equal(r.code, 250);
	assert_int_equal(r.anomalies,
	    SMTP_REPLY_OVERLONG | SMTP_REPLY_RFC_LONG);
	assert_int_equal(r.lines[0].len, MG_LINE_MAX - 4);
	smtp_reply_clear(&r);
	assert_int_equal(smtp_reply_feed(&rp, &p, end, &r), SMTP_OK);
	assert_int_equal(r.code, 221);
	assert_int_equal(r.anomalies, 0);
	assert_int_equal(r.off, 5006);
	smtp_reply_clear(&r);
	assert_int_equal(smtp_reply_feed(&rp, &p, end, &r), SMTP_AGAIN);
	smtp_reply_parser_free(&rp);
	smtp_reply_parser_free(NULL);
	smtp_reply_clear(NULL);
	buf_free(&in);
}

/* After a capture gap the partial reply is dropped; offsets continue. */
static void
test_reset(void **state)
{
	struct smtp_reply_parser rp;
	struct smtp_reply r;
	const uint8_t *p = (const uint8_t *)"250-a\r\n250-b", *q;

	(void)state;
	smtp_reply_parser_init(&rp, 0);
	memset(&r, 0, sizeof(r));
	assert_int_equal(smtp_reply_feed(&rp, &p, p + 12, &r), SMTP_AGAIN);
	smtp_reply_parser_reset(&rp, 100);
	q = (const uint8_t *)"354 go\r\n";
	assert_int_equal(smtp_reply_feed(&rp, &q, q + 8, &r), SMTP_OK);
	assert_int_equal(r.code, 354);
	assert_int_equal(r.nlines, 1);
	assert_int_equal(r.off, 112);
	smtp_reply_clear(&r);
	assert_int_equal(smtp_reply_finish(&rp, &r), SMTP_AGAIN);
	smtp_reply_parser_free(&rp);
}

static const struct line_case {
	const char	*in;
	int		 code;
	char		 sep;
	size_t		 textoff;
	unsigned	 anom;
} line_cases[] = {
	{ "250-PIPELINING", 250, '-', 4, 0 },
	{ "250 OK", 250, ' ', 4, 0 },
	{ "250", 250, 0, 3, 0 },
	{ "220*****", 220, 0, 3, SMTP_REPLY_BAD_SEP },
	{ "2500 x", 250, 0, 3, SMTP_REPLY_BAD_SEP },
	{ "150 x", 150, ' ', 4, 0 },
	{ "199 x", 199, ' ', 4, SMTP_REPLY_BAD_CODE },
	{ "099 x", 0, 0, 0, SMTP_REPLY_NO_CODE },
	{ "699 x", 0, 0, 0, SMTP_REPLY_NO_CODE },
	{ "2x0 x", 0, 0, 0, SMTP_REPLY_NO_CODE },
	{ "590 x", 590, ' ', 4, SMTP_REPLY_BAD_CODE },
	{ "", 0, 0, 0, SMTP_REPLY_NO_CODE },
	{ "XXXX", 0, 0, 0, SMTP_REPLY_NO_CODE },
	{ NULL, 0, 0, 0, 0 }
};

static void
test_parse_line(void **state)
{
	const struct line_case *c;
	int code;
	char sep;
	size_t off;

	(void)state;
	for (c = line_cases; c->in != NULL; c++) {
		assert_int_equal(smtp_reply_parse_line((const uint8_t *)c->in,
		    strlen(c->in), &code, &sep, &off), c->anom);
		assert_int_equal(code, c->code);
		assert_int_equal(sep, c->sep);
		assert_int_equal(off, c->textoff);
	}
}

static const struct enh_case {
	const char	*in;
	int		 rc, c, s, d;
} enh_cases[] = {
	{ "5.7.1 denied", 0, 5, 7, 1 },
	{ "2.0.0", 0, 2, 0, 0 },
	{ "#5.5.1 unknown", 0, 5, 5, 1 },
	{ "4.123.999 x", 0, 4, 123, 999 },
	{ "4.1234.9 x", -1, 0, 0, 0 },
	{ "3.1.1 x", -1, 0, 0, 0 },
	{ "5.7 x", -1, 0, 0, 0 },
	{ "5..1 x", -1, 0, 0, 0 },
	{ "5.1.", -1, 0, 0, 0 },
	{ "5.1.1x", -1, 0, 0, 0 },
	{ "", -1, 0, 0, 0 },
	{ "#", -1, 0, 0, 0 },
	{ NULL, 0, 0, 0, 0 }
};

static void
test_parse_enh(void **state)
{
	const struct enh_case *c;
	int cl, s, d;

	(void)state;
	for (c = enh_cases; c->in != NULL; c++) {
		cl = s = d = -7;
		assert_int_equal(smtp_reply_parse_enh(c->in, strlen(c->in),
		    &cl, &s, &d), c->rc);
		if (c->rc == 0) {
			assert_int_equal(cl, c->c);
			assert_int_equal(s, c->s);
			assert_int_equal(d, c->d);
		} else
			assert_int_equal(cl, -7);
	}
}

static void
test_text_and_names(void **state)
{
	static const uint8_t in[] = "250-a\r\n250 b c\r\n";
	struct smtp_reply_parser rp;
	struct smtp_reply r;
	const uint8_t *p = in;
	struct buf b;
	unsigned bit;

	(void)state;
	smtp_reply_parser_init(&rp, 0);
	memset(&r, 0, sizeof(r));
	assert_int_equal(smtp_reply_feed(&rp, &p, in + sizeof(in) - 1, &r),
	    SMTP_OK);
	buf_init(&b, 0);
	assert_int_equal(smtp_reply_text(&r, &b), 0);
	assert_string_equal(buf_cstr(&b), "a\nb c");
	buf_free(&b);
	buf_init(&b, 3);
	assert_int_equal(smtp_reply_text(&r, &b), -1);
	buf_free(&b);
	smtp_reply_clear(&r);
	smtp_reply_parser_free(&rp);
	for (bit = 1; bit <= SMTP_REPLY_ANOMALY_MAX; bit <<= 1)
		assert_non_null(smtp_reply_anomaly_name(bit));
	assert_null(smtp_reply_anomaly_name(SMTP_REPLY_ANOMALY_MAX << 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_many_lines),
		cmocka_unit_test(test_overlong),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_parse_line),
		cmocka_unit_test(test_parse_enh),
		cmocka_unit_test(test_text_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
