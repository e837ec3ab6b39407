/* test_dialog.c - dialog replay: pairing, bodies, STARTTLS, gaps, splits. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "dialog.h"
#include "judge_fixtures.h"

/* A canonical text of a dialog, blind to segmentation on purpose. */
static char *
dump(const struct dialog *d)
{
	struct buf b;
	size_t i;
	char *s;

	buf_init(&b, 0);
	buf_printf(&b, "g=%d:%d:%zu raw=%zu;", d->has_greeting,
	    d->greeting.code, d->greeting.nlines, d->greeting_rawlen);
	for (i = 0; i < d->nex; i++) {
		const struct dialog_exchange *x = &d->ex[i];

		buf_printf(&b, "[%s|%zu|%d|%d:%zu|%s|b%d:%llu:%d:%d:%d]",
		    x->verb, x->linelen, x->cmd.verb, x->has_reply ?
		    x->reply.code : -1, x->reply.nlines,
		    dialog_end_name(x->end),
		    x->has_body, (unsigned long long)x->body_bytes,
		    x->has_body_reply ? x->body_reply.code : -1,
		    x->body_late, x->pipelined);
	}
	buf_printf(&b, "orph=%zu tls=%d/%d fin=%d rst=%d;", d->norphans,
	    d->tls_started, d->tls_record, d->server_fin, d->server_rst);
	for (i = 0; i < d->nanom; i++)
		buf_printf(&b, "%s,", d->anom[i].name);
	s = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return s;
}

/* Steps with the segmenting of each step replaced by a cut at k. */
static struct transcript *
script_split(const char *const *steps, size_t cut_step, size_t k, int bytes)
{
	struct transcript *t = transcript_new("split");
	size_t i, j, n;
	const char *s;
	enum tr_dir dir;

	transcript_event(t, TR_EV_CONNECT, TR_C2S, 1);
	for (i = 0; steps[i] != NULL; i++) {
		s = steps[i] + 1;
		n = strlen(s);
		if (steps[i][0] != 'C' && steps[i][0] != 'S') {
			transcript_event(t, steps[i][0] == 'F' ? TR_EV_FIN :
			    TR_EV_TIMEOUT, TR_S2C, 2 + i);
			continue;
		}
		dir = steps[i][0] == 'C' ? TR_C2S : TR_S2C;
		if (bytes) {
			for (j = 0; j < n; j++)
				transcript_data(t, dir, 2 + i, -1,
				    (const uint8_t *)s + j, 1);
		} else if (i == cut_step && k > 0 && k < n) {
			transcript_data(t, dir, 2 + i, -1, (const uint8_t *)s, k);
			transcript_data(t, dir, 2 + i, -1,
			    (const uint8_t *)s + k, n - k);
		} else
			transcript_data(t, dir, 2 + i, -1, (const uint8_t *)s, n);
	}
	return t;
}

#define GREET "S220 mx.example.com ESMTP\r\n"

/* A body with near misses of CRLF "." CRLF before the real one. */
#define BIG_BODY "CSubject: x\r\n\r\n..dot stuffed\r\n.x\r\nline\n.\r\n" \
	"\r.\r\n\r\n.\rz\r\n.\nend.\r\n\r\n.\r\n"

static const char *const big_dialog[] = {
	GREET,
	"CEHLO c.example\r\n",
	"S250-mx.example.com\r\n250-PIPELINING\r\n250-CHUNKING\r\n"
	    "250 8BITMIME\r\n",
	"CMAIL FROM:<a@example.org> BODY=8BITMIME\r\nRCPT TO:<b@example.org>"
	    "\r\nDATA\r\n",
	"S250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>"
	    "\r\n",
	BIG_BODY,
	"S250 2.0.0 Ok: queued\r\n",
	"CMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\n"
	    "BDAT 8 LAST\r\nabc\r\n.\r\n",
	"S250 ok\r\n250 ok\r\n250 2.0.0 8 octets received\r\n",
	"CQUIT\r\n",
	"S221 Bye\r\n",
	"F",
	NULL
};

