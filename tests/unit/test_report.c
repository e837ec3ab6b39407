/* test_report.c - report contents, text rendering, JSON round trip. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "out_json.h"
#include "out_text.h"
#include "report.h"
#include "judge_fixtures.h"
#include "fp_fixture.h"

/* An ASA (default map) in front of a Sendmail-like server. */
static const struct fx_server asa = {
	.greeting = "S220 **************************************\r\n",
	.ehlo = "S250-mx.example.com Hello probe\r\n250-PIPELINING\r\n"
	    "250-8BITMIME\r\n250-XXXXXXXA\r\n250-XXXXXXXXXXXB\r\n"
	    "250 XXXC\r\n",
	.helo = "S250 mx.example.com Hello probe\r\n",
	.unknown = "S500 5.5.1 Command unrecognized: \"XXXXXXXXXXX\"\r\n",
	.starttls = "S500 5.5.1 Command unrecognized: \"XXXXXXXX\"\r\n",
	.help = "S214 2.0.0 This is sendmail\r\n",
};

static const struct fx_server clean = {
	.greeting = "S220 mx.example.com ESMTP Postfix\r\n",
	.ehlo = "S250-mx.example.com\r\n250-PIPELINING\r\n250-STARTTLS\r\n"
	    "250 8BITMIME\r\n",
	.helo = "S250 mx.example.com\r\n",
	.unknown = "S502 5.5.2 Error: command not recognized\r\n",
};

static struct report *
build(const struct fx_server *s)
{
	struct transcript *t[FX_MAX];
	size_t n = fx_probes(s, t);
	struct report *r;

	r = report_from_probes(g_db, "mx.example.com", "192.0.2.25", 25, t, n);
	fx_free(t, n);
	return r;
}

static const struct report_verb *
verb(const struct report *r, const char *v)
{
	size_t i;

	for (i = 0; i < r->nverbs; i++)
		if (strcmp(r->verbs[i].verb, v) == 0)
			return &r->verbs[i];
	return NULL;
}

static void
test_asa_report(void **state)
{
	struct report *r;
	size_t i;
	int tls = 0, star = 0;

	(void)state;
	r = build(&asa);
	assert_int_equal(r->verdict.family, FP_FAM_ASA);
	assert_string_equal(r->verdict.generation, "asa");
	assert_int_equal(report_exit_code(r), 1);
	assert_non_null(strstr(r->summary, "ASA"));
	/* Decoded keywords: 8 -> STARTTLS first, 12 -> X-LINK2STATE. */
	assert_int_equal(r->nkeywords, 3);
	assert_string_equal(r->keywords[0].masked, "XXXXXXXA");
	assert_int_equal(r->keywords[0].length, 8);
	assert_non_null(strstr(r->keywords[0].decoded, "STARTTLS"));
	assert_non_null(strstr(r->keywords[1].decoded, "X-LINK2STATE"));
	/* Verbs: STARTTLS X-filled, HELP passes, EHLO passes. */
	assert_non_null(verb(r, "STARTTLS"));
	assert_string_equal(verb(r, "STARTTLS")->status, "x-filled");
	assert_string_equal(verb(r, "HELP")->status, "passes");
	assert_string_equal(verb(r, "EHLO")->status, "passes");
	for (i = 0; i < r->neffects; i++)
		tls |= strcmp(r->effects[i].name, "tls-never") == 0;
	assert_true(tls);
	assert_string_equal(r->fix_generation, "asa");
	assert_non_null(strstr(r->fix[0], "policy-map type inspect esmtp"));
	/* Evidence: the greeting exactly as received, escaped. */
	for (i = 0; i < r->nevidence; i++)
		star |= strcmp(r->evidence[i].text,
		    "220 **************************************\\r\\n") == 0;
	assert_true(star);
	assert_int_equal(r->nprobes, 6);
	assert_string_equal(r->probes[0].name, "greeting");
	assert_string_equal(r->probes[3].name, "invalid-verb");
	assert_string_equal(r->probes[3].sent,
	    "goodmorning\\r\\nQUIT\\r\\n");
	assert_non_null(strstr(r->probes[3].classification,
	    "X-filled command quoted back"));
	report_free(r);
	report_free(NULL);
}

static void
test_clean_and_unreachable(void **state)
{
	struct report *r;
	struct fx_server down = { .greeting = NULL };

	(void)state;
	r = build(&clean);
	assert_int_equal(r->verdict.family, FP_FAM_NONE);
	assert_int_equal(report_exit_code(r), 0);
	assert_int_equal(r->nfix, 0);
	assert_int_equal(r->neffects, 0);
	assert_int_equal(r->nkeywords, 0);
	report_free(r);
	r = build(&down);
	assert_int_equal(r->verdict.family, FP_FAM_INCONCLUSIVE);
	assert_int_equal(report_exit_code(r), 3);
	assert_string_equal(r->probes[0].classification, "no connection");
	report_free(r);
	r = report_from_probes(g_db, "x", "", 25, NULL, 0);
	assert_int_equal(r->verdict.family, FP_FAM_INCONCLUSIVE);
	report_free(r);
}

