/* test_facts.c - facts from transcripts: greeting classes, EHLO, verbs, TLS. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "facts.h"
#include "judge_fixtures.h"

/* greeting.class rules (behaviour reference 2 and 4.1). */
static const struct gcase {
	const char	*greeting;	/* NULL: connection closed */
	const char	*class;
} gcases[] = {
	{ "S220 mx.example.com ESMTP Postfix\r\n", "clear" },
	{ "S220 ****************************\r\n", "asa-star" },
	{ "S220-*********\r\n220 *******\r\n", "asa-star" },
	{ "S220 ********\r\n", "smtp-sink" },
	{ "S220 *********\r\n", "asa-star" },
	{ "S220-******\r\n****************\r\n", "pix-after4" },
	{ "S220 ****0******0*********20 ****200**0*********0*00\r\n",
	  "pix-2-0" },
	{ "S220*****0 ***\r\n220 **20****\r\n", "pix-2-0" },
	{ "S220 SMTP/cmap_______read\r\n", "pix-cmap" },
	{ "S220 \r\n", "empty" },
	{ "S220\r\n", "empty" },
	{ "S220 mx ESMTP 2020\r\n", "clear" },
	{ "S220 22 00 2\r\n", "clear" },
	{ NULL, "none" },
	{ "", NULL },
};

static void
test_greeting_class(void **state)
{
	const struct gcase *c;
	struct transcript *t;
	struct facts fs;
	char errbuf[MG_ERRBUF_SIZE];

	(void)state;
	for (c = gcases; c->class != NULL; c++) {
		if (c->greeting != NULL)
			t = fx_script("greeting", (const char *const[]){
			    c->greeting, "CQUIT\r\n", "S221 bye\r\n", NULL });
		else
			t = fx_script("greeting", (const char *const[]){
			    "S", "F", NULL });
		assert_int_equal(facts_from_transcripts(&t, 1, &fs, errbuf),
		    0);
		if (strcmp(facts_get_str(&fs, "greeting.class", "?"),
		    c->class) != 0)
			fail_msg("%s: class %s, want %s", c->greeting ?
			    c->greeting : "(closed)",
			    facts_get_str(&fs, "greeting.class", "?"),
			    c->class);
		facts_free(&fs);
		transcript_free(t);
	}
}

#define ASA_G "S220 ************************\r\n"
#define EHLO_ASA "S250-mx.example.com\r\n250-PIPELINING\r\n" \
	"250-SIZE 1000\r\n250-XXXXXXXA\r\n250-XXXXXXXXB\r\n250 XXXC\r\n"

static void
test_ehlo_and_verbs(void **state)
{
	struct fx_server s = {
		.greeting = ASA_G,
		.ehlo = EHLO_ASA,
		.helo = "S250 mx.example.com\r\n",
		.unknown = "S500 5.5.1 Command unrecognized: \"XXXXXXXXXXX\"\r\n",
		.starttls = "S500 5.5.1 Command unrecognized: \"XXXXXXXX\"\r\n",
		.help = "S214 2.0.0 see RFC 5321\r\n",
		.seg1 = "S500 5.5.1 Command unrecognized: \"XXXX\"\r\n",
	};
	struct transcript *t[FX_MAX];
	struct facts fs;
	char errbuf[MG_ERRBUF_SIZE];
	size_t n;
	static const struct want {
		const char	*fact;
		const char	*value;
	} wants[] = {
		{ "conn.connected", "1" },
		{ "greeting.class", "asa-star" },
		{ "greeting.code", "220" },
		{ "greeting.lines", "1" },
		{ "ehlo.code", "250" },
		{ "ehlo.keywords", "5" },
		{ "ehlo.masked", "3" },
		{ "ehlo.mask_letters_ok", "1" },
		{ "ehlo.xquoted", "0" },
		{ "ehlo.kw.PIPELINING", "offered" },
		{ "ehlo.kw.SIZE", "offered" },
		{ "ehlo.kw.STARTTLS", "masked" },
		{ "ehlo.kw.DELIVERBY", "masked" },
		{ "ehlo.kw.HELP", "masked" },
		{ "ehlo.kw.8BITMIME", "absent" },
		{ "starttls.offered", "0" },
		{ "starttls.code", "500" },
		{ "helo.code", "250" },
		{ "unknown.code", "500" },
		{ "unknown.xquoted", "1" },
		{ "verb.STARTTLS.code", "500" },
		{ "verb.STARTTLS.xquoted", "1" },
		{ "verb.STARTTLS.same_as_unknown", "1" },
		{ "verb.HELP.code", "214" },
		{ "verb.HELP.xquoted", "0" },
		{ "verb.HELP.same_as_unknown", "0" },
		{ "seg1.code", "500" },
		{ "seg1.xquoted", "1" },
		{ "conn.dropped", "0" },
		{ NULL, NULL },
	};
	const struct want *w;

	(void)state;
	n = fx_probes(&s, t);
	assert_int_equal(facts_from_transcripts(t, n, &fs, errbuf), 0);
	for (w = wants; w->fact != NULL; w++)
		if (strcmp(facts_get_str(&fs, w->fact, "(absent)"),
		    w->value) != 0)
			fail_msg("%s = %s, want %s", w->fact,
			    facts_get_str(&fs, w->fact, "(absent)"), w->value);
	/* Evidence keeps the exact greeting, escaped. */
	assert_string_equal(facts_get(&fs, "greeting.class")->evidence,
	    "220 ************************\\r\\n");
	assert_string_equal(facts_get(&fs, "greeting.class")->source,
	    "greeting");
	assert_null(facts_get(&fs, "tls.ok"));
	assert_null(facts_get(&fs, "eod_split.code"));
	facts_free(&fs);
	fx_free(t, n);
}