static void
test_segmentation_invariance(void **state)
{
	struct transcript *t;
	struct dialog *d;
	char *ref, *got;
	size_t i, k, n;

	(void)state;
	t = script_split(big_dialog, (size_t)-1, 0, 0);
	d = dialog_from_transcript(t);
	ref = dump(d);
	/* Sanity: the reference itself is right. */
	assert_int_equal(d->nex, 8);
	assert_int_equal(d->ex[3].reply.code, 354);
	assert_int_equal(d->ex[3].has_body, 1);
	/* Everything but the 'C' and the final ".\r\n". */
	assert_int_equal(d->ex[3].body_bytes, strlen(BIG_BODY) - 4);
	assert_int_equal(d->ex[3].body_reply.code, 250);
	assert_int_equal(d->ex[6].cmd.verb, SMTP_VERB_BDAT);
	assert_int_equal(d->ex[6].body_bytes, 8);
	assert_int_equal(d->ex[6].reply.code, 250);
	assert_int_equal(d->ex[7].cmd.verb, SMTP_VERB_QUIT);
	assert_int_equal(d->ex[7].reply.code, 221);
	dialog_free(d);
	transcript_free(t);
	/* Byte by byte. */
	t = script_split(big_dialog, (size_t)-1, 0, 1);
	d = dialog_from_transcript(t);
	got = dump(d);
	assert_string_equal(got, ref);
	free(got);
	dialog_free(d);
	transcript_free(t);
	/* Every split point of every step. */
	for (i = 0; big_dialog[i] != NULL; i++) {
		n = strlen(big_dialog[i] + 1);
		for (k = 1; k < n; k++) {
			t = script_split(big_dialog, i, k, 0);
			d = dialog_from_transcript(t);
			got = dump(d);
			if (strcmp(got, ref) != 0)
				fail_msg("step %zu cut %zu:\n%s\n%s", i, k, got,
				    ref);
			free(got);
			dialog_free(d);
			transcript_free(t);
		}
	}
	free(ref);
}

/* Table of small dialogues and what must come out. */
static const struct dcase {
	const char	*name;
	const char	*label;
	const char	*steps[12];
	size_t		 nex;
	int		 has_greeting;
	const char	*anomaly;	/* must be recorded, or NULL */
	int		 tls_record;
	size_t		 norphans;
	int		 last_end;	/* enum dialog_end of the last ex */
	unsigned	 last_segments;
	int		 eod_split;
} dcases[] = {
	{ "pipelined", "", { GREET, "CMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n",
	  "S250 ok\r\n250 ok\r\n", NULL }, 2, 1, NULL, 0, 0,
	  DIALOG_END_REPLY, 1, 0 },
	{ "starttls-then-tls", "", { GREET, "CSTARTTLS\r\n",
	  "S220 go ahead\r\n", "C\x16\x03\x01\x02\x00\x01", "S\x16\x03\x03",
	  NULL }, 1, 1, NULL, 1, 0, DIALOG_END_REPLY, 1, 0 },
	{ "cleartext-after-starttls", "", { GREET, "CSTARTTLS\r\n",
	  "S220 go ahead\r\n", "CEHLO c.example\r\n", "S250 mx\r\n", NULL },
	  1, 1, "cleartext-after-starttls", 0, 0, DIALOG_END_REPLY, 1, 0 },
	{ "starttls-refused-continues", "", { GREET, "CSTARTTLS\r\n",
	  "S500 XXXXXXXX\r\n", "CQUIT\r\n", "S221 bye\r\n", NULL }, 2, 1,
	  NULL, 0, 0, DIALOG_END_REPLY, 1, 0 },
	{ "orphan-reply", "", { GREET, "S250 unsolicited\r\n", NULL }, 0, 1,
	  "reply-without-command", 0, 1, -1, 0, 0 },
	{ "server-closes", "", { GREET, "CXEXCH50 1 2\r\n", "F", NULL }, 1, 1,
	  NULL, 0, 0, DIALOG_END_CLOSED, 1, 0 },
	{ "timeout", "", { GREET, "CEHLO x\r\n", "T", NULL }, 1, 1, NULL, 0,
	  0, DIALOG_END_TIMEOUT, 1, 0 },
	{ "inner-no-greeting", "starttls-inner", { "CEHLO x\r\n",
	  "S250-mx\r\n250 AUTH PLAIN\r\n", NULL }, 1, 0, NULL, 0, 0,
	  DIALOG_END_REPLY, 1, 0 },
	{ "one-byte-segments", "", { GREET, "1NOOP\r\n", "S250 ok\r\n", NULL },
	  1, 1, NULL, 0, 0, DIALOG_END_REPLY, 6, 0 },
	{ "eod-split", "", { GREET, "CDATA\r\n", "S354 go\r\n", "Chi\r\n.",
	  "C\r\n", "S250 queued\r\n", NULL }, 1, 1, NULL, 0, 0,
	  DIALOG_END_REPLY, 1, 1 },
	{ "eod-whole", "", { GREET, "CDATA\r\n", "S354 go\r\n",
	  "Chi\r\n.\r\n", "S250 queued\r\n", NULL }, 1, 1, NULL, 0, 0,
	  DIALOG_END_REPLY, 1, 0 },
	{ "gap-resync", "", { GREET, "CEHLO x\r\n", "S250-mx\r\n250-PIPE",
	  "G12345", "S250 ok\r\n", NULL }, 1, 1, "gap", 0, 1,
	  DIALOG_END_GAP, 1, 0 },
	{ "bare-lf-command", "", { GREET, "CNOOP\n", "S250 ok\r\n", NULL }, 1,
	  1, "bare-lf", 0, 0, DIALOG_END_REPLY, 1, 0 },
	{ NULL, NULL, { NULL }, 0, 0, NULL, 0, 0, 0, 0, 0 },
};

