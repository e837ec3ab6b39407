/* test_smtp_ext.c - unit tests for EHLO keywords and ASA mask decoding. */
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
#include "arena.h"
#include "smtp_ext.h"
#include "smtp_reply.h"

/*
 * want: the keywords in order, "|"-separated, each KEYWORD, then
 * "/Letter index len" when masked, "!hex" for anomalies, "=params".
 */
static const struct case_ {
	const char	*name;
	const char	*in;
	int		 rc;
	size_t		 nmasked;
	int		 consistent;
	const char	*want;
} cases[] = {
	{ "postfix", "250-mail.example.org\r\n250-PIPELINING\r\n"
	    "250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n"
	    "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n"
	    "250-SMTPUTF8\r\n250 CHUNKING\r\n", 0, 0, 0,
	    "PIPELINING|SIZE=10240000|VRFY|ETRN|STARTTLS|ENHANCEDSTATUSCODES|"
	    "8BITMIME|DSN|SMTPUTF8|CHUNKING" },
	{ "exchange2003", "250-mx.example.com Hello [192.0.2.1]\r\n"
	    "250-TURN\r\n250-SIZE\r\n250-ETRN\r\n250-PIPELINING\r\n250-DSN\r\n"
	    "250-ENHANCEDSTATUSCODES\r\n250-8bitmime\r\n250-BINARYMIME\r\n"
	    "250-CHUNKING\r\n250-VRFY\r\n250-X-EXPS GSSAPI NTLM LOGIN\r\n"
	    "250-X-EXPS=LOGIN\r\n250-AUTH GSSAPI NTLM LOGIN\r\n"
	    "250-AUTH=LOGIN\r\n250-X-LINK2STATE\r\n250-XEXCH50\r\n250 OK\r\n",
	    0, 0, 0,
	    "TURN|SIZE|ETRN|PIPELINING|DSN|ENHANCEDSTATUSCODES|8bitmime|"
	    "BINARYMIME|CHUNKING|VRFY|X-EXPS=GSSAPI NTLM LOGIN|X-EXPS==LOGIN|"
	    "AUTH=GSSAPI NTLM LOGIN|AUTH=!10=LOGIN|X-LINK2STATE|XEXCH50|OK" },
	/* Shapes seen in the public Zeek captures (Exim 4.94, Exchange). */
	{ "exim-4.94", "250-tinkyx390 Hello localhost [127.0.0.1]\r\n"
	    "250-SIZE 52428800\r\n250-8BITMIME\r\n250-PIPELINING\r\n"
	    "250-PIPE_CONNECT\r\n250-CHUNKING\r\n250-STARTTLS\r\n250-PRDR\r\n"
	    "250 HELP\r\n", 0, 0, 0,
	    "SIZE=52428800|8BITMIME|PIPELINING|PIPE_CONNECT!1|CHUNKING|"
	    "STARTTLS|PRDR|HELP" },
	{ "exchange-2007", "250-mx.example.ch Hello [192.0.2.7]\r\n"
	    "250-SIZE 52428800\r\n250-PIPELINING\r\n250-DSN\r\n"
	    "250-ENHANCEDSTATUSCODES\r\n250-STARTTLS\r\n250-X-ANONYMOUSTLS\r\n"
	    "250-AUTH\r\n250-X-EXPS NTLM\r\n250-8BITMIME\r\n250-BINARYMIME\r\n"
	    "250-CHUNKING\r\n250-XEXCH50\r\n250 XSHADOW\r\n", 0, 0, 0,
	    "SIZE=52428800|PIPELINING|DSN|ENHANCEDSTATUSCODES|STARTTLS|"
	    "X-ANONYMOUSTLS|AUTH|X-EXPS=NTLM|8BITMIME|BINARYMIME|CHUNKING|"
	    "XEXCH50|XSHADOW" },
	/* ASA inspect esmtp (behaviour reference 2): DELIVERBY, HELP. */
	{ "asa-two", "250-mx.example.com\r\n250-PIPELINING\r\n"
	    "250-XXXXXXXXA\r\n250-XXXB\r\n250 8BITMIME\r\n", 0, 2, 1,
	    "PIPELINING|XXXXXXXXA/A0 9|XXXB/B1 4|8BITMIME" },
	{ "asa-starttls", "250-mx\r\n250-SIZE 1000\r\n250 XXXXXXXA\r\n", 0, 1,
	    1, "SIZE=1000|XXXXXXXA/A0 8" },
	{ "asa-params-kept", "250-mx\r\n250 XXXXA LOGIN PLAIN\r\n", 0, 1, 1,
	    "XXXXA/A0 5=LOGIN PLAIN" },
	{ "out-of-order", "250-mx\r\n250-XXXXXXXB\r\n250 XXXA\r\n", 0, 2, 0,
	    "XXXXXXXB/B0 8!8|XXXA/A1 4!8" },
	{ "not-masked", "250-mx\r\n250-XEXCH50\r\n250-X-EXPS\r\n250-XXXXa\r\n"
	    "250-X\r\n250 XA\r\n", 0, 1, 1,
	    "XEXCH50|X-EXPS|XXXXa|X|XA/A0 2" },
	{ "bad-chars", "250-mx\r\n250-FOO_BAR 1\r\n250-\r\n250 -X\r\n", 0, 0, 0,
	    "FOO_BAR!1=1|!4|-X!1" },
	{ "one-line", "250 mx.example.com\r\n", 0, 0, 0, "" },
	{ "not-250", "500 5.5.1 unknown command\r\n", -1, 0, 0, "" },
	{ "no-code", "hello\r\n", -1, 0, 0, "" },
	{ NULL, NULL, 0, 0, 0, NULL }
};