/* RFC 3207 differences never count; others do. */
static void
test_tls_compare(void **state)
{
	static const struct tcase {
		const char	*outer, *inner;
		int		 masked, xmasked, missing, hostdiff;
	} cases[] = {
		/* Legit: STARTTLS gone, AUTH added, X-ANONYMOUSTLS dropped. */
		{ "S250-mx\r\n250-X-ANONYMOUSTLS\r\n250-STARTTLS\r\n250 SIZE\r\n",
		  "S250-mx\r\n250-AUTH LOGIN\r\n250 SIZE\r\n", 0, 0, 0, 0 },
		/* ASA allow-tls: CHUNKING masked outside. */
		{ "S250-mx\r\n250-STARTTLS\r\n250 XXXXXXXA\r\n",
		  "S250-mx\r\n250 CHUNKING\r\n", 1, 1, 0, 0 },
		/* A proxy deleted PIPELINING and answered with its name. */
		{ "S250-gw\r\n250-STARTTLS\r\n250 SIZE\r\n",
		  "S250-mx\r\n250-PIPELINING\r\n250 SIZE\r\n", 1, 0, 1, 1 },
		/* asa-allow-tls + builtin:exchange2003, bytes as seen: the
		 * old "X-EXPS=LOGIN" is masked whole (12 bytes), so it must
		 * not take XEXCH50's 7-byte mask (no keyword "missing"). */
		{ "S250-mail.example.com Hello [127.0.0.1]\r\n250-XXXA\r\n"
		  "250-XXXB\r\n250-SIZE\r\n250-ETRN\r\n250-PIPELINING\r\n"
		  "250-DSN\r\n250-ENHANCEDSTATUSCODES\r\n250-8bitmime\r\n"
		  "250-BINARYMIME\r\n250-XXXXXXXC\r\n250-VRFY\r\n"
		  "250-XXXXXD GSSAPI NTLM LOGIN\r\n250-XXXXXXXXXXXE\r\n"
		  "250-AUTH GSSAPI NTLM LOGIN\r\n250-AUTH=LOGIN\r\n"
		  "250-XXXXXXXXXXXF\r\n250-XXXXXXG\r\n250-STARTTLS\r\n"
		  "250 XH\r\n",
		  "S250-mail.example.com Hello [127.0.0.1]\r\n250-TURN\r\n"
		  "250-ATRN\r\n250-SIZE\r\n250-ETRN\r\n250-PIPELINING\r\n"
		  "250-DSN\r\n250-ENHANCEDSTATUSCODES\r\n250-8bitmime\r\n"
		  "250-BINARYMIME\r\n250-CHUNKING\r\n250-VRFY\r\n"
		  "250-X-EXPS GSSAPI NTLM LOGIN\r\n250-X-EXPS=LOGIN\r\n"
		  "250-AUTH GSSAPI NTLM LOGIN\r\n250-AUTH=LOGIN\r\n"
		  "250-X-LINK2STATE\r\n250-XEXCH50\r\n250 OK\r\n",
		  8, 8, 0, 0 },
		{ NULL, NULL, 0, 0, 0, 0 },
	};
	const struct tcase *c;
	struct transcript *t[2];
	struct facts fs;
	char errbuf[MG_ERRBUF_SIZE];

	(void)state;
	for (c = cases; c->outer != NULL; c++) {
		t[0] = fx_script("starttls", (const char *const[]){
		    "S220 mx ESMTP\r\n", "CEHLO p\r\n", c->outer,
		    "CSTARTTLS\r\n", "S220 go\r\n", "L", NULL });
		t[1] = fx_script("starttls-inner", (const char *const[]){
		    "CEHLO p\r\n", c->inner, NULL });
		assert_int_equal(facts_from_transcripts(t, 2, &fs, errbuf), 0);
		assert_int_equal(facts_get_int(&fs, "tls.ok", -1), 1);
		assert_int_equal(facts_get_int(&fs, "starttls.code", -1), 220);
		assert_int_equal(facts_get_int(&fs, "tls.kw_masked_outside",
		    -1), c->masked);
		assert_int_equal(facts_get_int(&fs, "tls.kw_xmasked_outside",
		    -1), c->xmasked);
		assert_int_equal(facts_get_int(&fs, "tls.kw_missing_outside",
		    -1), c->missing);
		assert_int_equal(facts_get_int(&fs, "tls.greeting_diff", -1),
		    c->hostdiff);
		/* The inner dialogue never provides the outer facts. */
		assert_string_equal(facts_get_str(&fs, "greeting.class", ""),
		    "clear");
		facts_free(&fs);
		transcript_free(t[0]);
		transcript_free(t[1]);
	}
}