static void
test_cases(void **state)
{
	const struct dcase *c;
	struct transcript *t;
	struct dialog *d;

	(void)state;
	for (c = dcases; c->name != NULL; c++) {
		t = fx_script(c->label, c->steps);
		d = dialog_from_transcript(t);
		if (d->nex != c->nex)
			fail_msg("%s: %zu exchanges, want %zu", c->name, d->nex,
			    c->nex);
		if (d->has_greeting != c->has_greeting)
			fail_msg("%s: greeting %d", c->name, d->has_greeting);
		if (c->anomaly != NULL &&
		    dialog_anomaly_count(d, c->anomaly) == 0)
			fail_msg("%s: no anomaly %s", c->name, c->anomaly);
		if (d->tls_record != c->tls_record)
			fail_msg("%s: tls_record %d", c->name, d->tls_record);
		if (d->norphans != c->norphans)
			fail_msg("%s: %zu orphans", c->name, d->norphans);
		if (c->nex > 0) {
			const struct dialog_exchange *x = &d->ex[d->nex - 1];

			if ((int)x->end != c->last_end)
				fail_msg("%s: end %s", c->name,
				    dialog_end_name(x->end));
			if (x->segments != c->last_segments)
				fail_msg("%s: %u segments", c->name,
				    x->segments);
			if (x->eod_split != c->eod_split)
				fail_msg("%s: eod_split %d", c->name,
				    x->eod_split);
		}
		dialog_free(d);
		transcript_free(t);
	}
}

static void
test_pipelined_flags_and_find(void **state)
{
	struct transcript *t;
	struct dialog *d;

	(void)state;
	t = fx_script("", (const char *const[]){ GREET,
	    "CEHLO x\r\n", "S250-mx\r\n250 PIPELINING\r\n",
	    "CMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRCPT TO:<e@f>\r\n",
	    "S250 ok\r\n250 ok\r\n550 no\r\n", NULL });
	d = dialog_from_transcript(t);
	assert_int_equal(d->nex, 4);
	assert_int_equal(d->ex[0].pipelined, 0);
	assert_int_equal(d->ex[1].pipelined, 0);
	assert_int_equal(d->ex[2].pipelined, 1);
	assert_int_equal(d->ex[3].pipelined, 1);
	assert_int_equal(d->ex[3].reply.code, 550);
	assert_ptr_equal(dialog_find(d, "rcpt"), &d->ex[2]);
	assert_null(dialog_find(d, "DATA"));
	assert_memory_equal(d->greeting_raw, GREET + 1, strlen(GREET + 1));
	dialog_free(d);
	transcript_free(t);
	dialog_free(NULL);
	/* A NULL transcript gives an empty dialog, never a crash. */
	d = dialog_from_transcript(NULL);
	assert_int_equal(d->nex, 0);
	assert_int_equal(d->connected, 0);
	dialog_free(d);
}

/*
 * Late body replies (pix-5.1 holding the final CRLF, CSCds90792): the
 * client waited (timeout event or 6 s of silence), moved on, and only then
 * got the reply.  Each script is also run with the client's bytes one per
 * segment: the verdict must not move.
 */