static void
parse_reply(const char *wire, struct smtp_reply *r)
{
	struct smtp_reply_parser rp;
	const uint8_t *p = (const uint8_t *)wire;

	smtp_reply_parser_init(&rp, 0);
	memset(r, 0, sizeof(*r));
	assert_int_equal(smtp_reply_feed(&rp, &p, p + strlen(wire), r),
	    SMTP_OK);
	smtp_reply_parser_free(&rp);
}

static void
render(const struct smtp_ext_list *l, struct buf *b)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct smtp_ext *e = &l->v[i];

		if (i > 0)
			buf_append_str(b, "|");
		buf_append_str(b, e->keyword);
		if (e->masked)
			buf_printf(b, "/%c%d %zu", e->mask_letter,
			    e->mask_index, e->mask_len);
		if (e->anomalies)
			buf_printf(b, "!%x", e->anomalies);
		if (e->params_len > 0)
			buf_printf(b, "=%s", e->params);
		assert_int_equal(e->position, i + 1);
	}
}

static void
test_cases(void **state)
{
	const struct case_ *c;
	struct smtp_reply r;
	struct smtp_ext_list l;
	struct arena a;
	struct buf b;

	(void)state;
	for (c = cases; c->name != NULL; c++) {
		print_message("case %s\n", c->name);
		parse_reply(c->in, &r);
		assert_int_equal(smtp_ext_parse(&r, &l), c->rc);
		assert_int_equal(l.nmasked, c->nmasked);
		assert_int_equal(l.letters_consistent, c->consistent);
		buf_init(&b, 0);
		render(&l, &b);
		assert_string_equal(buf_cstr(&b), c->want);
		buf_free(&b);
		smtp_ext_list_free(&l);
		/* The same list in an arena (dialog.c's way). */
		arena_init(&a);
		assert_int_equal(smtp_ext_parse_arena(&r, &l, &a), c->rc);
		assert_int_equal(l.nmasked, c->nmasked);
		assert_int_equal(l.letters_consistent, c->consistent);
		buf_init(&b, 0);
		render(&l, &b);
		assert_string_equal(buf_cstr(&b), c->want);
		buf_free(&b);
		smtp_ext_list_free(&l);	/* only empties it */
		arena_free(&a);
		smtp_reply_clear(&r);
	}
	smtp_ext_list_free(NULL);
}

static void
test_find(void **state)
{
	struct smtp_reply r;
	struct smtp_ext_list l;
	const struct smtp_ext *e;

	(void)state;
	parse_reply("250-mx\r\n250-8bitmime\r\n250-SIZE 52428800\r\n"
	    "250-AUTH=LOGIN\r\n250 AUTH LOGIN PLAIN\r\n", &r);
	assert_int_equal(smtp_ext_parse(&r, &l), 0);
	assert_non_null(smtp_ext_find(&l, "8BITMIME"));
	e = smtp_ext_find(&l, "size");
	assert_non_null(e);
	assert_string_equal(e->params, "52428800");
	e = smtp_ext_find(&l, "AUTH");
	assert_non_null(e);
	assert_string_equal(e->params, "LOGIN PLAIN");
	assert_int_equal(e->position, 4);
	assert_non_null(smtp_ext_find(&l, "AUTH="));
	assert_null(smtp_ext_find(&l, "STARTTLS"));
	smtp_ext_list_free(&l);
	smtp_reply_clear(&r);
}

/* toklen: the first token whole, which is what an ASA mask covers in the
 * old "KW=PARAM" form (Exchange 2003's "X-EXPS=LOGIN" -> 12 X). */
static const struct tok_case {
	const char	*line;		/* one keyword line */
	size_t		 kwlen, toklen;
} tok_cases[] = {
	{ "X-EXPS=LOGIN", 7, 12 },
	{ "X-EXPS GSSAPI NTLM LOGIN", 6, 6 },
	{ "AUTH=LOGIN PLAIN", 5, 10 },
	{ "SIZE 1000", 4, 4 },
	{ "XXXXXXXXXXXE", 12, 12 },
	{ "OK", 2, 2 },
	{ NULL, 0, 0 }
};