static void
test_drops_eod_pipelining(void **state)
{
	struct transcript *t[3];
	struct facts fs;
	char errbuf[MG_ERRBUF_SIZE];

	(void)state;
	t[0] = fx_script("verb-xexch50", (const char *const[]){
	    "S220 mx\r\n", "CXEXCH50 10 2\r\n", "R", NULL });
	t[1] = fx_script("eod-split", (const char *const[]){
	    "S220 mx\r\n", "CDATA\r\n", "S354 go\r\n", "Cbody\r\n.",
	    "C\r\n", "T", NULL });
	t[2] = fx_script("pipelined", (const char *const[]){
	    "S220 mx\r\n", "CMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRSET\r\n",
	    "S250 ok\r\n250 ok\r\n250 ok\r\n", NULL });
	assert_int_equal(facts_from_transcripts(t, 3, &fs, errbuf), 0);
	assert_int_equal(facts_get_int(&fs, "conn.dropped", -1), 1);
	assert_int_equal(facts_get_int(&fs, "verb.XEXCH50.code", -1), 0);
	assert_string_equal(facts_get_str(&fs, "verb.XEXCH50.end", ""),
	    "reset");
	assert_int_equal(facts_get_int(&fs, "eod_split.answered", -1), 0);
	assert_int_equal(facts_get_int(&fs, "eod_split.code", -1), 0);
	assert_int_equal(facts_get_int(&fs, "pipelined.count", -1), 2);
	assert_int_equal(facts_get_int(&fs, "pipelined.ok", -1), 1);
	assert_int_equal(facts_get_int(&fs, "conn.transcripts", -1), 3);
	facts_free(&fs);
	fx_free(t, 3);
}

/*
 * eod_split.* with a late reply (pix-5.1 eod_split_bug=late, CSCds90792):
 * the client gave up and sent QUIT, then got "250 queued" + "221".
 */