static const struct lcase {
	const char	*name;
	const char	*steps[12];
	int		 body_reply;	/* code, -1 none */
	int		 late;
	int		 eod_split;
} lcases[] = {
	{ "timeout-then-quit", { GREET, "CDATA\r\n", "S354 go\r\n",
	  "CSubject: t\r\n\r\nhello\r\n.", "C\r\n", "T", "CQUIT\r\n",
	  "S250 2.0.0 Ok: queued\r\n221 bye\r\n", NULL }, 250, 1, 1 },
	{ "silence-then-quit", { GREET, "CDATA\r\n", "S354 go\r\n",
	  "Chi\r\n.", "C\r\n", "W", "CQUIT\r\n", "S250 queued\r\n",
	  "S221 bye\r\n", NULL }, 250, 1, 1 },
	{ "silence-then-rset", { GREET, "CDATA\r\n", "S354 go\r\n",
	  "Chi\r\n.", "C\r\n", "W", "CRSET\r\n",
	  "S250 queued\r\n250 reset\r\n", NULL }, 250, 1, 1 },
	{ "silence-then-close", { GREET, "CDATA\r\n", "S354 go\r\n",
	  "Chi\r\n.", "C\r\n", "W", "f", "S250 queued\r\n", NULL }, 250,
	  1, 1 },
	{ "whole-eod-late", { GREET, "CDATA\r\n", "S354 go\r\n",
	  "Chi\r\n.\r\n", "W", "CQUIT\r\n", "S250 queued\r\n221 bye\r\n",
	  NULL }, 250, 1, 0 },
	/* Answered in time: quick QUIT, RFC 2920 pipelining, slow server. */
	{ "quick-quit", { GREET, "CDATA\r\n", "S354 go\r\n", "Chi\r\n.",
	  "C\r\n", "CQUIT\r\n", "S250 queued\r\n221 bye\r\n", NULL },
	  250, 0, 1 },
	{ "pipelined-quit", { GREET, "CDATA\r\n", "S354 go\r\n",
	  "Chi\r\n.\r\nQUIT\r\n", "W", "S250 queued\r\n221 bye\r\n",
	  NULL }, 250, 0, 0 },
	{ "slow-server", { GREET, "CDATA\r\n", "S354 go\r\n", "Chi\r\n.",
	  "C\r\n", "W", "S250 queued\r\n", "CQUIT\r\n", "S221 bye\r\n",
	  NULL }, 250, 0, 1 },
	{ "server-spoke-then-quit", { GREET, "CDATA\r\n", "S354 go\r\n",
	  "Chi\r\n.", "C\r\n", "W", "S250 que", "CQUIT\r\n",
	  "Sued\r\n221 bye\r\n", NULL }, 250, 0, 1 },
	/* A timeout alone is not giving up: the client did nothing. */
	{ "timeout-then-reply", { GREET, "CDATA\r\n", "S354 go\r\n",
	  "Chi\r\n.", "C\r\n", "T", "S250 queued\r\n", "CQUIT\r\n",
	  "S221 bye\r\n", NULL }, 250, 0, 1 },
	{ "timeout-no-reply", { GREET, "CDATA\r\n", "S354 go\r\n",
	  "Chi\r\n.", "C\r\n", "T", "CQUIT\r\n", NULL }, -1, 0, 1 },
	{ NULL, { NULL }, 0, 0, 0 },
};

static void
test_late(void **state)
{
	const struct lcase *c;
	const char *steps[12];
	struct transcript *t;
	struct dialog *d;
	const struct dialog_exchange *x;
	size_t i;
	int bytewise;

	(void)state;
	for (c = lcases; c->name != NULL; c++)
		for (bytewise = 0; bytewise < 2; bytewise++) {
			/* Bytewise: the command after the body goes one
			 * byte per segment (its first byte is what counts). */
			for (i = 0; c->steps[i] != NULL; i++) {
				steps[i] = c->steps[i];
				if (!bytewise)
					continue;
				if (strcmp(steps[i], "CQUIT\r\n") == 0)
					steps[i] = "1QUIT\r\n";
				else if (strcmp(steps[i], "CRSET\r\n") == 0)
					steps[i] = "1RSET\r\n";
			}
			steps[i] = NULL;
			t = fx_script("eod", steps);
			d = dialog_from_transcript(t);
			x = dialog_find(d, "DATA");
			if (x == NULL)
				fail_msg("%s: no DATA", c->name);
			if ((x->has_body_reply ? x->body_reply.code : -1) !=
			    c->body_reply || x->body_late != c->late ||
			    x->eod_split != c->eod_split)
				fail_msg("%s/%d: reply %d late %d split %d",
				    c->name, bytewise, x->has_body_reply ?
				    x->body_reply.code : -1, x->body_late,
				    x->eod_split);
			/* The next command still gets its own reply. */
			if ((x = dialog_find(d, "QUIT")) != NULL &&
			    c->body_reply > 0 && (!x->has_reply ||
			    x->reply.code != 221))
				fail_msg("%s: QUIT not answered", c->name);
			dialog_free(d);
			transcript_free(t);
		}
}

/* Hostile bytes: NULs, 8-bit, over-long lines, no CRLF at all. */
static void
test_hostile(void **state)
{
	struct transcript *t;
	struct dialog *d;
	uint8_t junk[9000];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 7 + 3);
	t = transcript_new("hostile");
	transcript_event(t, TR_EV_CONNECT, TR_C2S, 1);
	transcript_data(t, TR_S2C, 2, -1, junk, sizeof(junk));
	transcript_data(t, TR_C2S, 3, -1, junk, sizeof(junk));
	transcript_data(t, TR_C2S, 4, -1, (const uint8_t *)"DATA\r\n", 6);
	transcript_data(t, TR_S2C, 5, -1, (const uint8_t *)"354 x\r\n", 7);
	transcript_data(t, TR_C2S, 6, -1, junk, sizeof(junk));
	d = dialog_from_transcript(t);
	assert_true(d->nanom > 0);
	dialog_free(d);
	transcript_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_segmentation_invariance),
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_pipelined_flags_and_find),
		cmocka_unit_test(test_late),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
