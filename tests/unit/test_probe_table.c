/* test_probe_table.c - unit tests for the probe table and its rendering. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "probe_render.h"
#include "probe_table.h"

/* The probes issue 4 asks for, in the default set unless noted. */
static const struct want_case {
	const char	*name;
	unsigned	 flags;		/* must all be set */
	unsigned	 not_flags;	/* must all be clear */
	const char	*has;		/* bytes one of its sends contains */
	const char	*last;		/* the last send before QUIT contains
					 * this: the report classifies the
					 * last exchange, it must be the
					 * probe's subject */
} want_cases[] = {
	{ "greeting", PROBE_F_DEFAULT, PROBE_F_DATA, NULL, NULL },
	{ "ehlo", PROBE_F_DEFAULT, 0, "EHLO %h\r\n", NULL },
	{ "helo", PROBE_F_DEFAULT, 0, "HELO %h\r\n", NULL },
	{ "invalid-verb", PROBE_F_DEFAULT, 0, "goodmorning\r\n",
	  "goodmorning" },
	{ "invalid-verb2", PROBE_F_DEFAULT, 0, "%r\r\n", "%r" },
	{ "verb-auth", PROBE_F_DEFAULT, 0, "AUTH", "AUTH" },
	{ "verb-starttls", PROBE_F_DEFAULT, 0, "STARTTLS\r\n", "STARTTLS" },
	{ "verb-bdat", PROBE_F_DEFAULT, 0, "BDAT", "BDAT" },
	{ "verb-x-link2state", PROBE_F_DEFAULT, 0, "X-LINK2STATE",
	  "X-LINK2STATE" },
	{ "verb-xexch50", PROBE_F_DEFAULT, 0, "XEXCH50", "XEXCH50" },
	{ "verb-etrn", PROBE_F_DEFAULT, 0, "ETRN", "ETRN" },
	{ "verb-vrfy", PROBE_F_DEFAULT, 0, "VRFY", "VRFY" },
	{ "verb-help", PROBE_F_DEFAULT, 0, "HELP", "HELP" },
	{ "verb-expn", PROBE_F_DEFAULT, 0, "EXPN", "EXPN" },
	{ "mail-8bitmime", PROBE_F_DEFAULT, 0, "BODY=8BITMIME",
	  "BODY=8BITMIME" },
	{ "mail-smtputf8", PROBE_F_DEFAULT, 0, "SMTPUTF8", "SMTPUTF8" },
	{ "segmented", PROBE_F_DEFAULT, 0, "NOOP\r\n", "NOOP" },
	{ "pipelined", PROBE_F_DEFAULT, 0, "MAIL FROM:<>\r\nRCPT", NULL },
	{ "starttls", PROBE_F_DEFAULT | PROBE_F_TLS, 0, NULL, NULL },
	{ "eod-split", PROBE_F_DATA, PROBE_F_DEFAULT, "\r\n.\r\n",
	  "\r\n.\r\n" },
	{ "exp-relay", PROBE_F_EXPOSURE, PROBE_F_DEFAULT, "@example.net",
	  NULL },
	{ "exp-wiz", PROBE_F_EXPOSURE, PROBE_F_DEFAULT, "WIZ", "WIZ" },
	{ "lockdown", PROBE_F_LOCKDOWN, PROBE_F_DEFAULT, "RCPT", NULL },
	{ NULL, 0, 0, NULL, NULL }
};

static int
probe_sends(const struct probe_def *d, const char *needle)
{
	const struct probe_step *s;

	for (s = d->steps; s->kind != PS_END; s++)
		if (s->kind == PS_SEND && strstr(s->text, needle) != NULL)
			return 1;
	return 0;
}

/* Does the last PS_SEND before the QUIT step contain needle? */
static int
probe_last_sends(const struct probe_def *d, const char *needle)
{
	const struct probe_step *s, *last = NULL;

	for (s = d->steps; s->kind != PS_END && s->kind != PS_QUIT; s++)
		if (s->kind == PS_SEND)
			last = s;
	return last != NULL && strstr(last->text, needle) != NULL;
}

static void
test_wanted(void **state)
{
	const struct want_case *c;

	(void)state;
	for (c = want_cases; c->name != NULL; c++) {
		const struct probe_def *d = probe_table_find(c->name);

		if (d == NULL)
			fail_msg("probe %s missing", c->name);
		assert_string_equal(d->name, c->name);
		assert_int_equal(d->flags & c->flags, c->flags);
		assert_int_equal(d->flags & c->not_flags, 0);
		if (c->has != NULL && !probe_sends(d, c->has))
			fail_msg("probe %s does not send %s", c->name, c->has);
		if (c->last != NULL && !probe_last_sends(d, c->last))
			fail_msg("probe %s: last send before QUIT lacks %s",
			    c->name, c->last);
	}
	assert_null(probe_table_find("no-such-probe"));
	assert_null(probe_table_find(""));
}

/* Shape of every entry: unique names, bounded steps, a greeting first, a
 * QUIT last, and DATA only in probes flagged PROBE_F_DATA (safe by
 * default: never a message body without --send-test-message). */