static void
test_eod_late(void **state)
{
	static const struct ecase {
		const char	*name;
		const char	*tail[5];	/* after the split terminator */
		int		 code, answered, late;
		const char	*evidence;	/* must contain */
	} cases[] = {
		{ "timeout", { "T", "CQUIT\r\n",
		  "S250 2.0.0 Ok: queued\r\n221 bye\r\n", NULL }, 250, 0, 1,
		  "-> 250 2.0.0 Ok: queued only after the client gave up" },
		{ "silence", { "W", "CQUIT\r\n",
		  "S250 2.0.0 Ok: queued\r\n221 bye\r\n", NULL }, 250, 0, 1,
		  "(late)" },
		{ "answered", { "S250 2.0.0 Ok: queued\r\n", "CQUIT\r\n",
		  "S221 bye\r\n", NULL }, 250, 1, 0,
		  "separate segments -> 250 2.0.0 Ok: queued" },
		{ "quick-quit", { "CQUIT\r\n",
		  "S250 2.0.0 Ok: queued\r\n221 bye\r\n", NULL }, 250, 1, 0,
		  "-> 250 2.0.0 Ok: queued" },
		{ "no-reply", { "T", NULL }, 0, 0, 0,
		  "body 21 bytes, '\\r\\n.' and '\\r\\n' in separate segments "
		  "-> no reply (timeout)" },
		{ NULL, { NULL }, 0, 0, 0, NULL },
	};
	const struct ecase *c;
	const char *steps[16];
	const struct fact *f;
	struct transcript *t;
	struct facts fs;
	char errbuf[MG_ERRBUF_SIZE];
	size_t i, n;

	(void)state;
	for (c = cases; c->name != NULL; c++) {
		n = 0;
		steps[n++] = "S220 mx\r\n";
		steps[n++] = "CDATA\r\n";
		steps[n++] = "S354 go\r\n";
		steps[n++] = "CSubject: t\r\n\r\nhello\r\n.";
		steps[n++] = "C\r\n";
		for (i = 0; c->tail[i] != NULL; i++)
			steps[n++] = c->tail[i];
		steps[n] = NULL;
		t = fx_script("eod-split", steps);
		assert_int_equal(facts_from_transcripts(&t, 1, &fs, errbuf),
		    0);
		if (facts_get_int(&fs, "eod_split.code", -1) != c->code ||
		    facts_get_int(&fs, "eod_split.answered", -1) !=
		    c->answered ||
		    facts_get_int(&fs, "eod_split.late", -1) != c->late)
			fail_msg("%s: code %s answered %s late %s", c->name,
			    facts_get_str(&fs, "eod_split.code", "?"),
			    facts_get_str(&fs, "eod_split.answered", "?"),
			    facts_get_str(&fs, "eod_split.late", "?"));
		f = facts_get(&fs, "eod_split.answered");
		if (f->evidence == NULL ||
		    strstr(f->evidence, c->evidence) == NULL)
			fail_msg("%s: evidence %s", c->name,
			    f->evidence ? f->evidence : "(none)");
		assert_string_equal(f->source, "eod-split");
		facts_free(&fs);
		transcript_free(t);
	}
}

static void
test_table_and_known(void **state)
{
	static const struct kcase {
		const char	*name;
		int		 known;
	} kc[] = {
		{ "greeting.class", 1 }, { "ehlo.kw.STARTTLS", 1 },
		{ "ehlo.kw.AUTH=", 1 }, { "verb.X-LINK2STATE.code", 1 },
		{ "verb.AUTH.same_as_unknown", 1 }, { "verb.AUTH.colour", 0 },
		{ "verb..code", 0 }, { "anomaly.bare-lf", 1 },
		{ "tls.inner.kw.CHUNKING", 1 }, { "ehlo.kw.", 0 },
		{ "ehlo.kw.a.b", 0 }, { "nonsense", 0 }, { "", 0 },
		{ NULL, 0 },
	};
	const struct kcase *k;
	struct facts fs;
	size_t i;
	char name[32];

	(void)state;
	for (k = kc; k->name != NULL; k++)
		if (facts_known(k->name) != k->known)
			fail_msg("facts_known(%s) != %d", k->name, k->known);
	facts_init(&fs);
	facts_set_int(&fs, "ehlo.code", 250, 0);
	facts_set_int(&fs, "ehlo.code", 500, 0);	/* first wins */
	assert_int_equal(facts_get_int(&fs, "ehlo.code", 0), 250);
	facts_set_int(&fs, "ehlo.code", 500, 1);	/* replace */
	assert_int_equal(facts_get_int(&fs, "ehlo.code", 0), 500);
	facts_set_str(&fs, "greeting.text", "42", 0);
	assert_int_equal(facts_get(&fs, "greeting.text")->is_num, 1);
	facts_set_str(&fs, "greeting.class", "clear", 0);
	assert_int_equal(facts_get_int(&fs, "greeting.class", -7), -7);
	for (i = 0; i < MG_FACTS_MAX + 10; i++) {
		snprintf(name, sizeof(name), "anomaly.x%zu", i);
		facts_set_int(&fs, name, 1, 0);
	}
	assert_int_equal(fs.n, MG_FACTS_MAX);
	assert_true(fs.dropped > 0);
	facts_free(&fs);
	facts_free(NULL);
}