/* Hostile greeting bytes never reach the output unescaped. */
static void
test_text_output_escaped(void **state)
{
	struct fx_server evil = clean;
	struct report *r;
	char *out = NULL;
	size_t len = 0, i;
	FILE *fp;

	(void)state;
	evil.greeting = "S220 mx \x1b[2J\x07 ESMTP\r\n";
	r = build(&evil);
	report_add_note(r, "lockdown", "Checking firewall from 192.0.2.1..."
	    "passed (did not accept connection)");
	fp = open_memstream(&out, &len);
	out_text_report(fp, r, 0);
	fclose(fp);
	for (i = 0; i < len; i++)
		if ((unsigned char)out[i] < 0x20 && out[i] != '\n')
			fail_msg("control byte 0x%02x at %zu", out[i], i);
	assert_non_null(strstr(out, "\\x1b[2J\\x07"));
	assert_non_null(strstr(out, "lockdown:"));
	/* Verdict line first. */
	assert_memory_equal(out, "mx.example.com [192.0.2.25]:25  none/", 37);
	free(out);
	report_free(r);
}

static void
test_json_round_trip(void **state)
{
	struct report *r;
	json_t *o, *back, *v;
	json_error_t err;
	char *out = NULL;
	size_t len = 0;
	FILE *fp;
	static const char *const keys[] = {
		"schema", "target", "address", "port", "verdict", "matched",
		"evidence", "effects", "fix", "probes", "keywords", "verbs",
		"anomalies", "notes", "exit_code", NULL
	};
	size_t i;

	(void)state;
	r = build(&asa);
	o = out_json_report(r);
	fp = open_memstream(&out, &len);
	assert_int_equal(out_json_write(fp, o), 0);
	fclose(fp);
	/* One object per line. */
	assert_true(len > 2);
	assert_int_equal(out[len - 1], '\n');
	assert_null(memchr(out, '\n', len - 1));
	back = json_loads(out, 0, &err);
	assert_non_null(back);
	for (i = 0; keys[i] != NULL; i++)
		if (json_object_get(back, keys[i]) == NULL)
			fail_msg("key %s missing", keys[i]);
	assert_string_equal(json_string_value(json_object_get(back,
	    "target")), "mx.example.com");
	assert_int_equal(json_integer_value(json_object_get(back, "port")),
	    25);
	v = json_object_get(back, "verdict");
	assert_string_equal(json_string_value(json_object_get(v, "family")),
	    "asa");
	assert_string_equal(json_string_value(json_object_get(v,
	    "generation")), "asa");
	assert_true(json_integer_value(json_object_get(v, "confidence")) >
	    50);
	v = json_array_get(json_object_get(back, "probes"), 3);
	assert_string_equal(json_string_value(json_object_get(v, "name")),
	    "invalid-verb");
	assert_string_equal(json_string_value(json_object_get(v, "sent")),
	    "goodmorning\\r\\nQUIT\\r\\n");
	assert_non_null(json_object_get(v, "reply"));
	assert_non_null(json_object_get(v, "classification"));
	assert_true(json_array_size(json_object_get(back, "matched")) >= 3);
	assert_true(json_is_object(json_object_get(back, "fix")));
	assert_true(json_equal(o, back));
	json_decref(o);
	json_decref(back);
	free(out);
	report_free(r);
}

static void
test_capture_session(void **state)
{
	struct transcript *t;
	struct report *r;
	json_t *o;

	(void)state;
	t = fx_script("", (const char *const[]){
	    "S220 mx.example.com ESMTP Postfix\r\n", "CEHLO c\r\n",
	    "S250-mx.example.com\r\n250 PIPELINING\r\n", "CQUIT\r\n",
	    "S221 bye\r\n", NULL });
	r = report_from_capture_session(g_db, t, 7);
	assert_int_equal(r->is_capture, 1);
	assert_int_equal(r->session_index, 7);
	assert_string_equal(r->target, "session 7");
	assert_string_equal(r->address, "192.0.2.25");
	assert_string_equal(r->client, "192.0.2.1");
	assert_int_equal(r->cport, 40000);
	assert_int_equal(r->verdict.family, FP_FAM_NONE);
	o = out_json_report(r);
	assert_int_equal(json_integer_value(json_object_get(o, "session")), 7);
	json_decref(o);
	report_free(r);
	transcript_free(t);
}