static void
test_shape(void **state)
{
	size_t i, j, n = probe_table_count();

	(void)state;
	assert_true(n >= 20);
	for (i = 0; i < n; i++) {
		const struct probe_def *d = probe_table[i];
		const struct probe_step *s;
		size_t k = 0;
		int quit = 0;

		assert_non_null(d->name);
		assert_non_null(d->description);
		for (j = i + 1; j < n; j++)
			assert_true(strcmp(d->name, probe_table[j]->name) != 0);
		assert_int_equal(d->steps[0].kind, PS_GREETING);
		for (s = d->steps; s->kind != PS_END; s++, k++) {
			assert_true(k < 32);
			assert_string_not_equal(probe_step_kind_name(s->kind),
			    "?");
			if (s->kind == PS_SEND) {
				assert_non_null(s->text);
				assert_true(s->replies >= 1);
			}
			if (s->kind == PS_QUIT)
				quit = 1;
		}
		assert_true(quit);
		assert_int_equal(s[-1].kind, PS_QUIT);
		if (!(d->flags & PROBE_F_DATA))
			assert_false(probe_sends(d, "DATA\r\n"));
	}
}

static const struct render_case {
	const char	*text;
	enum probe_split split;
	int		 rc;
	const char	*want;
	size_t		 nseg;
	size_t		 last_seg;	/* length of the last segment */
} render_cases[] = {
	{ "EHLO %h\r\n", PSPLIT_WHOLE, 0, "EHLO probe.test\r\n", 1, 17 },
	{ "RCPT TO:<%t>\r\n", PSPLIT_WHOLE, 0,
	  "RCPT TO:<rcpt@example.test>\r\n", 1, 29 },
	{ "100%%\r\n", PSPLIT_WHOLE, 0, "100%\r\n", 1, 6 },
	{ "NOOP\r\n", PSPLIT_BYTE, 0, "NOOP\r\n", 6, 1 },
	{ "x\r\n.\r\n", PSPLIT_EOD, 0, "x\r\n.\r\n", 2, 2 },
	{ "no end of data", PSPLIT_EOD, -1, NULL, 0, 0 },
	{ "%q", PSPLIT_WHOLE, -1, NULL, 0, 0 },
	{ NULL, 0, 0, NULL, 0, 0 }
};

static void
test_render(void **state)
{
	const struct render_case *c;
	struct probe_opts o;
	size_t cuts[PROBE_SEGS_MAX], n;
	char err[MG_ERRBUF_SIZE];
	struct buf b;

	(void)state;
	probe_opts_defaults(&o);
	o.helo = "probe.test";
	o.test_rcpt = "rcpt@example.test";
	buf_init(&b, 0);
	for (c = render_cases; c->text != NULL; c++) {
		int rc = probe_render(c->text, c->split, &o, &b, cuts, &n,
		    err);

		assert_int_equal(rc, c->rc);
		if (rc == -1)
			continue;
		assert_int_equal(b.len, strlen(c->want));
		assert_memory_equal(b.data, c->want, b.len);
		assert_int_equal(n, c->nseg);
		assert_int_equal(cuts[n - 1], b.len);
		assert_int_equal(cuts[n - 1] - (n > 1 ? cuts[n - 2] : 0),
		    c->last_seg);
	}
	/* %t without --send-test-message is refused. */
	o.test_rcpt = NULL;
	assert_int_equal(probe_render("RCPT TO:<%t>\r\n", PSPLIT_WHOLE, &o,
	    &b, cuts, &n, err), -1);
	buf_free(&b);
}

static void
test_random_verb(void **state)
{
	char a[16], b[16], c[16];
	size_t i;

	(void)state;
	probe_random_verb(1, a, sizeof(a));
	probe_random_verb(1, b, sizeof(b));
	probe_random_verb(2, c, sizeof(c));
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_int_equal(strlen(a), 8);
	assert_int_equal(a[0], 'Q');
	for (i = 0; a[i] != '\0'; i++)
		assert_true(a[i] >= 'A' && a[i] <= 'Z');
}

static void
test_dry_run(void **state)
{
	struct probe_opts o;
	struct buf b;

	(void)state;
	probe_opts_defaults(&o);
	o.seed = 1;
	buf_init(&b, 0);
	probe_dry_run(probe_table_find("segmented"), &o, &b);
	assert_non_null(strstr(buf_cstr(&b),
	    "send 6 segments: [N] [O] [O] [P] [\\r] [\\n]; wait 1 reply"));
	buf_reset(&b);
	probe_dry_run(probe_table_find("starttls"), &o, &b);
	assert_non_null(strstr(buf_cstr(&b), "TLS handshake"));
	/* eod-split without a recipient renders nothing it could send */
	buf_reset(&b);
	probe_dry_run(probe_table_find("eod-split"), &o, &b);
	assert_non_null(strstr(buf_cstr(&b), "not rendered"));
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wanted),
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_random_verb),
		cmocka_unit_test(test_dry_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