/* The same connections re-cut one byte per segment. */
static struct transcript *
resplit(const struct transcript *t)
{
	struct transcript *u = transcript_new(t->label);
	const struct tr_event *e;
	const uint8_t *p;
	size_t i, j, have;

	transcript_set_peers(u, t->client, t->cport, t->server, t->sport);
	for (i = 0; i < t->nev; i++) {
		e = &t->ev[i];
		if (e->kind != TR_EV_DATA) {
			if (e->kind != TR_EV_GAP && e->kind != TR_EV_ANOMALY &&
			    e->kind != TR_EV_NOTE)
				transcript_event(u, e->kind, e->dir, e->ts_us);
			continue;
		}
		p = transcript_bytes(t, e->dir, &have);
		for (j = 0; j < e->len; j++)
			transcript_data(u, e->dir, e->ts_us, -1,
			    p + e->off + j, 1);
	}
	return u;
}

/* Facts do not depend on how the bytes were cut (seg1.* aside: that
 * probe is about the cut, and every command is now one byte per
 * segment). */
static void
test_facts_segmentation_invariant(void **state)
{
	struct fx_server s = {
		.greeting = ASA_G,
		.ehlo = EHLO_ASA,
		.helo = "S250 mx.example.com\r\n",
		.unknown = "S500 5.5.1 Command unrecognized: \"XXXXXXXXXXX\"\r\n",
		.starttls = "S220 go ahead\r\n",
		.inner_ehlo = "S250-mx.example.com\r\n250-PIPELINING\r\n"
		    "250 CHUNKING\r\n",
		.eod = "S250 queued\r\n",
	};
	struct transcript *t[FX_MAX], *u[FX_MAX];
	struct facts a, b;
	const struct fact *fb;
	char errbuf[MG_ERRBUF_SIZE];
	size_t n, i;

	(void)state;
	n = fx_probes(&s, t);
	for (i = 0; i < n; i++)
		u[i] = resplit(t[i]);
	assert_int_equal(facts_from_transcripts(t, n, &a, errbuf), 0);
	assert_int_equal(facts_from_transcripts(u, n, &b, errbuf), 0);
	assert_true(a.n > 40);
	for (i = 0; i < a.n; i++) {
		if (strncmp(a.f[i].name, "seg1.", 5) == 0 ||
		    strncmp(a.f[i].name, "eod_split.", 10) == 0)
			continue;
		fb = facts_get(&b, a.f[i].name);
		if (fb == NULL || strcmp(fb->value, a.f[i].value) != 0)
			fail_msg("%s: %s whole, %s byte by byte", a.f[i].name,
			    a.f[i].value, fb != NULL ? fb->value : "absent");
	}
	/* The split end-of-data is seen either way. */
	assert_int_equal(facts_get_int(&a, "eod_split.code", -1), 250);
	facts_free(&a);
	facts_free(&b);
	fx_free(t, n);
	fx_free(u, n);
}

/* facts_cat: parts joined, NULL skipped, cut to size - 1. */
static const struct cat_case {
	const char	*a, *b, *c;
	size_t		 size;
	const char	*want;
} cat_cases[] = {
	{ "verb.", "AUTH", ".code", 64, "verb.AUTH.code" },
	{ "ehlo.kw.", NULL, "SIZE", 64, "ehlo.kw.SIZE" },
	{ NULL, NULL, NULL, 8, "" },
	{ "", "", "x", 8, "x" },
	{ "abc", "def", "ghi", 5, "abcd" },
	{ "abc", "def", "ghi", 4, "abc" },
	{ "abc", "def", "ghi", 1, "" },
	{ "abc", "def", "ghi", 10, "abcdefghi" },
	{ "abc", "def", "ghi", 9, "abcdefgh" },
	{ NULL, NULL, NULL, 0, NULL },
};

static void
test_facts_cat(void **state)
{
	const struct cat_case *c;
	char out[64];

	(void)state;
	for (c = cat_cases; c->want != NULL; c++) {
		memset(out, 'Z', sizeof(out));
		assert_ptr_equal(facts_cat(out, c->size, c->a, c->b, c->c),
		    out);
		assert_string_equal(out, c->want);
		/* Nothing written past size. */
		if (c->size < sizeof(out))
			assert_int_equal(out[c->size], 'Z');
	}
	out[0] = 'Z';
	facts_cat(out, 0, "abc", NULL, NULL);
	assert_int_equal(out[0], 'Z');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_greeting_class),
		cmocka_unit_test(test_ehlo_and_verbs),
		cmocka_unit_test(test_tls_compare),
		cmocka_unit_test(test_drops_eod_pipelining),
		cmocka_unit_test(test_eod_late),
		cmocka_unit_test(test_table_and_known),
		cmocka_unit_test(test_facts_cat),
		cmocka_unit_test(test_facts_segmentation_invariant),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