/* Message bodies are summarised in "sent", never copied; TLS is marked. */
static void
test_sent_summarises_bodies(void **state)
{
	struct transcript *t;
	struct report *r;
	char *out = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	t = fx_script("", (const char *const[]){
	    "S220 mx.example.com ESMTP\r\n", "CHELO c\r\n", "S250 mx\r\n",
	    "CDATA\r\n", "S354 go\r\n",
	    "CSubject: secret\r\n\r\nconfidential text\r\n.\r\n",
	    "S250 queued\r\n", "CSTARTTLS\r\n", "S220 go ahead\r\n",
	    "C\x16\x03\x01", NULL });
	r = report_from_capture_session(g_db, t, 1);
	assert_int_equal(r->nprobes, 1);
	assert_string_equal(r->probes[0].sent, "HELO c\\r\\nDATA\\r\\n"
	    "[message body: 38 bytes]STARTTLS\\r\\n[TLS]");
	assert_null(strstr(r->probes[0].reply, "confidential"));
	/* Verbose text shows the bytes; the default one line per probe. */
	fp = open_memstream(&out, &len);
	out_text_report(fp, r, OUT_TEXT_VERBOSE);
	fclose(fp);
	assert_non_null(strstr(out, "sent:  HELO c"));
	free(out);
	out = NULL;
	fp = open_memstream(&out, &len);
	out_text_report(fp, r, 0);
	fclose(fp);
	assert_null(strstr(out, "sent:"));
	free(out);
	report_free(r);
	transcript_free(t);
}

/* The one-line classification of a probe's connection. */
static const struct ccase {
	const char	*name;
	const char	*steps[14];
	const char	*want;
} ccases[] = {
	{ "lock-step", { "S220 mx\r\n", "CMAIL FROM:<a@b>\r\n",
	  "S250 ok\r\n", "CRSET\r\n", "S250 ok\r\n", "CQUIT\r\n",
	  "S221 bye\r\n", NULL }, "RSET -> 250" },
	/* RFC 2920: the pipelined probe's group, named whole. */
	{ "one-write", { "S220 mx\r\n",
	  "CMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRSET\r\n",
	  "S250 ok\r\n250 ok\r\n", "S250 ok\r\n", "CQUIT\r\n",
	  "S221 bye\r\n", NULL },
	  "MAIL, RCPT, RSET -> 250, 250, 250 (one write)" },
	{ "one-write-cut", { "S220 mx\r\n",
	  "CMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRSET\r\n",
	  "S250 ok\r\n500 XXXX\r\n", "F", NULL },
	  "MAIL, RCPT, RSET -> 250, 500, no reply (closed) (one write)" },
	/* Two writes before a reply: pipelined, but not one group. */
	{ "two-writes", { "S220 mx\r\n", "CMAIL FROM:<a@b>\r\n",
	  "CRSET\r\n", "S250 ok\r\n250 ok\r\n", NULL }, "RSET -> 250" },
	{ "long-group", { "S220 mx\r\n", "CMAIL FROM:<a@b>\r\n"
	  "RCPT TO:<1@d>\r\nRCPT TO:<2@d>\r\nRCPT TO:<3@d>\r\n"
	  "RCPT TO:<4@d>\r\nRCPT TO:<5@d>\r\nRCPT TO:<6@d>\r\n"
	  "RCPT TO:<7@d>\r\nRCPT TO:<8@d>\r\nRSET\r\n",
	  "S250 a\r\n250 1\r\n250 2\r\n250 3\r\n250 4\r\n250 5\r\n"
	  "250 6\r\n550 7\r\n250 8\r\n250 r\r\n", NULL },
	  "RCPT, RCPT, RCPT, RCPT, RCPT, RCPT, RCPT, RSET (last 8 of 10) -> "
	  "250, 250, 250, 250, 250, 550, 250, 250 (one write)" },
	/* RFC 3030 2: BDAT 0 LAST has one reply, the BDAT's. */
	{ "bdat-0", { "S220 mx\r\n", "CBDAT 0 LAST\r\n",
	  "S500 5.5.1 Command unrecognized\r\n", "CQUIT\r\n",
	  "S221 bye\r\n", NULL }, "BDAT -> 500" },
	{ "bdat-chunk", { "S220 mx\r\n", "CBDAT 5 LAST\r\nhello",
	  "S250 2.0.0 queued\r\n", NULL }, "BDAT -> 250, chunk 5 bytes" },
	{ "data-body", { "S220 mx\r\n", "CDATA\r\n", "S354 go\r\n",
	  "Chi\r\n.\r\n", "S250 queued\r\n", NULL },
	  "DATA -> 354, body 4 bytes -> answered" },
	{ NULL, { NULL }, NULL },
};

static void
test_classify(void **state)
{
	const struct ccase *c;
	struct transcript *t;
	struct report *r;

	(void)state;
	for (c = ccases; c->name != NULL; c++) {
		t = fx_script("probe", c->steps);
		r = report_from_capture_session(g_db, t, 1);
		assert_int_equal(r->nprobes, 1);
		if (strcmp(r->probes[0].classification, c->want) != 0)
			fail_msg("%s: '%s', want '%s'", c->name,
			    r->probes[0].classification, c->want);
		report_free(r);
		transcript_free(t);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_asa_report),
		cmocka_unit_test(test_clean_and_unreachable),
		cmocka_unit_test(test_text_output_escaped),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_capture_session),
		cmocka_unit_test(test_sent_summarises_bodies),
		cmocka_unit_test(test_classify),
	};

	return cmocka_run_group_tests(tests, setup_db, teardown_db);
}