static void
test_toklen(void **state)
{
	const struct tok_case *c;
	char wire[128];
	struct smtp_reply r;
	struct smtp_ext_list l;

	(void)state;
	for (c = tok_cases; c->line != NULL; c++) {
		snprintf(wire, sizeof(wire), "250-mx\r\n250 %s\r\n", c->line);
		parse_reply(wire, &r);
		assert_int_equal(smtp_ext_parse(&r, &l), 0);
		assert_int_equal(l.n, 1);
		assert_int_equal(l.v[0].kwlen, c->kwlen);
		assert_int_equal(l.v[0].toklen, c->toklen);
		smtp_ext_list_free(&l);
		smtp_reply_clear(&r);
	}
}

/* An over-long keyword is cut but its wire length is kept. */
static void
test_long_keyword(void **state)
{
	char wire[300];
	struct smtp_reply r;
	struct smtp_ext_list l;

	(void)state;
	snprintf(wire, sizeof(wire), "250-mx\r\n250 %0100d\r\n", 0);
	parse_reply(wire, &r);
	assert_int_equal(smtp_ext_parse(&r, &l), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].kwlen, 100);
	assert_int_equal(strlen(l.v[0].keyword), SMTP_EXT_KEYWORD_MAX - 1);
	assert_int_equal(l.v[0].anomalies, SMTP_EXT_LONG);
	smtp_ext_list_free(&l);
	smtp_reply_clear(&r);
}

/* Likely originals by length, best first (ASA-masked ones first). */
static const struct decode_case {
	size_t		 len;
	size_t		 total;		/* how many candidates in all */
	const char	*first;
	const char	*second;
	const char	*last;
} decode_cases[] = {
	{ 8, 6, "STARTTLS", "CHUNKING", "8BITMIME" },
	{ 12, 2, "X-LINK2STATE", "PIPE_CONNECT", "PIPE_CONNECT" },
	{ 7, 4, "XEXCH50", "XSHADOW", "CONPERM" },
	{ 6, 3, "X-EXPS", "LIMITS", "CONNEG" },
	{ 9, 1, "DELIVERBY", NULL, "DELIVERBY" },
	{ 4, 17, "HELP", "PRDR", "VRFY" },
	{ 10, 4, "BINARYMIME", "CHECKPOINT", "PIPELINING" },
	{ 14, 1, "X-ANONYMOUSTLS", NULL, "X-ANONYMOUSTLS" },
	{ 19, 1, "ENHANCEDSTATUSCODES", NULL, "ENHANCEDSTATUSCODES" },
	{ 3, 1, "DSN", NULL, "DSN" },
	/* IIS/Exchange's last EHLO line "250 OK", masked "XI" (asa). */
	{ 2, 1, "OK", NULL, "OK" },
	{ 11, 2, "PIPECONNECT", "MT-PRIORITY", "MT-PRIORITY" },
	{ 99, 0, NULL, NULL, NULL },
	{ 0, 0, NULL, NULL, NULL }
};

static void
test_decode(void **state)
{
	const struct decode_case *c;
	const char *out[32];
	size_t n;

	(void)state;
	for (c = decode_cases; c->len != 0; c++) {
		n = smtp_ext_decode(c->len, out, 32);
		assert_int_equal(n, c->total);
		if (n == 0)
			continue;
		assert_string_equal(out[0], c->first);
		if (c->second != NULL)
			assert_string_equal(out[1], c->second);
		assert_string_equal(out[n - 1], c->last);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(strlen(out[i]), c->len);
	}
	/* Truncated output still reports the total. */
	assert_int_equal(smtp_ext_decode(8, out, 1), 6);
	assert_string_equal(out[0], "STARTTLS");
	assert_int_equal(smtp_ext_decode(8, NULL, 0), 6);
}

static const struct fate_case {
	const char	*kw;
	int		 masks;
} fate_cases[] = {
	{ "STARTTLS", 1 }, { "chunking", 1 }, { "XEXCH50", 1 },
	{ "DELIVERBY", 1 }, { "8BITMIME", 0 }, { "SIZE", 0 }, { "AUTH=", 0 },
	{ "BINARYMIME", -1 }, { "NOSUCH", -1 }, { "ok", 1 }, { NULL, 0 }
};

static void
test_fate_and_masked_form(void **state)
{
	const struct fate_case *c;
	char letter = 0;

	(void)state;
	for (c = fate_cases; c->kw != NULL; c++)
		assert_int_equal(smtp_ext_asa_masks(c->kw), c->masks);
	assert_int_equal(smtp_ext_is_masked("XXXXXXXA", 8, &letter), 1);
	assert_int_equal(letter, 'A');
	assert_int_equal(smtp_ext_is_masked("XXXXXXXXZ", 9, &letter), 1);
	assert_int_equal(letter, 'Z');
	assert_int_equal(smtp_ext_is_masked("XEXCH50", 7, NULL), 0);
	assert_int_equal(smtp_ext_is_masked("X-EXPS", 6, NULL), 0);
	assert_int_equal(smtp_ext_is_masked("A", 1, NULL), 0);
	assert_int_equal(smtp_ext_is_masked("XXa", 3, NULL), 0);
	assert_int_equal(smtp_ext_is_masked("", 0, NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_long_keyword),
		cmocka_unit_test(test_toklen),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_fate_and_masked_form),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
